"""Compare, cohort and reach through the real service and CLI: formats, notes, errors and suppression.

The tests read the `seeded` data (conftest.py): 60 families in autumn, 40 of them again in spring.
"""

from __future__ import annotations

import io

import polars as pl
import pytest
from scipy.stats import wilcoxon


def test_compare_with_the_2019_baseline_carries_the_baselines_own_figures(seeded_analyst) -> None:
    body = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "all"}).json()
    assert body["baseline"] == "baseline-2019" and body["threshold"] == 10
    health = next(r for r in body["rows"] if r["statement_id"] == "health_met")
    # 2019: 70 strongly + 108 tend to agree of 70+108+108+120+197 = 603 valid answers (27 don't know).
    assert health["baseline_share_agree"] == pytest.approx(178 / 603)
    assert health["baseline_n_valid"] == 603 and health["baseline_area_code"] == "all"
    assert health["n_valid"] == 60 and health["suppressed"] is False
    assert health["delta_share_agree"] == pytest.approx(health["share_agree"] - 178 / 603)
    only_dont_know = next(r for r in body["rows"] if r["statement_id"] == "local_offer_useful")
    assert only_dont_know["n_valid"] is None and only_dont_know["suppressed"] is True


def test_compare_by_lad_hides_small_areas_and_their_complement(seeded_analyst) -> None:
    r = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "lad"}, headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(r.content)).filter(pl.col("statement_id") == "health_met")
    dover = frame.filter(pl.col("area_name") == "Dover").row(0, named=True)
    assert dover["suppressed"] is True and dover["n_valid"] is None and dover["share_agree"] is None
    maidstone = frame.filter(pl.col("area_name") == "Maidstone").row(0, named=True)  # the complement
    assert maidstone["suppressed"] is True and maidstone["n_valid"] is None
    thanet = frame.filter(pl.col("area_name") == "Thanet").row(0, named=True)
    assert thanet["n_valid"] == 40 and thanet["suppressed"] is False
    figures = frame.filter(pl.col("suppressed")).drop("wave_id", "baseline_id", "area_level", "area_code",
                                                      "area_name", "statement_id", "baseline_area_code",
                                                      "baseline_n_valid", "baseline_share_agree", "suppressed")
    assert all(v is None for row in figures.rows() for v in row)


def test_compare_exports_open_as_parquet_and_xlsx_with_a_notes_sheet(seeded_analyst) -> None:
    parquet = seeded_analyst.get("/api/v1/waves/2026-autumn/compare",
                                 params={"by": "ethnic_group", "format": "parquet"})
    assert pl.read_parquet(io.BytesIO(parquet.content)).height > 0
    xlsx = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "lad", "format": "xlsx"})
    sheets = pl.read_excel(io.BytesIO(xlsx.content), sheet_id=0)
    assert set(sheets) == {"compare", "notes"}
    notes = " ".join(str(v) for v in sheets["notes"].to_dicts())
    assert "threshold" in notes and "Wilson" in notes and "Contains National Statistics data" in notes


@pytest.mark.parametrize(("params", "field"), [({"by": "shoe_size"}, "by"), ({"baseline": "1999"}, "baseline")])
def test_a_bad_analysis_parameter_is_a_400_naming_it(seeded_analyst, params: dict[str, str], field: str) -> None:
    r = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params=params)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == field


def test_cohort_links_families_by_return_code_and_tests_their_change(seeded_analyst, seeded) -> None:
    body = seeded_analyst.get("/api/v1/waves/2027-spring/cohort", params={"against": "2026-autumn"}).json()
    row = next(r for r in body["rows"] if r["statement_id"] == "health_met")
    pairs = seeded.pairs
    differences = [after - before for before, after in pairs]
    assert row["n_pairs"] == len(pairs) == 40
    assert row["share_improved"] == pytest.approx(sum(d > 0 for d in differences) / 40)
    assert row["mean_change"] == pytest.approx(sum(differences) / 40)
    assert row["p_value"] == pytest.approx(wilcoxon(differences).pvalue)


def test_reach_by_lad_and_ethnic_group_says_census_covers_all_ages(seeded_analyst) -> None:
    lad = seeded_analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": "lad"}).json()["rows"]
    thanet = next(r for r in lad if r["area_name"] == "Thanet")
    assert thanet["responses"] == 40 and thanet["response_share"] == pytest.approx(40 / 60)
    swale = next(r for r in lad if r["area_name"] == "Swale")  # nobody answered: "too few", not 0
    assert swale["suppressed"] is True and swale["responses"] is None
    ethnic = seeded_analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": "ethnic_group_broad"}).json()
    assert "all ages" in ethnic["notes"][0]
    black = next(r for r in ethnic["rows"] if r["area_code"] == "black")
    assert black["responses"] == 15


@pytest.mark.slow
def test_cli_compare_prints_a_table_through_the_running_service(seeded_live, cli) -> None:
    data_dir = seeded_live.settings.data_dir  # held by the service: the CLI goes through it over HTTP
    result = cli(data_dir, "compare", "--wave", "2026-autumn", "--by", "lad", url=seeded_live.url)
    assert result.returncode == 0, result.stderr
    assert "Thanet" in result.stdout and "health_met" in result.stdout
    json_out = cli(data_dir, "reach", "--wave", "2026-autumn", "--format", "json", url=seeded_live.url)
    assert '"kind":"reach"' in json_out.stdout


@pytest.mark.slow
def test_cli_cohort_reads_the_file_when_no_service_runs(seeded_copy, cli) -> None:
    result = cli(seeded_copy, "cohort", "--wave", "2027-spring", "--against", "2026-autumn", "--format", "csv")
    assert result.returncode == 0, result.stderr
    frame = pl.read_csv(io.BytesIO(result.stdout.encode()))
    assert frame.filter(pl.col("statement_id") == "health_met")["n_pairs"].to_list() == [40]

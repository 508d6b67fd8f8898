"""Compare, cohort and reach through the real service and CLI: formats, notes, errors and suppression.

The tests read the `seeded` data (conftest.py): 60 families in autumn, 40 of them again in spring.
"""

from __future__ import annotations

import io

import polars as pl
import pytest
from scipy.stats import wilcoxon

from analytics.disclosure import Disclosure, round_pair_counts


def test_compare_with_the_2019_baseline_carries_the_baselines_own_figures(seeded_analyst) -> None:
    body = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "all"}).json()
    assert body["baseline"] == "baseline-2019" and body["threshold"] == 10
    health = next(r for r in body["rows"] if r["statement_id"] == "health_met")
    # 2019: 70 strongly + 108 tend to agree of 70+108+108+120+197 = 603 valid answers (27 don't know).
    assert health["baseline_share_agree"] == pytest.approx(178 / 603)
    assert health["baseline_n_valid"] == 603 and health["baseline_area_code"] == "all"
    # 60 answers, published as the sum of its answer counts, each rounded to a multiple of 5 (disclosure control).
    assert health["n_valid"] % 5 == 0 and abs(health["n_valid"] - 60) <= 4 * 5 and health["suppressed"] is False
    assert health["delta_share_agree"] == pytest.approx(health["share_agree"] - 178 / 603)
    only_dont_know = next(r for r in body["rows"] if r["statement_id"] == "local_offer_useful")
    assert only_dont_know["n_valid"] is None and only_dont_know["suppressed"] is True


def test_compare_by_lad_hides_small_areas_but_shows_the_rest_rounded(seeded_analyst) -> None:
    r = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "lad"}, headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(r.content)).filter(pl.col("statement_id") == "health_met")
    dover = frame.filter(pl.col("area_name") == "Dover").row(0, named=True)
    assert dover["suppressed"] is True and dover["n_valid"] is None and dover["share_agree"] is None
    # Rounding protects Dover's 3 from differencing, so Maidstone's 17 need not be hidden as its complement.
    maidstone = frame.filter(pl.col("area_name") == "Maidstone").row(0, named=True)
    assert maidstone["suppressed"] is False and maidstone["n_valid"] % 5 == 0
    thanet = frame.filter(pl.col("area_name") == "Thanet").row(0, named=True)
    assert abs(thanet["n_valid"] - 40) <= 4 * 5 and thanet["suppressed"] is False
    figures = frame.filter(pl.col("suppressed")).drop("wave_id", "baseline_id", "area_level", "area_code",
                                                      "area_name", "statement_id", "baseline_area_code", "comparison",
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
    differences = [after - before for before, after in seeded.pairs]
    assert len(differences) == 40
    # The published figures come from the pair counts rounded as the service rounds them (its own key):
    # rebuild those, then check each figure against scipy on them.
    rounding = Disclosure(bytes.fromhex((seeded.data_dir / "secrets" / "return-code.key").read_text().strip()))
    true = pl.DataFrame({"statement_id": ["health_met"] * 40, "change": differences}).group_by(
        "statement_id", "change").agg(n=pl.len().cast(pl.Int64))
    counts = round_pair_counts(rounding, true, later="2027-spring", earlier="2026-autumn")
    rounded = [c for c, n in zip(counts["change"], counts["n"], strict=True) for _ in range(n)]
    assert row["n_pairs"] == len(rounded) and abs(row["n_pairs"] - 40) <= 4 * counts.height
    assert row["share_improved"] == pytest.approx(sum(d > 0 for d in rounded) / len(rounded))
    assert row["mean_change"] == pytest.approx(sum(rounded) / len(rounded))
    assert row["p_value"] == pytest.approx(wilcoxon(sorted(rounded, key=abs)).pvalue)


def test_reach_by_lad_and_ethnic_group_says_census_covers_all_ages(seeded_analyst) -> None:
    lad = seeded_analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": "lad"}).json()["rows"]
    thanet = next(r for r in lad if r["area_name"] == "Thanet")
    assert thanet["responses"] % 5 == 0 and abs(thanet["responses"] - 40) <= 4
    # The share is over the in-area total, itself rounded (independently): 60 +- 4.
    assert thanet["responses"] / 64 <= thanet["response_share"] <= thanet["responses"] / 56
    swale = next(r for r in lad if r["area_name"] == "Swale")  # nobody answered: "fewer than 10", not 0
    assert swale["suppressed"] is True and swale["responses"] is None
    assert swale["responses_band"] == "fewer than 10" and swale["expected_responses"] > 0
    ethnic = seeded_analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": "ethnic_group_broad"}).json()
    assert any("all ages" in note for note in ethnic["notes"])
    assert any("Publication-safe" in note for note in ethnic["notes"])
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
    [pairs] = frame.filter(pl.col("statement_id") == "health_met")["n_pairs"].to_list()
    assert pairs % 5 == 0 and abs(pairs - 40) <= 4 * 9  # 40 pairs, rounded per score change (-4 to +4)

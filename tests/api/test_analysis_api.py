"""Compare, cohort and reach through the real service and CLI: formats, notes, errors and suppression.

The tests read the `seeded` data (conftest.py): 60 families in autumn, 40 of them again in spring.
"""

from __future__ import annotations

import io

import polars as pl
import pytest
from scipy.stats import wilcoxon
from statsmodels.stats.proportion import proportions_ztest


def test_compare_with_the_2019_baseline_carries_the_baselines_own_figures(seeded_analyst) -> None:
    body = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "all"}).json()
    assert body["baseline"] == "baseline-2019" and body["threshold"] == 10
    assert body["classification"] == "Internal: not for publication"
    health = next(r for r in body["rows"] if r["statement_id"] == "health_met")
    # 2019: 70 strongly + 108 tend to agree of 70+108+108+120+197 = 603 valid answers (27 don't know).
    assert health["baseline_share_agree"] == pytest.approx(178 / 603)
    assert health["baseline_n_valid"] == 603 and health["baseline_area_code"] == "all"
    # Internal figures are exact: the 60 families' answers, as they are.
    assert health["n_valid"] == 60 and health["publishable"] is True and health["publishable_rule"] is None
    agree = round(health["share_agree"] * 60)
    assert health["share_agree"] == pytest.approx(agree / 60)
    assert health["delta_share_agree"] == pytest.approx(agree / 60 - 178 / 603)
    # The pooled two-proportion z test, as statsmodels computes it on the exact counts.
    _, p = proportions_ztest([agree, 178], [60, 603])
    assert health["p_value"] == pytest.approx(p, rel=1e-9)
    only_dont_know = next(r for r in body["rows"] if r["statement_id"] == "local_offer_useful")
    assert only_dont_know["n_valid"] == 0 and only_dont_know["publishable"] is False
    assert only_dont_know["publishable_rule"] == "fewer than 10 responses (zero alike)"


def test_compare_by_lad_shows_small_areas_exactly_and_says_they_are_not_publishable(seeded_analyst) -> None:
    r = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "lad"}, headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="internal-2026-autumn-compare-lad.csv"'
    every = pl.read_csv(io.BytesIO(r.content))  # a plain CSV: its first column says what it is, every row
    assert every.columns[0] == "classification" and set(every["classification"]) == {"Internal: not for publication"}
    frame = every.filter(pl.col("statement_id") == "health_met")
    dover = frame.filter(pl.col("area_name") == "Dover").row(0, named=True)
    assert dover["publishable"] is False and dover["n_valid"] == 3 and dover["share_agree"] is not None
    assert dover["publishable_rule"] == "fewer than 10 responses (zero alike)"
    # Dover's 3 is the only small area with answers: Maidstone's 17, the smallest other, is its complement.
    maidstone = frame.filter(pl.col("area_name") == "Maidstone").row(0, named=True)
    assert maidstone["n_valid"] == 17 and maidstone["publishable"] is False
    assert maidstone["publishable_rule"].startswith("complement")
    thanet = frame.filter(pl.col("area_name") == "Thanet").row(0, named=True)
    assert thanet["n_valid"] == 40 and thanet["publishable"] is True


def test_compare_exports_open_as_parquet_and_xlsx_with_a_readme_and_a_notes_sheet(seeded_analyst) -> None:
    parquet = seeded_analyst.get("/api/v1/waves/2026-autumn/compare",
                                 params={"by": "ethnic_group", "format": "parquet"})
    read = pl.read_parquet(io.BytesIO(parquet.content))
    assert read.height > 0 and set(read["classification"]) == {"Internal: not for publication"}
    xlsx = seeded_analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "lad", "format": "xlsx"})
    sheets = pl.read_excel(io.BytesIO(xlsx.content), sheet_id=0)
    assert list(sheets) == ["README", "compare", "notes"]
    assert sheets["README"].columns == ["Internal: not for publication"]
    notes = " ".join(str(v) for v in sheets["notes"].to_dicts())
    assert "threshold" in notes and "Wilson" in notes and "Contains National Statistics data" in notes
    assert "publishable_rule" in notes


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
    # Internal figures are exact: every figure is scipy's on the 40 pairs themselves.
    assert row["n_pairs"] == 40 and row["n_ties"] == sum(d == 0 for d in differences)
    assert row["share_improved"] == pytest.approx(sum(d > 0 for d in differences) / 40)
    assert row["share_worse"] == pytest.approx(sum(d < 0 for d in differences) / 40)
    assert row["mean_change"] == pytest.approx(sum(differences) / 40)
    assert row["p_value"] == pytest.approx(wilcoxon(differences).pvalue, rel=1e-9)
    assert row["p_value_pratt"] == pytest.approx(wilcoxon(differences, zero_method="pratt").pvalue, rel=1e-9)
    assert row["publishable"] is True and row["publishable_rule"] is None


def test_reach_by_lad_and_ethnic_group_says_census_covers_all_ages(seeded_analyst) -> None:
    reached = seeded_analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": "lad"}).json()
    lad = reached["rows"]
    thanet = next(r for r in lad if r["area_name"] == "Thanet")
    assert thanet["responses"] == 40 and reached["base"] == 60  # exact, over the in-area total
    assert thanet["response_share"] == pytest.approx(40 / 60)
    swale = next(r for r in lad if r["area_name"] == "Swale")  # nobody answered: 0, and not publishable
    assert swale["responses"] == 0 and swale["publishable"] is False
    assert swale["publishable_rule"] == "fewer than 10 responses (zero alike)" and swale["expected_responses"] > 0
    ethnic = seeded_analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": "ethnic_group_broad"}).json()
    assert any("all ages" in note for note in ethnic["notes"])
    assert any(note.startswith("Internal: not for publication") for note in ethnic["notes"])
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
    assert pairs == 40  # internal: exact

"""Compare, cohort and reach through the real service and CLI: formats, notes, errors and suppression."""

from __future__ import annotations

import datetime as dt
import io
import random

import polars as pl
import pytest
from scipy.stats import wilcoxon

from tests.conftest import LiveServer
from tests.test_cli import _run

SCALE = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]
SCORE = {a: 5 - i for i, a in enumerate(SCALE)}


@pytest.fixture
def seeded(server: LiveServer, http, admin, clock) -> dict[str, list[tuple[int, int]]]:
    """60 families in autumn (40 in Thanet, 17 in Maidstone, 3 in Dover), 40 again in spring with their code."""
    rng = random.Random(7)
    pairs: list[tuple[int, int]] = []
    codes = []
    for i in range(60):
        before = rng.choice(SCALE)
        body = {"answers": {"q7": {"health_met": before, "local_offer_useful": "dont_know"},
                            "ethnic_group": "white_british" if i % 4 else "black_african"},
                "postcode": "CT16 1AA" if i < 3 else "ME14 5AB" if i < 20 else "CT9 1AA"}
        codes.append((http.post("/api/v1/waves/2026-autumn/responses", json=body).json()["return_code"], before))
    admin.post("/api/v1/admin/waves", json={
        "wave_id": "2027-spring", "questionnaire_id": "send-repeat", "questionnaire_version": 1,
        "title": {"en": "Spring 2027"}, "opens_on": "2027-04-01", "closes_on": "2027-06-30"})
    clock.now = dt.datetime(2027, 4, 10, 12, tzinfo=dt.UTC)
    for code, before in codes[:40]:
        after = rng.choice(SCALE)
        http.post("/api/v1/waves/2027-spring/responses",
                  json={"answers": {"q7": {"health_met": after}}, "return_code": code, "postcode": "CT9"})
        pairs.append((SCORE[before], SCORE[after]))
    return {"pairs": pairs}


def test_compare_with_the_2019_baseline_carries_the_baselines_own_figures(analyst, seeded) -> None:
    body = analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "all"}).json()
    assert body["baseline"] == "baseline-2019" and body["threshold"] == 10
    health = next(r for r in body["rows"] if r["statement_id"] == "health_met")
    # 2019: 70 strongly + 108 tend to agree of 70+108+108+120+197 = 603 valid answers (27 don't know).
    assert health["baseline_share_agree"] == pytest.approx(178 / 603)
    assert health["baseline_n_valid"] == 603 and health["baseline_area_code"] == "all"
    assert health["n_valid"] == 60 and health["suppressed"] is False
    assert health["delta_share_agree"] == pytest.approx(health["share_agree"] - 178 / 603)
    only_dont_know = next(r for r in body["rows"] if r["statement_id"] == "local_offer_useful")
    assert only_dont_know["n_valid"] is None and only_dont_know["suppressed"] is True


def test_compare_by_lad_hides_small_areas_and_their_complement(analyst, seeded) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "lad"}, headers={"Accept": "text/csv"})
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


def test_compare_exports_open_as_parquet_and_xlsx_with_a_notes_sheet(analyst, seeded) -> None:
    parquet = analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "ethnic_group", "format": "parquet"})
    assert pl.read_parquet(io.BytesIO(parquet.content)).height > 0
    xlsx = analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": "lad", "format": "xlsx"})
    sheets = pl.read_excel(io.BytesIO(xlsx.content), sheet_id=0)
    assert set(sheets) == {"compare", "notes"}
    notes = " ".join(str(v) for v in sheets["notes"].to_dicts())
    assert "threshold" in notes and "Wilson" in notes and "Contains National Statistics data" in notes


@pytest.mark.parametrize(("params", "field"), [({"by": "shoe_size"}, "by"), ({"baseline": "1999"}, "baseline")])
def test_a_bad_analysis_parameter_is_a_400_naming_it(analyst, params: dict[str, str], field: str) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/compare", params=params)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == field


def test_cohort_links_families_by_return_code_and_tests_their_change(analyst, seeded) -> None:
    body = analyst.get("/api/v1/waves/2027-spring/cohort", params={"against": "2026-autumn"}).json()
    row = next(r for r in body["rows"] if r["statement_id"] == "health_met")
    pairs = seeded["pairs"]
    differences = [after - before for before, after in pairs]
    assert row["n_pairs"] == len(pairs) == 40
    assert row["share_improved"] == pytest.approx(sum(d > 0 for d in differences) / 40)
    assert row["mean_change"] == pytest.approx(sum(differences) / 40)
    assert row["p_value"] == pytest.approx(wilcoxon(differences).pvalue)


def test_reach_by_lad_and_ethnic_group_says_census_covers_all_ages(analyst, seeded) -> None:
    lad = analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": "lad"}).json()["rows"]
    thanet = next(r for r in lad if r["area_name"] == "Thanet")
    assert thanet["responses"] == 40 and thanet["response_share"] == pytest.approx(40 / 60)
    swale = next(r for r in lad if r["area_name"] == "Swale")  # nobody answered: "too few", not 0
    assert swale["suppressed"] is True and swale["responses"] is None
    ethnic = analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": "ethnic_group_broad"}).json()
    assert "all ages" in ethnic["notes"][0]
    black = next(r for r in ethnic["rows"] if r["area_code"] == "black")
    assert black["responses"] == 15


def test_cli_compare_prints_a_table_through_the_running_service(server: LiveServer, seeded, data_dir) -> None:
    result = _run(data_dir, "compare", "--wave", "2026-autumn", "--by", "lad", url=server.url)
    assert result.returncode == 0, result.stderr
    assert "Thanet" in result.stdout and "health_met" in result.stdout
    json_out = _run(data_dir, "reach", "--wave", "2026-autumn", "--format", "json", url=server.url)
    assert '"kind":"reach"' in json_out.stdout


def test_cli_cohort_reads_the_file_when_no_service_runs(server: LiveServer, seeded, data_dir) -> None:
    server.stop()
    result = _run(data_dir, "cohort", "--wave", "2027-spring", "--against", "2026-autumn", "--format", "csv")
    assert result.returncode == 0, result.stderr
    frame = pl.read_csv(io.BytesIO(result.stdout.encode()))
    assert frame.filter(pl.col("statement_id") == "health_met")["n_pairs"].to_list() == [40]

"""The chart builders: the right rows, percentages from the input frames, no suppressed figure anywhere."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analytics.charts import (
    cohort_chart,
    description_of,
    likert_chart,
    map_chart,
    reach_chart,
    shift_chart,
    shift_points,
    trend_chart,
)
from analytics.scale import Scale
from tests.chart_frames import (
    BASE,
    CANARY,
    CHART_NAMES,
    LADS,
    SUPPRESSED_LAD,
    THRESHOLD,
    TITLES,
    WAVES,
    by_area_frame,
    cohort_frame,
    compare_row,
    encoded_in,
    numbers_in,
    overall_frame,
    reach_frame,
    rows_of,
    with_canaries,
)
from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue

BOUNDARIES = Path(__file__).parents[3] / "shared/reference/kent-medway/kent_medway_lad_may2024_buc.geojson"
SCALE = Scale.for_questionnaire(load_catalogue().questionnaire("send-repeat", 1))
PACK = load_area_pack()
FACTS = {"scale": SCALE, "pack_info": PACK.info}
WAVE_ARGS = {**FACTS, "wave_order": WAVES, "wave_titles": TITLES, "threshold": THRESHOLD}
MAP_ARGS = {"tiles": PACK.tiles, "pack_info": PACK.info, "threshold": THRESHOLD}


def all_charts(frames: dict[str, pl.DataFrame]) -> dict[str, object]:
    """One chart of each kind, built from the given frames."""
    return {
        "likert": likert_chart(frames["overall"], **WAVE_ARGS),
        "trend": trend_chart(frames["overall"], **WAVE_ARGS),
        "shift-one": shift_chart(frames["by_area"], **FACTS, threshold=THRESHOLD, statement_id="assessment_wait"),
        "shift-all": shift_chart(frames["by_area"], **FACTS, threshold=THRESHOLD),
        "reach-lad": reach_chart(frames["reach"], pack_info=PACK.info, area_level="lad", threshold=THRESHOLD),
        "reach-religion": reach_chart(frames["reach"], pack_info=PACK.info, area_level="religion",
                                      threshold=THRESHOLD),
        "map-ratio": map_chart(frames["reach"], **MAP_ARGS, measure="ratio"),
        "map-shift": map_chart(frames["by_area"], **MAP_ARGS, measure="shift", scale=SCALE,
                               statement_id="health_met"),
        "cohort": cohort_chart(frames["cohort"], **FACTS, threshold=THRESHOLD),
    }


FRAMES = {"overall": overall_frame(), "by_area": by_area_frame(), "reach": reach_frame(), "cohort": cohort_frame()}
# The names parametrize tests at collection; the charts are built when a test first asks (charts()), so that
# collecting the module (on every test worker) builds none.


@functools.cache
def charts() -> dict[str, Any]:
    """Every chart built once from FRAMES: one of each kind in CHART_NAMES."""
    built = all_charts(FRAMES)
    assert sorted(built) == CHART_NAMES
    return built


@functools.cache
def leaky_charts() -> dict[str, object]:
    """Every chart built once from frames whose suppressed rows still carry CANARY figures."""
    return all_charts({key: with_canaries(frame) for key, frame in FRAMES.items()})


def test_likert_shares_are_each_answers_share_of_valid_answers():
    row = FRAMES["overall"].filter((pl.col("wave_id") == "2026-autumn") &
                                   (pl.col("statement_id") == "health_met")).row(0, named=True)
    shown = {r["answer"]: r for r in rows_of(charts()["likert"])
             if r.get("wave_id") == "2026-autumn" and r.get("statement_id") == "health_met" and r.get("answer")}
    assert shown["Strongly agree"]["share"] == pytest.approx(row["strongly_agree"] / row["n_valid"])
    assert shown["Tend to disagree"]["share"] == pytest.approx(row["tend_to_disagree"] / row["n_valid"])
    assert shown["Neither agree nor disagree"]["start"] == pytest.approx(-shown["Neither agree nor disagree"]["end"])
    assert shown["Tend to agree"]["start"] == pytest.approx(shown["Neither agree nor disagree"]["end"])
    assert shown["Strongly disagree"]["end"] == pytest.approx(shown["Tend to disagree"]["start"])


def test_likert_shows_dont_know_counts_apart_and_one_bar_per_statement_and_wave():
    rows = rows_of(charts()["likert"])
    counts = {(r["wave"], r["statement"]): r["label"] for r in rows if "label" in r}
    assert len(counts) == len(WAVES) * 8
    assert counts[("Autumn 2026", "Local Offer website useful")] == "4"
    bars = {(r["wave_id"], r["statement_id"]) for r in rows if r.get("answer")}
    assert len(bars) == len(WAVES) * 8 - 1  # spring 2027 social care is suppressed


def test_suppressed_statement_shows_no_figures_in_likert_or_trend():
    for name in ("likert", "trend"):
        hidden = [r for r in rows_of(charts()[name])
                  if r.get("wave_id") == "2027-spring" and r.get("statement_id") == "social_care_met"]
        assert hidden, name
        assert all(numbers_in({k: v for k, v in r.items() if k not in ("wave_rank", "answer_rank", "rank")}) == []
                   for r in hidden), name


@pytest.mark.parametrize("name", CHART_NAMES)
def test_no_suppressed_figure_reaches_any_chart_even_when_upstream_forgot_to_null_it(name):
    spec = leaky_charts()[name].to_dict()
    assert not {CANARY, CANARY / 1000} & set(numbers_in(spec)), name


def test_rows_under_the_threshold_are_hidden_even_when_not_flagged():
    small = FRAMES["by_area"].with_columns(
        pl.when(pl.col("area_code") == "E07000114").then(THRESHOLD - 1).otherwise(pl.col("n_valid"))
        .alias("n_valid"))
    rows = [r for r in rows_of(shift_chart(small, **FACTS, threshold=THRESHOLD)) if r.get("area_name") == "Thanet"]
    assert rows and all(r["share_agree"] is None and r["note"] == "too few responses" for r in rows)


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_states_a_finding_a_description_the_threshold_and_sources(name):
    spec = charts()[name].to_dict()
    title = spec["title"]
    assert len(title["text"]) > 20
    assert f"fewer than {THRESHOLD} responses" in " ".join(title["subtitle"])
    assert "Sources:" in " ".join(title["subtitle"])
    assert description_of(charts()[name]).endswith(title["text"] + ".")
    # maps show a ratio or a change in points, every other chart shares formatted as percentages
    assert name.startswith("map") or '.0%' in json.dumps(spec) or '.1%' in json.dumps(spec)


def test_every_shift_panel_keeps_the_same_area_order():
    points = shift_points(by_area_frame(), scale=SCALE, statement_id=None, threshold=THRESHOLD)
    orders = {tuple(part.sort("area_rank")["area_name"]) for part in points.partition_by("statement_id")}
    assert len(orders) == 1
    [order] = orders
    means = points.group_by("area_name").agg(pl.col("delta_share_agree").mean())
    ranked = means.sort(pl.col("delta_share_agree").is_null(), -pl.col("delta_share_agree").fill_null(0),
                        "area_name")["area_name"].to_list()
    assert list(order) == ranked and order[-1] == LADS[SUPPRESSED_LAD]


def test_shift_sorts_areas_by_change_with_suppressed_areas_last_as_too_few_responses():
    rows = [r for r in rows_of(charts()["shift-one"]) if "rank" in r]
    by_rank = sorted(rows, key=lambda r: r["rank"])
    deltas = [r["delta_share_agree"] for r in by_rank if r["delta_share_agree"] is not None]
    assert deltas == sorted(deltas, reverse=True)
    assert by_rank[-1]["area_name"] == LADS[SUPPRESSED_LAD]
    assert by_rank[-1]["note"] == "too few responses" and by_rank[-1]["share_agree"] is None
    assert {r["area_name"] for r in rows} == set(LADS.values())  # no out_of_area, no unknown


def test_shift_shares_and_intervals_match_the_compare_result():
    source = FRAMES["by_area"].filter((pl.col("statement_id") == "assessment_wait") &
                                      (pl.col("area_code") == "E07000114")).row(0, named=True)
    shown = next(r for r in rows_of(charts()["shift-one"]) if r.get("area_name") == "Thanet")
    for column in ("share_agree", "share_agree_ci_low", "share_agree_ci_high", "baseline_share_agree"):
        assert shown[column] == pytest.approx(source[column])


def test_shift_title_names_the_area_and_the_statement_in_words():
    rows = [compare_row("2027-spring", "lad", code, name, "assessment_wait", [20, 20, 20, 20, 20], (600, 0.4))
            for code, name in LADS.items()]
    rows[10] = compare_row("2027-spring", "lad", "E07000114", "Thanet", "assessment_wait", [2, 8, 20, 30, 40],
                           (600, 0.4))
    chart = shift_chart(pl.DataFrame(rows), **FACTS, threshold=THRESHOLD, statement_id="assessment_wait",
                        baseline_title="2019")
    assert chart.to_dict()["title"]["text"].startswith(
        "Fewer families agree they waited a reasonable time for an assessment in Thanet")


def test_trend_has_every_wave_and_reads_the_baseline_from_later_rows_when_it_has_none():
    later = FRAMES["overall"].filter(pl.col("wave_id") != "baseline-2019")
    rows = [r for r in rows_of(trend_chart(later, **WAVE_ARGS)) if r.get("statement_id") == "health_met"]
    assert [r["wave"] for r in sorted(rows, key=lambda r: r["wave_rank"])] == list(TITLES.values())
    base = next(r for r in rows if r["wave_id"] == "baseline-2019")
    assert base["share_agree"] == pytest.approx(BASE["health_met"][1])


def test_reach_marks_under_reached_areas_and_says_census_is_all_ages():
    rows = [r for r in rows_of(charts()["reach-lad"]) if "status" in r]
    source = FRAMES["reach"].filter(pl.col("area_level") == "lad")
    under = set(source.filter(pl.col("under_reached").fill_null(False))["area_name"])
    assert {r["area_name"] for r in rows if r["status"] == "under-reached"} == under
    ratios = {r["area_name"]: r["representation_ratio"] for r in rows}
    assert ratios["Medway"] == pytest.approx(source.filter(pl.col("area_name") == "Medway")["representation_ratio"][0])
    assert ratios[LADS[SUPPRESSED_LAD]] is None
    subtitle = " ".join(charts()["reach-religion"].to_dict()["title"]["subtitle"])
    assert "Census 2021" in subtitle and "all ages" in subtitle


def test_tile_map_has_the_packs_square_for_each_lad_and_greys_out_suppressed_areas():
    rows = [r for r in rows_of(charts()["map-ratio"]) if "col" in r]
    assert {r["area_code"] for r in rows} == set(LADS)
    layout = dict(zip(PACK.tiles["lad_code"], zip(PACK.tiles["col"], PACK.tiles["row"], strict=True), strict=True))
    assert {r["area_code"]: (r["col"], r["row"]) for r in rows} == layout
    hidden = next(r for r in rows if r["area_code"] == SUPPRESSED_LAD)
    assert hidden["value"] is None and hidden["lines"][-1] == "too few"


@pytest.mark.skipif(not BOUNDARIES.exists(), reason="boundaries live in ../shared, beside the repo")
def test_map_with_boundaries_embeds_the_shapes_and_the_values():
    boundaries = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    spec = map_chart(FRAMES["reach"], **MAP_ARGS, measure="ratio", boundaries=boundaries).to_dict()
    text = json.dumps(spec)
    assert '"geoshape"' in text and "ltla24_code" in text
    assert all(f'"{code}"' in text for code in LADS)


def test_cohort_shares_match_the_cohort_result_and_suppressed_statement_has_none():
    rows = rows_of(charts()["cohort"])
    source = cohort_frame().filter(pl.col("statement_id") == "health_met").row(0, named=True)
    shown = {r["outcome"]: r["share"] for r in rows if r.get("statement_id") == "health_met"}
    assert shown == pytest.approx({"Improved": source["share_improved"], "Same": source["share_same"],
                                   "Worse": source["share_worse"]})
    hidden = [r for r in rows if r.get("statement_id") == "assessment_wait"]
    assert len(hidden) == 1 and hidden[0].get("share") is None and hidden[0]["n_pairs"] is None


def test_likert_answers_run_from_strongly_disagree_to_strongly_agree_in_diverging_colours():
    colour = next(e["encoding"]["color"] for e in encoded_in(charts()["likert"].to_dict())
                  if e["encoding"].get("color", {}).get("field") == "answer")
    assert colour["scale"]["domain"] == ["Strongly disagree", "Tend to disagree", "Neither agree nor disagree",
                                         "Tend to agree", "Strongly agree"]
    assert colour["scale"]["range"] == ["#b35806", "#f1a340", "#d9d9d9", "#998ec3", "#542788"]


def test_reach_against_ehc_plans_says_so_in_its_column_and_footnote():
    ehc = "DfE EHC plans, January 2025, Kent and Medway"
    frame = FRAMES["reach"].filter(pl.col("area_level") == "religion").with_columns(
        area_level=pl.lit("ethnic_group_broad"), expected_source=pl.lit(ehc))
    spec = reach_chart(frame, pack_info=PACK.info, area_level="ethnic_group_broad", threshold=10).to_dict()
    subtitle = " ".join(spec["title"]["subtitle"])
    assert f"expected shares: {ehc}" in subtitle and "Census 2021" not in subtitle
    assert "EHC plans" in str(spec["hconcat"][-1])


def test_the_cohort_chart_says_what_pairing_left_out():
    frame = cohort_frame().with_columns(n_excluded_ambiguous=pl.lit(15, pl.Int64),
                                        n_excluded_other_child=pl.lit(None, pl.Int64))
    spec = cohort_chart(frame, scale=SCALE, pack_info=PACK.info, threshold=10).to_dict()
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "about the same child" in subtitle
    assert ("Not paired: about 15 under a code used for several children that could not be told apart; fewer "
            "than 10 about another child than before.") in subtitle
    none = cohort_frame().with_columns(n_excluded_ambiguous=pl.lit(0, pl.Int64), n_excluded_other_child=pl.lit(0))
    assert "Not paired" not in json.dumps(cohort_chart(none, scale=SCALE, pack_info=PACK.info, threshold=10).to_dict())

"""A second questionnaire and a second area pack: every chart and the report take their facts from them.

tests/fixtures/definitions holds a questionnaire whose compared question is q3 (four statements, a 4-point
scale with no middle answer, "not sure" counted apart); tests/fixtures/areas/testshire is a made-up pack.
The result frames are built by hand here, in the compare, reach and cohort contracts, with one count
column per answer id (no `n_dont_know`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
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
    trend_chart,
)
from analytics.charts.common import AGREE_DARK, AGREE_LIGHT, DISAGREE_DARK, DISAGREE_LIGHT
from analytics.scale import Scale
from surveyapp.domain.services import Services
from surveyapp.domain.submission import Submission, SubmissionInvalid
from surveyapp.render.report import ReportInputs, write_report
from surveyapp.settings import from_env
from tests.chart_frames import CANARY, CHART_NAMES, encoded_in, numbers_in, rows_of, with_canaries
from waves.areas.pack import OUT_OF_AREA, UNKNOWN, load_area_pack
from waves.loader import load_catalogue

FIXTURES = Path(__file__).parents[1] / "fixtures"
DEFINITIONS = FIXTURES / "definitions"
CATALOGUE = load_catalogue(DEFINITIONS)
SCALE = Scale.for_questionnaire(CATALOGUE.questionnaire("services-check", 1))
PACK = load_area_pack("testshire", FIXTURES / "areas")
THRESHOLD = 10

# The fixture's facts, written out by hand as the oracle the charts are checked against.
STATEMENTS = {"gp_access": "GP appointments", "school_transport": "School transport",
              "short_breaks": "Short breaks", "speech_therapy": "Speech therapy"}
ANSWERS = ("very_good", "good", "poor", "very_poor")  # scored, questionnaire order
LEFT_TO_RIGHT = ["Very poor", "Poor", "Good", "Very good"]
WAVES = ("baseline-2025", "2026-winter", "2036-spring")
TITLES = {"baseline-2025": "2025", "2026-winter": "Winter 2026", "2036-spring": "Spring 2036"}
LADS = dict(zip(PACK.lads["lad_code"], PACK.lads["lad_name"], strict=True))
HIDDEN_LAD = "T00000003"  # Westbrook: too few responses everywhere
# Every id, label and wording of the shipped questionnaire's q7, and the shipped pack's place.
SHIPPED = ["q7", "question 7", "strongly_agree", "tend_to_agree", "neither", "tend_to_disagree",
           "strongly_disagree", "dont_know", "Strongly", "Tend to", "Neither agree", "Don't know", "don't know",
           "local_offer_useful", "setting_provision", "setting_skills", "health_met", "social_care_met",
           "assessment_wait", "included_in_planning", "making_progress", "Local Offer", "School provides",
           "Child making progress", "Kent", "Medway", "ONS", "E0600", "E0700"]


def compare_row(wave: str, level: str, code: str, name: str, statement: str, counts: tuple[int, ...],
                not_sure: int, base: tuple[int, float] = (300, 0.45)) -> dict[str, Any]:
    """One compare row in the q3 scale's columns (Wald intervals: good enough for charts)."""
    n = sum(counts)
    agree, disagree = (counts[0] + counts[1]) / n, (counts[2] + counts[3]) / n
    se = math.sqrt(agree * (1 - agree) / n)
    base_n, base_share = base
    delta = agree - base_share
    dse = math.sqrt(se**2 + base_share * (1 - base_share) / base_n)
    clear = abs(delta) > 2 * dse
    return {
        "wave_id": wave, "baseline_id": "baseline-2025", "area_level": level, "area_code": code,
        "area_name": name, "statement_id": statement, "n_valid": n, **dict(zip(ANSWERS, counts, strict=True)),
        "not_sure": not_sure, "share_agree": agree, "share_disagree": disagree, "net_agree": agree - disagree,
        "mean_score": sum(c * s for c, s in zip(counts, (4, 3, 2, 1), strict=True)) / n,
        "share_agree_ci_low": max(agree - 1.96 * se, 0.0), "share_agree_ci_high": min(agree + 1.96 * se, 1.0),
        "baseline_n_valid": base_n, "baseline_share_agree": base_share, "delta_share_agree": delta,
        "delta_ci_low": delta - 1.96 * dse, "delta_ci_high": delta + 1.96 * dse,
        "p_value": 0.01 if clear else 0.4, "q_value": 0.02 if clear else 0.5, "suppressed": False,
    }


def suppress(row: dict[str, Any]) -> dict[str, Any]:
    """The row as compare emits it when too few answered: every figure null."""
    figures = [k for k, v in row.items() if isinstance(v, int | float) and not isinstance(v, bool)]
    return {**row, **dict.fromkeys(figures), "suppressed": True}


def overall_frame() -> pl.DataFrame:
    """Rows at area_level 'all' for the three waves; short breaks in spring 2036 suppressed."""
    rows = []
    for w, wave in enumerate(WAVES):
        for i, statement in enumerate(STATEMENTS):
            counts = (20 + 9 * i + 15 * w, 40 + 5 * w, 50 - 6 * i, 30 + 4 * i)
            row = compare_row(wave, "all", "all", "Testshire", statement, counts, not_sure=3 + i + w)
            rows.append(suppress(row) if (wave, statement) == ("2036-spring", "short_breaks") else row)
    return pl.DataFrame(rows)


def by_area_frame() -> pl.DataFrame:
    """Rows per LAD for spring 2036 (Westbrook suppressed), plus out_of_area and unknown rows."""
    rows = []
    for k, (code, name) in enumerate(LADS.items()):
        for i, statement in enumerate(STATEMENTS):
            row = compare_row("2036-spring", "lad", code, name, statement, (8 + 6 * k, 12 + i, 9, 6 + k), 2)
            rows.append(suppress(row) if code == HIDDEN_LAD else row)
    for code in (OUT_OF_AREA, UNKNOWN):
        rows += [compare_row("2036-spring", "lad", code, code, s, (9, 9, 9, 9), 1) for s in STATEMENTS]
    return pl.DataFrame(rows)


def reach_frame() -> pl.DataFrame:
    """Reach rows for the LADs, broad ethnic group and religion; Westbrook suppressed, Eastmere under-reached."""
    groups = [("lad", code, name) for code, name in LADS.items()]
    groups += [("ethnic_group_broad", "white", "White"), ("ethnic_group_broad", "asian", "Asian"),
               ("religion", "christian", "Christian"), ("religion", "no_religion", "No religion")]
    rows = []
    for k, (level, code, name) in enumerate(groups):
        ratio = 0.5 if name == "Eastmere" else 0.9 + 0.1 * k
        high = ratio * (1.4 if name != "Eastmere" else 1.6)
        row = {"area_level": level, "area_code": code, "area_name": name, "responses": 30 + 10 * k,
               "response_share": 0.25 * ratio, "expected_share": 0.25, "representation_ratio": ratio,
               "ratio_ci_low": ratio * 0.7, "ratio_ci_high": high if name != "Eastmere" else 0.8,
               "under_reached": name == "Eastmere", "suppressed": False, "expected_source": "pack"}
        if code == HIDDEN_LAD:
            row |= dict.fromkeys(("responses", "response_share", "representation_ratio", "ratio_ci_low",
                                  "ratio_ci_high", "under_reached")) | {"suppressed": True}
        rows.append(row)
    return pl.DataFrame(rows)


def cohort_frame() -> pl.DataFrame:
    """Linked-cohort rows; speech therapy suppressed."""
    rows = []
    for i, statement in enumerate(STATEMENTS):
        improved, worse = 0.3 + 0.05 * i, 0.2
        row = {"wave_id": "2036-spring", "previous_wave_id": "2026-winter", "statement_id": statement,
               "n_pairs": 30 + i, "share_improved": improved, "share_same": 1 - improved - worse,
               "share_worse": worse, "mean_change": improved - worse, "p_value": 0.04, "suppressed": False}
        if statement == "speech_therapy":
            row |= dict.fromkeys(("n_pairs", "share_improved", "share_same", "share_worse", "mean_change",
                                  "p_value")) | {"suppressed": True}
        rows.append(row)
    return pl.DataFrame(rows)


FRAMES = {"overall": overall_frame(), "by_area": by_area_frame(), "reach": reach_frame(), "cohort": cohort_frame()}


def all_charts(frames: dict[str, pl.DataFrame]) -> dict[str, Any]:
    """Every kind of chart, with the fixture's scale and pack."""
    facts: dict[str, Any] = {"scale": SCALE, "pack_info": PACK.info}
    waves: dict[str, Any] = {**facts, "wave_order": WAVES, "wave_titles": TITLES, "threshold": THRESHOLD}
    maps: dict[str, Any] = {"tiles": PACK.tiles, "pack_info": PACK.info, "threshold": THRESHOLD}
    return {
        "likert": likert_chart(frames["overall"], **waves),
        "trend": trend_chart(frames["overall"], **waves),
        "shift-one": shift_chart(frames["by_area"], **facts, threshold=THRESHOLD, statement_id="gp_access",
                                 baseline_title="2025"),
        "shift-all": shift_chart(frames["by_area"], **facts, threshold=THRESHOLD, baseline_title="2025"),
        "reach-lad": reach_chart(frames["reach"], pack_info=PACK.info, area_level="lad", threshold=THRESHOLD),
        "reach-religion": reach_chart(frames["reach"], pack_info=PACK.info, area_level="religion",
                                      threshold=THRESHOLD),
        "map-ratio": map_chart(frames["reach"], **maps, measure="ratio"),
        "map-shift": map_chart(frames["by_area"], **maps, measure="shift", scale=SCALE),
        "cohort": cohort_chart(frames["cohort"], **facts, threshold=THRESHOLD, waves="Winter 2026 and Spring 2036"),
    }


# The names parametrize tests at collection; the charts are built when a test first asks (charts()), so that
# collecting the module (on every test worker) builds none.


@functools.cache
def charts() -> dict[str, Any]:
    """Every chart built once from FRAMES: one of each kind in CHART_NAMES."""
    built = all_charts(FRAMES)
    assert sorted(built) == CHART_NAMES
    return built


def test_the_scale_is_read_from_the_second_questionnaire() -> None:
    assert SCALE.question_id == "q3" and SCALE.question_name == "question 3"
    assert dict(SCALE.scores) == {"very_good": 4, "good": 3, "poor": 2, "very_poor": 1}
    assert (SCALE.agree, SCALE.disagree, SCALE.unscored) == (("very_good", "good"), ("poor", "very_poor"),
                                                             ("not_sure",))
    assert [SCALE.label(s) for s in SCALE.statements] == list(STATEMENTS.values())


def test_the_fixture_directory_starts_a_service_whose_open_wave_takes_q3_answers(tmp_path: Path) -> None:
    settings = from_env({}, data_dir=tmp_path / "data", definitions_dir=DEFINITIONS)
    services = Services(settings, clock=lambda: dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
    try:
        wave = services.open_wave("2026-winter")
        kinds = {w.wave_id: w.kind for w in services.waves.all()}
        assert kinds["baseline-2025"] == "aggregate"
        now = services.clock()
        prepared = services.preparer.prepare(wave.wave_id, wave.questionnaire, Submission(
            answers={"q3": {"gp_access": "very_poor", "short_breaks": "not_sure"}}, postcode="ME14"), now)
        assert prepared.return_code
        with pytest.raises(SubmissionInvalid, match="q3"):  # a q7 answer id is not an answer to q3
            services.preparer.prepare(wave.wave_id, wave.questionnaire, Submission(
                answers={"q3": {"gp_access": "strongly_agree"}}), now)
    finally:
        services.close()


def test_likert_bars_are_the_questionnaires_answers_coloured_from_their_leanings() -> None:
    spec = charts()["likert"].to_dict()
    colour = next(c["encoding"]["color"] for c in encoded_in(spec) if "color" in c.get("encoding", {}))
    assert colour["scale"]["domain"] == LEFT_TO_RIGHT
    assert colour["scale"]["range"] == [DISAGREE_DARK, DISAGREE_LIGHT, AGREE_LIGHT, AGREE_DARK]
    source = FRAMES["overall"].filter((pl.col("wave_id") == "2026-winter") &
                                      (pl.col("statement_id") == "short_breaks")).row(0, named=True)
    shown = {r["answer"]: r for r in rows_of(charts()["likert"])
             if r.get("wave_id") == "2026-winter" and r.get("statement_id") == "short_breaks" and r.get("answer")}
    assert sorted(shown) == sorted(LEFT_TO_RIGHT)
    for label, answer in zip(LEFT_TO_RIGHT, ("very_poor", "poor", "good", "very_good"), strict=True):
        assert shown[label]["share"] == pytest.approx(source[answer] / source["n_valid"])
    # no middle answer: agreeing starts at the centre line, disagreeing ends there
    assert shown["Good"]["start"] == 0 and shown["Poor"]["end"] == 0
    assert shown["Very good"]["start"] == pytest.approx(shown["Good"]["end"])
    assert shown["Very poor"]["end"] == pytest.approx(shown["Poor"]["start"])


def test_not_sure_is_counted_apart_under_its_own_name() -> None:
    spec = charts()["likert"].to_dict()
    assert "'not sure' is counted apart" in " ".join(spec["title"]["subtitle"])
    titles = [c["encoding"]["x"].get("title") for c in encoded_in(spec) if "x" in c.get("encoding", {})]
    assert "Not sure (number)" in titles
    counts = {(r["wave"], r["statement"]): r["label"] for r in rows_of(charts()["likert"]) if "label" in r}
    source = FRAMES["overall"].filter((pl.col("wave_id") == "2026-winter") & (pl.col("statement_id") == "gp_access"))
    assert counts[("Winter 2026", "GP appointments")] == str(source["not_sure"][0])
    assert counts[("Spring 2036", "Short breaks")] == "–"  # suppressed


@pytest.mark.parametrize("name", CHART_NAMES)
def test_statements_are_labelled_and_phrased_from_the_questionnaire(name: str) -> None:
    labels = {r["statement"] for r in rows_of(charts()[name]) if r.get("statement")}
    if name.startswith(("reach", "map")):
        assert not labels
    else:
        assert labels and labels <= set(STATEMENTS.values())
    title = charts()[name].to_dict()["title"]["text"]
    if name in ("likert", "trend", "shift-one", "shift-all", "map-shift", "cohort"):
        phrases = [SCALE.phrase(s) for s in STATEMENTS]
        assert any(p in title for p in phrases) or title.startswith("No "), title


@pytest.mark.parametrize("name", CHART_NAMES)
def test_no_fact_of_the_shipped_questionnaire_or_pack_reaches_a_chart(name: str) -> None:
    text = json.dumps(charts()[name].to_dict())
    assert [word for word in SHIPPED if re.search(rf"\b{re.escape(word)}\b", text)] == []
    assert "Testshire SEND survey waves" in " ".join(charts()[name].to_dict()["title"]["subtitle"])


@functools.cache
def leaky_charts() -> dict[str, Any]:
    """Every chart built once from frames whose suppressed rows still carry CANARY figures."""
    return all_charts({key: with_canaries(frame) for key, frame in FRAMES.items()})


@pytest.mark.parametrize("name", CHART_NAMES)
def test_no_suppressed_figure_reaches_a_chart_with_the_second_questionnaire(name: str) -> None:
    assert not {CANARY, CANARY / 1000} & set(numbers_in(leaky_charts()[name].to_dict()))


def test_trend_says_which_answers_count_as_agreeing() -> None:
    subtitle = " ".join(charts()["trend"].to_dict()["title"]["subtitle"])
    assert "share of families agreeing (very good or good)" in subtitle


def test_tile_map_is_the_packs_layout_and_names_its_place_and_sources() -> None:
    tiles = {r["area_code"]: (r["col"], r["row"]) for r in rows_of(charts()["map-ratio"]) if "col" in r}
    assert tiles == {"T00000001": (1, 0), "T00000003": (0, 1), "T00000002": (2, 1), "T00000004": (1, 2)}
    assert "Testshire's local authority districts" in description_of(charts()["map-ratio"])
    assert PACK.info.children_source in " ".join(charts()["map-ratio"].to_dict()["title"]["subtitle"])
    assert PACK.info.census_source in " ".join(charts()["reach-religion"].to_dict()["title"]["subtitle"])


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inputs = ReportInputs(
        wave_id="2036-spring", baseline_id="baseline-2025", wave_order=WAVES, wave_titles=TITLES,
        overall=with_canaries(FRAMES["overall"]), by_area=with_canaries(FRAMES["by_area"]),
        reach=with_canaries(FRAMES["reach"]), cohort=with_canaries(FRAMES["cohort"]),
        scale=SCALE, tiles=PACK.tiles, attribution=PACK.attribution, pack_info=PACK.info)
    return write_report(inputs, tmp_path_factory.mktemp("report"), threshold=THRESHOLD)


def test_report_figures_name_the_questionnaires_answers_and_statements(report: Path) -> None:
    figures = pl.read_csv(report.parent / "figures.csv")
    likert = figures.filter(pl.col("chart") == "likert")
    assert set(likert["measure"]) == {*LEFT_TO_RIGHT, "Answered", "Not sure"}
    assert set(figures["statement"].drop_nulls()) == set(STATEMENTS)
    hidden = figures.filter(pl.col("area_or_group") == LADS[HIDDEN_LAD])
    assert hidden.height and hidden.filter(pl.col("measure") != "Expected share")["value"].is_null().all()


def test_report_page_speaks_of_the_questionnaire_and_the_pack_only(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "families in Testshire" in html and "Source: the surveyapp test suite" in html
    assert all(label in html for label in STATEMENTS.values())
    assert '"not sure", which is counted apart' in html
    assert re.search(r'<th scope="row">Westbrook</th>\s*<td class="num">too few responses</td>', html)
    page = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)  # words outside the charts, checked above per chart
    assert [word for word in SHIPPED if re.search(rf"\b{re.escape(word)}\b", page)] == []
    assert not re.search(rf"(?<![\d.])(?:{CANARY}|0\.{CANARY})(?![\d])", html)


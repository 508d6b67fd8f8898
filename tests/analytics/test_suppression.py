"""Disclosure control: small rows are hidden, and no hidden figure can be worked out by subtraction."""

from collections import Counter, defaultdict

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.compare import compare_responses
from analytics.reach import reach
from analytics.suppression import mark_suppressed
from waves.loader import load_catalogue

BASELINE = load_catalogue().aggregate_counts
# district -> (LAD, area status); None is "no postcode given"
DISTRICTS = {"ME1": ("E1", "in_area"), "ME2": ("E1", "in_area"), "ME3": ("E1", "in_area"),
             "CT1": ("E2", "in_area"), "CT2": ("E2", "in_area"), "TN1": ("E3", "in_area"),
             "BR1": (None, "out_of_area"), "SE1": (None, "out_of_area"), None: (None, "unknown")}
LADS = pl.DataFrame({"lad_code": ["E1", "E2", "E3", "E4"], "lad_name": ["A", "B", "C", "D"],
                     "children_0_17": [40, 30, 20, 10]})
NEEDS = ["asd", "semh", "spld", "prefer_not_to_say", None]
ANSWERS = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree", "dont_know",
           None]
STATEMENTS = ["health_met", "making_progress"]
COUNTS = ["n_valid", "n_dont_know", "strongly_agree", "tend_to_agree", "neither", "tend_to_disagree",
          "strongly_disagree"]


def _frame(size: str, areas: list[str], groups: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"area": areas, "group": groups, size: [len(a) for a in areas]})


def test_one_small_row_takes_the_next_smallest_with_it():
    frame = pl.DataFrame({"area": ["a", "b", "c", "d"], "n": [3, 25, 12, 40]})
    marked = mark_suppressed(frame, size="n", threshold=10, within=[], tie_break=["area"])
    assert marked["suppressed"].to_list() == [True, False, True, False]


def test_two_small_rows_need_no_complement():
    frame = pl.DataFrame({"area": ["a", "b", "c"], "n": [3, 4, 40]})
    marked = mark_suppressed(frame, size="n", threshold=10, within=[])
    assert marked["suppressed"].to_list() == [True, True, False]


def test_an_empty_row_does_not_protect_a_small_one():
    frame = pl.DataFrame({"area": ["a", "b", "c", "d"], "n": [0, 3, 40, 15]})
    marked = mark_suppressed(frame, size="n", threshold=10, within=[])
    assert marked["suppressed"].to_list() == [True, True, False, True]


def test_complements_are_chosen_within_each_group():
    frame = pl.DataFrame({"g": ["x", "x", "x", "y", "y"], "n": [5, 20, 30, 50, 60]})
    marked = mark_suppressed(frame, size="n", threshold=10, within=["g"])
    assert marked["suppressed"].to_list() == [True, True, False, False, False]


response = st.tuples(st.sampled_from(list(DISTRICTS)), st.sampled_from(NEEDS),
                     st.lists(st.sampled_from(ANSWERS), min_size=2, max_size=2))
survey = st.lists(response, min_size=0, max_size=90)
thresholds = st.integers(min_value=1, max_value=12)


def _frames(data: list) -> tuple[pl.DataFrame, pl.DataFrame]:
    responses = pl.DataFrame(
        [(f"r{i}", "w1", d, *DISTRICTS[d], need) for i, (d, need, _) in enumerate(data)], orient="row",
        schema={"response_id": pl.String, "wave_id": pl.String, "postcode_district": pl.String,
                "lad_code": pl.String, "area_status": pl.String, "child_main_need": pl.String})
    likert = pl.DataFrame(
        [(f"r{i}", "w1", s, a) for i, (_, _, answers) in enumerate(data)
         for s, a in zip(STATEMENTS, answers, strict=True) if a is not None], orient="row",
        schema={"response_id": pl.String, "wave_id": pl.String, "statement_id": pl.String,
                "answer_id": pl.String})
    return responses, likert


def _lad_level(district: str | None) -> str:
    lad, status = DISTRICTS[district]
    return lad or ("out_of_area" if status == "out_of_area" else "unknown")


def _truth(data: list, child, parent) -> dict:
    """Independent counts: {(statement, parent): {child: Counter of count columns}}."""
    tally: dict = defaultdict(lambda: defaultdict(Counter))
    for district, need, answers in data:
        for statement, answer in zip(STATEMENTS, answers, strict=True):
            if answer is None:
                continue
            cell = tally[(statement, parent(district, need))][child(district, need)]
            cell["n_dont_know" if answer == "dont_know" else "n_valid"] += 1
            if answer != "dont_know":
                cell[answer] += 1
    return tally


def _assert_nothing_recoverable(out: pl.DataFrame, truth: dict, parent_of, threshold: int) -> None:
    """For every group summing to a published parent: the parent minus the published rows must not pin
    down any suppressed row, i.e. no such group has exactly one suppressed row hiding a non-zero figure.

    A parent counts as published when its own n_valid reaches the threshold (stricter than the tables:
    a parent hidden only as a complement is treated as known)."""
    rows = defaultdict(list)
    for row in out.iter_rows(named=True):
        rows[(row["statement_id"], parent_of(row["area_code"]))].append(row)
    for (statement, parent), children in rows.items():
        hidden = [r for r in children if r["suppressed"]]
        for r in hidden:
            assert all(r[c] is None for c in COUNTS)
        for r in children:
            if not r["suppressed"]:
                assert r["n_valid"] == truth[(statement, parent)][r["area_code"]]["n_valid"]
        parent_total = sum((truth[(statement, parent)][r["area_code"]] for r in children), Counter())
        shown = [Counter({c: r[c] for c in COUNTS}) for r in children if not r["suppressed"]]
        published = sum(shown, Counter())
        left_over = parent_total - published
        if len(hidden) == 1 and parent_total["n_valid"] >= threshold:
            assert sum(left_over.values()) == 0, f"{hidden[0]['area_code']} = parent - published"


def _compare(data: list, by: str, threshold: int, **options) -> pl.DataFrame:
    responses, likert = _frames(data)
    return compare_responses(likert, responses, wave_id="w1", baseline_id="baseline-2019", by=by,
                             baseline_counts=BASELINE, threshold=threshold, **options)


fast = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@fast
@given(survey, thresholds)
def test_no_suppressed_district_can_be_recovered_from_its_lad(data, threshold):
    out = _compare(data, "district", threshold)
    truth = _truth(data, lambda d, _: d or "unknown", lambda d, _: _lad_level(d))
    district_parent = {d or "unknown": _lad_level(d) for d in DISTRICTS}
    _assert_nothing_recoverable(out, truth, district_parent.__getitem__, threshold)


@pytest.mark.slow
@fast
@given(survey, thresholds, st.booleans())
def test_no_suppressed_lad_can_be_recovered_from_the_all_row(data, threshold, every_lad):
    out = _compare(data, "lad", threshold, lads=LADS, every_lad=every_lad)
    truth = _truth(data, lambda d, _: _lad_level(d), lambda d, _: "all")
    _assert_nothing_recoverable(out, truth, lambda _: "all", threshold)


@pytest.mark.slow
@fast
@given(survey, thresholds)
def test_no_suppressed_category_can_be_recovered_from_the_all_row(data, threshold):
    out = _compare(data, "child_main_need", threshold)
    truth = _truth(data, lambda _, need: need or "not_answered", lambda d, _: "all")
    _assert_nothing_recoverable(out, truth, lambda _: "all", threshold)


@pytest.mark.slow
@fast
@given(survey, thresholds, st.sampled_from(["lad", "child_main_need"]))
def test_no_suppressed_reach_row_can_be_recovered_from_the_total(data, threshold, by):
    responses, _ = _frames(data)
    out = reach(responses, by=by, threshold=threshold, lads=LADS)
    key = (lambda d, _: _lad_level(d)) if by == "lad" else (lambda _, need: need or "not_answered")
    truth = Counter(key(d, need) for d, need, _ in data)
    hidden = out.filter(pl.col("suppressed"))
    assert hidden["responses"].null_count() == hidden.height
    left_over = sum(truth.values()) - out["responses"].fill_null(0).sum()
    if hidden.height == 1 and len(data) >= threshold:  # the total is published
        assert left_over == 0
    for code, n in out.filter(~pl.col("suppressed")).select("area_code", "responses").rows():
        assert truth[code] == n

"""Question 7 by area or group against a baseline: counts, shares, intervals, tests and weighting."""

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from analytics.compare import compare_responses, compare_waves, count_answers
from waves.loader import load_catalogue

BASELINE = load_catalogue().aggregate_counts
LADS = pl.DataFrame({"lad_code": ["E1", "E2"], "lad_name": ["Alpha", "Beta"], "children_0_17": [300, 100]})
COLUMNS = [
    "wave_id", "baseline_id", "area_level", "area_code", "area_name", "statement_id", "n_valid",
    "n_dont_know",
    "strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree", "share_agree",
    "share_disagree", "net_agree", "mean_score", "share_agree_ci_low", "share_agree_ci_high",
    "effective_base", "design_effect",
    "baseline_area_code", "baseline_n_valid", "baseline_share_agree", "delta_share_agree", "delta_ci_low",
    "delta_ci_high", "p_value", "q_value", "suppressed",
]


def _responses(rows: list[tuple], wave: str = "w1") -> pl.DataFrame:
    """rows: (response_id, postcode_district, lad_code, area_status, child_main_need)."""
    return pl.DataFrame(
        [(r[0], wave, *r[1:]) for r in rows], orient="row",
        schema={"response_id": pl.String, "wave_id": pl.String, "postcode_district": pl.String,
                "lad_code": pl.String, "area_status": pl.String, "child_main_need": pl.String})


def _likert(rows: list[tuple], wave: str = "w1") -> pl.DataFrame:
    """rows: (response_id, statement_id, answer_id)."""
    return pl.DataFrame([(r[0], wave, r[1], r[2]) for r in rows], orient="row",
                        schema=["response_id", "wave_id", "statement_id", "answer_id"])


def _many(prefix: str, district: str | None, lad: str | None, status: str, answers: list[str],
          need: str | None = None) -> tuple[list[tuple], list[tuple]]:
    ids = [f"{prefix}{i:03d}" for i in range(len(answers))]
    return ([(i, district, lad, status, need) for i in ids],
            [(i, "making_progress", a) for i, a in zip(ids, answers, strict=True)])


def _baseline_against_itself(by: str = "all") -> pl.DataFrame:
    return compare_waves(BASELINE, BASELINE, wave_id="baseline-2019", baseline_id="baseline-2019", by=by)


def test_output_has_exactly_the_documented_columns_in_order():
    assert _baseline_against_itself().columns == COLUMNS


def test_baseline_local_offer_figures_are_the_published_counts_worked_by_hand():
    row = _baseline_against_itself().filter(pl.col("statement_id") == "local_offer_useful").row(0, named=True)
    # 22 strongly agree, 102 tend to agree, 181 neither, 124 tend to disagree, 121 strongly disagree, 97 dk
    valid = 22 + 102 + 181 + 124 + 121
    assert (row["n_valid"], row["n_dont_know"]) == (550, 97)
    assert row["share_agree"] == pytest.approx(124 / 550)
    assert row["share_disagree"] == pytest.approx(245 / 550)
    assert row["net_agree"] == pytest.approx((124 - 245) / 550)
    assert row["mean_score"] == pytest.approx((22 * 5 + 102 * 4 + 181 * 3 + 124 * 2 + 121 * 1) / valid)
    assert row["mean_score"] == pytest.approx(2.6)
    low, high = proportion_confint(124, 550, method="wilson")
    assert row["share_agree_ci_low"] == pytest.approx(low)
    assert row["share_agree_ci_high"] == pytest.approx(high)
    assert (row["baseline_area_code"], row["baseline_n_valid"], row["delta_share_agree"]) == ("all", 550, 0.0)
    assert row["p_value"] == pytest.approx(1.0)


def test_baseline_assessment_wait_figures_worked_by_hand():
    row = _baseline_against_itself().filter(pl.col("statement_id") == "assessment_wait").row(0, named=True)
    assert (row["n_valid"], row["n_dont_know"]) == (27 + 54 + 76 + 78 + 349, 48)
    assert row["share_agree"] == pytest.approx(81 / 584)
    assert row["share_disagree"] == pytest.approx(427 / 584)


def test_unanswered_statement_is_not_counted_as_dont_know():
    responses = _responses([("a", None, None, "unknown", None), ("b", None, None, "unknown", None)])
    likert = _likert([("a", "health_met", "dont_know"), ("a", "making_progress", "neither"),
                      ("b", "making_progress", "neither")])
    counts = count_answers(likert, responses, by="all")
    out = compare_waves(counts, BASELINE, wave_id="w1", baseline_id="baseline-2019", by="all", threshold=0)
    health = out.filter(pl.col("statement_id") == "health_met").row(0, named=True)
    assert (health["n_valid"], health["n_dont_know"], health["share_agree"]) == (0, 1, None)
    progress = out.filter(pl.col("statement_id") == "making_progress").row(0, named=True)
    assert (progress["n_valid"], progress["n_dont_know"]) == (2, 0)


def test_dont_know_is_counted_but_never_averaged():
    answers = ["strongly_agree", "strongly_disagree", "dont_know"]
    responses, likert = _many("r", None, None, "unknown", answers)
    out = compare_responses(_likert(likert), _responses(responses), wave_id="w1", baseline_id="baseline-2019",
                            by="all", baseline_counts=BASELINE, threshold=0)
    row = out.row(0, named=True)
    assert (row["n_valid"], row["n_dont_know"], row["mean_score"], row["share_agree"]) == (2, 1, 3.0, 0.5)


def test_change_from_baseline_matches_statsmodels_newcombe_and_z_test():
    answers = ["strongly_agree"] * 14 + ["tend_to_agree"] * 16 + ["neither"] * 20 + ["strongly_disagree"] * 30
    responses, likert = _many("r", None, None, "unknown", answers)
    out = compare_responses(_likert(likert), _responses(responses), wave_id="w1", baseline_id="baseline-2019",
                            by="all", baseline_counts=BASELINE)
    row = out.row(0, named=True)
    # baseline making_progress: 109 + 142 agree of 109 + 142 + 95 + 96 + 184 = 626 valid
    assert (row["baseline_n_valid"], row["baseline_share_agree"]) == (626, pytest.approx(251 / 626))
    assert row["delta_share_agree"] == pytest.approx(30 / 80 - 251 / 626)
    low, high = confint_proportions_2indep(30, 80, 251, 626, method="newcomb", compare="diff")
    assert (row["delta_ci_low"], row["delta_ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert row["p_value"] == pytest.approx(proportions_ztest([30, 251], [80, 626])[1])


def test_lad_rows_include_out_of_area_and_unknown_with_lad_names():
    r1, l1 = _many("a", "ME1", "E1", "in_area", ["neither"] * 12)
    r2, l2 = _many("b", "BR1", None, "out_of_area", ["neither"] * 11)
    r3, l3 = _many("c", None, None, "unknown", ["neither"] * 10)
    out = compare_responses(_likert(l1 + l2 + l3), _responses(r1 + r2 + r3), wave_id="w1",
                            baseline_id="baseline-2019", by="lad", baseline_counts=BASELINE, lads=LADS)
    assert out.select("area_code", "area_name", "n_valid", "baseline_area_code").rows() == [
        ("E1", "Alpha", 12, "all"), ("out_of_area", "Out of area", 11, "all"),
        ("unknown", "Unknown", 10, "all")]


def test_every_lad_adds_suppressed_rows_for_lads_without_responses():
    responses, likert = _many("a", "ME1", "E1", "in_area", ["neither"] * 12)
    out = compare_responses(_likert(likert), _responses(responses), wave_id="w1", baseline_id="baseline-2019",
                            by="lad", baseline_counts=BASELINE, lads=LADS, every_lad=True)
    assert out.select("area_code", "suppressed").rows() == [
        ("E1", False), ("E2", True), ("out_of_area", True), ("unknown", True)]


def test_question_groups_use_option_ids_and_a_not_answered_row():
    r1, l1 = _many("a", None, None, "unknown", ["neither"] * 3, need="asd")
    r2, l2 = _many("b", None, None, "unknown", ["neither"] * 2)
    out = compare_responses(_likert(l1 + l2), _responses(r1 + r2), wave_id="w1", baseline_id="baseline-2019",
                            by="child_main_need", baseline_counts=BASELINE, threshold=0,
                            labels={"asd": "Autistic spectrum disorder"})
    assert out.select("area_level", "area_code", "area_name", "n_valid").rows() == [
        ("child_main_need", "asd", "Autistic spectrum disorder", 3),
        ("child_main_need", "not_answered", "Not answered", 2)]


def test_baseline_uses_its_own_area_row_when_published_else_its_all_row():
    r1, l1 = _many("a", "ME1", "E1", "in_area", ["strongly_agree"] * 12)
    r2, l2 = _many("b", "CT1", "E2", "in_area", ["strongly_agree"] * 12)
    b1, m1 = _many("x", "ME1", "E1", "in_area", ["neither"] * 20)
    b2, m2 = _many("y", "CT1", "E2", "in_area", ["strongly_agree"] * 3)
    b3, m3 = _many("z", "TN1", "E3", "in_area", ["strongly_agree"] * 15)
    responses = pl.concat([_responses(r1 + r2), _responses(b1 + b2 + b3, wave="w0")])
    likert = pl.concat([_likert(l1 + l2), _likert(m1 + m2 + m3, wave="w0")])
    out = compare_responses(likert, responses, wave_id="w1", baseline_id="w0", by="lad")
    # E2 has only 3 baseline answers, so its baseline row is suppressed (and E3's, its complement):
    # E2 is compared with the baseline's `all` row, 18 agreeing of 38
    chosen = out.select("area_code", "baseline_area_code", "baseline_n_valid", "baseline_share_agree")
    assert chosen.rows() == [
        ("E1", "E1", 20, 0.0), ("E2", "all", 38, pytest.approx(18 / 38))]


def test_suppressed_row_has_every_figure_null():
    r1, l1 = _many("a", "ME1", "E1", "in_area", ["neither"] * 4)
    r2, l2 = _many("b", "CT1", "E2", "in_area", ["neither"] * 30)
    out = compare_responses(_likert(l1 + l2), _responses(r1 + r2), wave_id="w1", baseline_id="baseline-2019",
                            by="lad", baseline_counts=BASELINE)
    figures = [c for c in COLUMNS[6:-1] if c != "baseline_area_code"]
    # Both areas are there (a hidden row is kept, emptied), so the loop below has rows to check.
    assert out.select("area_code", "statement_id").rows() == [("E1", "making_progress"), ("E2", "making_progress")]
    for row in out.iter_rows(named=True):  # E1 is small; E2 is suppressed too, or E1 = all - E2
        assert row["suppressed"] is True
        assert all(row[c] is None for c in figures)


def test_q_values_are_benjamini_hochberg_over_every_row_with_a_p_value():
    rows, answers = [], []
    for lad, district, agree in (("E1", "ME1", 5), ("E2", "CT1", 25)):
        r, likert = _many(lad, district, lad, "in_area", ["tend_to_agree"] * agree + ["neither"] * 20)
        rows += r
        answers += likert + [(i, "health_met", "strongly_agree") for i, *_ in r]
    out = compare_responses(_likert(answers), _responses(rows), wave_id="w1", baseline_id="baseline-2019",
                            by="lad", baseline_counts=BASELINE)
    expected = multipletests(out["p_value"].to_list(), method="fdr_bh")[1]
    assert out["q_value"].to_list() == pytest.approx(list(expected))


def test_weighted_shares_are_raked_to_children_and_leave_out_unknown_areas():
    # E1 has 3/4 of the children but 2 of 8 responses (weight 3); E2 has 6 (weight 1/3)
    r1, l1 = _many("a", "ME1", "E1", "in_area", ["strongly_agree", "strongly_disagree"])
    r2, l2 = _many("b", "CT1", "E2", "in_area", ["tend_to_agree"] * 6)
    r3, l3 = _many("c", None, None, "unknown", ["strongly_disagree"])
    out = compare_responses(_likert(l1 + l2 + l3), _responses(r1 + r2 + r3), wave_id="w1",
                            baseline_id="baseline-2019", by="all", baseline_counts=BASELINE, weighted=True,
                            lads=LADS, threshold=0, collapse_below=0)  # the raking alone, on tiny cells
    row = out.row(0, named=True)
    assert row["n_valid"] == 8  # the unknown response has no LAD to weight to
    assert row["share_agree"] == pytest.approx((3 + 6 / 3) / (3 * 2 + 6 / 3))
    assert row["mean_score"] == pytest.approx((3 * 5 + 3 * 1 + 2 * 4) / 8)
    n_eff = 8**2 / (9 + 9 + 6 / 9)
    low, high = proportion_confint(5 / 8 * n_eff, n_eff, method="wilson")
    assert row["share_agree_ci_low"] == pytest.approx(low)
    assert row["share_agree_ci_high"] == pytest.approx(high)


def test_unweighted_is_the_default():
    r1, l1 = _many("a", "ME1", "E1", "in_area", ["strongly_agree", "strongly_disagree"])
    r2, l2 = _many("b", "CT1", "E2", "in_area", ["tend_to_agree"] * 6)
    out = compare_responses(_likert(l1 + l2), _responses(r1 + r2), wave_id="w1", baseline_id="baseline-2019",
                            by="all", baseline_counts=BASELINE, lads=LADS, threshold=0)
    assert out["share_agree"][0] == pytest.approx(7 / 8)


def test_counts_frame_has_the_aggregate_counts_shape_plus_parent_code():
    responses = _responses([("a", "ME1", "E1", "in_area", None), ("b", "ME2", "E1", "in_area", None)])
    likert = _likert([("a", "health_met", "neither"), ("b", "health_met", "neither")])
    counts = count_answers(likert, responses, by="district").sort("area_code")
    expected = pl.DataFrame({
        "wave_id": ["w1", "w1"], "question_id": ["q7", "q7"], "statement_id": ["health_met"] * 2,
        "answer_id": ["neither"] * 2, "area_level": ["district"] * 2, "area_code": ["ME1", "ME2"],
        "parent_code": ["E1", "E1"], "n": [1, 1]})
    assert_frame_equal(counts, expected)

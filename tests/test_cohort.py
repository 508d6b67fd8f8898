"""Same-cohort change between two waves, linked by return code."""

import polars as pl
import pytest
from scipy.stats import wilcoxon

from analytics.cohort import COLUMNS, cohort_change

SCORE = {"strongly_agree": 5, "tend_to_agree": 4, "neither": 3, "tend_to_disagree": 2, "strongly_disagree": 1}
ANSWER = {v: k for k, v in SCORE.items()}


def _wave(wave: str, rows: list[tuple[str, str | None, str, str]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """rows: (response_id, cohort_key, statement_id, answer_id) -> (likert, responses)."""
    likert = pl.DataFrame([(r, wave, s, a) for r, _, s, a in rows], orient="row",
                          schema=["response_id", "wave_id", "statement_id", "answer_id"])
    responses = pl.DataFrame([(r, wave, k) for r, k, _, _ in rows], orient="row",
                             schema={"response_id": pl.String, "wave_id": pl.String, "cohort_key": pl.String})
    return likert, responses.unique("response_id", keep="first", maintain_order=True)


def _pairs(earlier: list[int], later: list[int], statement: str = "health_met"):
    before = _wave("w1", [(f"e{i}", f"k{i}", statement, ANSWER[s]) for i, s in enumerate(earlier)])
    after = _wave("w2", [(f"l{i}", f"k{i}", statement, ANSWER[s]) for i, s in enumerate(later)])
    return (*after, *before)


EARLIER = [1, 2, 2, 3, 3, 3, 4, 1, 2, 5, 3, 2]
LATER = [3, 2, 4, 4, 5, 2, 4, 2, 5, 4, 4, 1]


def test_shares_and_mean_change_worked_by_hand():
    row = cohort_change(*_pairs(EARLIER, LATER)).row(0, named=True)
    # changes: +2 0 +2 +1 +2 -1 0 +1 +3 -1 +1 -1 -> 7 improved, 2 same, 3 worse, total +9
    assert row["n_pairs"] == 12
    shares = (row["share_improved"], row["share_same"], row["share_worse"])
    assert shares == pytest.approx((7 / 12, 2 / 12, 3 / 12))
    assert row["mean_change"] == pytest.approx(9 / 12)


def test_p_value_is_scipy_wilcoxon_with_its_defaults():
    row = cohort_change(*_pairs(EARLIER, LATER)).row(0, named=True)
    differences = [b - a for a, b in zip(EARLIER, LATER, strict=True)]
    assert row["p_value"] == pytest.approx(wilcoxon(differences).pvalue)


def test_pairs_with_dont_know_or_a_missing_answer_are_left_out():
    later, later_responses, earlier, earlier_responses = _pairs(EARLIER, LATER)
    later = pl.concat([later, pl.DataFrame({"response_id": ["l99"], "wave_id": ["w2"],
                                            "statement_id": ["health_met"], "answer_id": ["neither"]})])
    later_responses = pl.concat([later_responses, pl.DataFrame(
        {"response_id": ["l99"], "wave_id": ["w2"], "cohort_key": ["k99"]})])
    earlier = earlier.with_columns(answer_id=pl.when(pl.col("response_id") == "e0").then(pl.lit("dont_know"))
                                   .otherwise(pl.col("answer_id")))
    row = cohort_change(later, later_responses, earlier, earlier_responses, threshold=0).row(0, named=True)
    assert row["n_pairs"] == 11  # k0 answered don't know before; k99 has no earlier answer


def test_the_greatest_response_id_of_a_key_is_used_when_a_family_answered_twice():
    later, later_responses, earlier, earlier_responses = _pairs([1] * 10, [5] * 10)
    extra = _wave("w2", [("l0-again", "k0", "health_met", "strongly_disagree")])
    later = pl.concat([later, extra[0]])
    later_responses = pl.concat([later_responses, extra[1]])
    row = cohort_change(later, later_responses, earlier, earlier_responses).row(0, named=True)
    assert (row["n_pairs"], row["share_same"], row["share_improved"]) == (10, pytest.approx(0.1), 0.9)


def test_responses_without_a_return_code_are_not_linked():
    later, later_responses, earlier, earlier_responses = _pairs([1] * 12, [5] * 12)
    later_responses = later_responses.with_columns(cohort_key=pl.when(pl.col("response_id") == "l0")
                                                   .then(None).otherwise(pl.col("cohort_key")))
    assert cohort_change(later, later_responses, earlier, earlier_responses)["n_pairs"][0] == 11


def test_fewer_pairs_than_the_threshold_are_suppressed():
    row = cohort_change(*_pairs([1] * 9, [2] * 9)).row(0, named=True)
    assert row["suppressed"] is True
    assert all(row[c] is None for c in COLUMNS[3:-1])


def test_rows_name_both_waves_and_every_statement_answered_in_either():
    later, later_responses, earlier, earlier_responses = _pairs(EARLIER, LATER)
    other = _wave("w1", [("e0", "k0", "assessment_wait", "neither")])[0]
    out = cohort_change(later, later_responses, pl.concat([earlier, other]), earlier_responses)
    assert out.columns == COLUMNS
    assert out.select("later_wave_id", "earlier_wave_id", "statement_id", "n_pairs", "suppressed").rows() == [
        ("w2", "w1", "assessment_wait", None, True), ("w2", "w1", "health_met", 12, False)]

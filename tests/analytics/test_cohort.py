"""Same-cohort change between two waves, linked by return code."""

import numpy as np
import polars as pl
import pytest
from scipy.stats import wilcoxon

from analytics.cohort import COLUMNS, FIGURES, cohort_change, wilcoxon_p

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


def test_a_code_used_twice_in_a_wave_without_child_markers_pairs_neither():
    later, later_responses, earlier, earlier_responses = _pairs([1] * 12, [5] * 12)
    extra = _wave("w2", [("l0-again", "k0", "health_met", "strongly_disagree")])
    later = pl.concat([later, extra[0]])
    later_responses = pl.concat([later_responses, extra[1]])
    row = cohort_change(later, later_responses, earlier, earlier_responses, threshold=0).row(0, named=True)
    assert (row["n_pairs"], row["share_improved"]) == (11, 1.0)  # k0's two spring answers: which child is which?
    assert (row["n_excluded_ambiguous"], row["n_excluded_other_child"]) == (2, 0)


def _children(rows: list[tuple[str, str, str | None, int]], wave: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """rows: (response_id, cohort_key, child_key, score) -> (likert, responses)."""
    likert = pl.DataFrame([(r, wave, "health_met", ANSWER[v]) for r, _, _, v in rows], orient="row",
                          schema=["response_id", "wave_id", "statement_id", "answer_id"])
    responses = pl.DataFrame([(r, wave, k, c) for r, k, c, _ in rows], orient="row",
                             schema={"response_id": pl.String, "wave_id": pl.String, "cohort_key": pl.String,
                                     "child_key": pl.String})
    return likert, responses


def test_child_markers_pair_each_child_of_a_family_with_itself():
    # family k: two children named in both waves; family m: one child, named only in spring; family x: named
    # "1" then "2" (another child); family y: two unnamed autumn answers, one named spring answer
    earlier = _children([("e1", "k", "k1", 1), ("e2", "k", "k2", 5), ("e3", "m", None, 2), ("e4", "x", "x1", 3),
                         ("e5", "y", None, 4), ("e6", "y", None, 1)], "w1")
    later = _children([("l1", "k", "k1", 2), ("l2", "k", "k2", 4), ("l3", "m", "m1", 4), ("l4", "x", "x2", 3),
                       ("l5", "y", "y1", 2)], "w2")
    row = cohort_change(*later, *earlier, threshold=0).row(0, named=True)
    # k1 +1, k2 -1, m +2 (a code used once a wave is one child); pairing by code alone would have paired l1..l2
    # with either of e1, e2
    assert row["n_pairs"] == 3
    assert row["mean_change"] == pytest.approx((1 - 1 + 2) / 3)
    assert (row["n_excluded_ambiguous"], row["n_excluded_other_child"]) == (1, 1)


def test_exclusions_under_the_threshold_are_not_published():
    later, later_responses, earlier, earlier_responses = _pairs([1] * 12, [5] * 12)
    extra = _wave("w2", [("l0-again", "k0", "health_met", "strongly_disagree")])
    row = cohort_change(pl.concat([later, extra[0]]), pl.concat([later_responses, extra[1]]), earlier,
                        earlier_responses).row(0, named=True)
    # 2 ambiguous and none about another child: both "fewer than 10" (0 is not shown as 0: the band never says
    # "at least one")
    assert row["n_excluded_ambiguous"] is None and row["n_excluded_other_child"] is None


def test_responses_without_a_return_code_are_not_linked():
    later, later_responses, earlier, earlier_responses = _pairs([1] * 12, [5] * 12)
    later_responses = later_responses.with_columns(cohort_key=pl.when(pl.col("response_id") == "l0")
                                                   .then(None).otherwise(pl.col("cohort_key")))
    assert cohort_change(later, later_responses, earlier, earlier_responses)["n_pairs"][0] == 11


def test_fewer_pairs_than_the_threshold_are_suppressed():
    row = cohort_change(*_pairs([1] * 9, [2] * 9)).row(0, named=True)
    assert row["suppressed"] is True
    assert all(row[c] is None for c in [*FIGURES, "q_value", "q_value_pratt"])


def test_rows_name_both_waves_and_every_statement_answered_in_either():
    later, later_responses, earlier, earlier_responses = _pairs(EARLIER, LATER)
    other = _wave("w1", [("e0", "k0", "assessment_wait", "neither")])[0]
    out = cohort_change(later, later_responses, pl.concat([earlier, other]), earlier_responses)
    assert out.columns == COLUMNS
    assert out.select("later_wave_id", "earlier_wave_id", "statement_id", "n_pairs", "suppressed").rows() == [
        ("w2", "w1", "assessment_wait", None, True), ("w2", "w1", "health_met", 12, False)]


def _tallied(differences: list[float]) -> tuple[np.ndarray, np.ndarray]:
    values, counts = np.unique(np.array(differences), return_counts=True)
    return values, counts


@pytest.mark.parametrize("size", [12, 40, 51, 300, 2_000])
@pytest.mark.parametrize("zero_method", ["wilcox", "pratt"])
def test_wilcoxon_from_the_histogram_is_scipys_with_either_treatment_of_ties(size: int, zero_method: str):
    rng = np.random.default_rng(size)
    differences = [int(d) for d in rng.choice([-3, -2, -1, 0, 0, 0, 1, 1, 2, 3, 4], size=size)]
    got = wilcoxon_p(*_tallied(differences), zero_method)
    assert got == pytest.approx(wilcoxon(differences, zero_method=zero_method).pvalue, rel=1e-9)


def test_pratt_and_the_ties_are_published_beside_wilcoxon():
    row = cohort_change(*_pairs(EARLIER, LATER)).row(0, named=True)
    differences = [b - a for a, b in zip(EARLIER, LATER, strict=True)]
    assert row["n_ties"] == 2
    assert row["p_value_pratt"] == pytest.approx(wilcoxon(differences, zero_method="pratt").pvalue)


def test_q_values_are_benjamini_hochberg_over_the_eight_statements():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(8)
    statements = [f"s{i}" for i in range(8)]
    before, after = [], []
    for i, statement in enumerate(statements):
        for j in range(60):
            early = int(rng.integers(1, 6))
            late = min(5, max(1, early + int(rng.integers(-1, 2)) + (1 if j < 4 * i else 0)))
            before.append((f"e{j}", f"k{j}", statement, ANSWER[early]))  # family j answers all eight
            after.append((f"l{j}", f"k{j}", statement, ANSWER[late]))
    e_likert, e_resp = _wave("w1", before)
    l_likert, l_resp = _wave("w2", after)
    out = cohort_change(l_likert, l_resp, e_likert, e_resp)
    assert out.height == 8
    for p, q in (("p_value", "q_value"), ("p_value_pratt", "q_value_pratt")):
        expected = multipletests(out[p].to_numpy(), method="fdr_bh")[1]
        assert out[q].to_numpy() == pytest.approx(expected, rel=1e-12)
    assert (out["q_value"] >= out["p_value"]).all()


@pytest.mark.parametrize("differences", [
    [1, 1, -1, 2, 0, 3, -2, 1, 0, -1, 4],  # ties and zeros (scipy enumerates up to 13: 2**13 signs take it 1 s)
    [0.5, -0.5, 1.5, 1.5, 0, 0],  # halves, as a scale with half-point scores gives
    [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],  # all tied, every sign the same: the smallest p-value there is
])
@pytest.mark.parametrize("zero_method", ["wilcox", "pratt"])
def test_a_small_cohort_with_ties_or_zeros_gets_scipys_every_sign_p_value_to_the_last_bit(
        differences: list[float], zero_method: str):
    """Up to 13 pairs with ties or zeros scipy runs a permutation test over all 2**n signs; wilcoxon_p counts the
    same signs from the histogram (analytics.cohort._every_sign_p), and must give the same float."""
    got = wilcoxon_p(*_tallied(differences), zero_method)
    assert got == float(wilcoxon(differences, zero_method=zero_method).pvalue)

"""Weights a statistician would sign: trimmed at 5 (cap and redistribute), with Kish's design effect and
effective base published beside every weighted row, and no weighted figure on an effective base under 10.

Trimming is checked against worked examples by hand; the design effect and effective base against numpy on
one weight per response (the analytics work per cell, from counts)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analytics.compare import compare_responses
from analytics.weighting import TRIM_CAP, cell_weights, lad_targets, lad_weights, trim
from waves.loader import load_catalogue

BASELINE = load_catalogue().aggregate_counts
LADS = pl.DataFrame({"lad_code": ["E1", "E2", "E3"], "lad_name": ["Alpha", "Beta", "Gamma"],
                     "children_0_17": [300, 300, 400]})


def _wave(sizes: dict[str, int], answer: str = "tend_to_agree") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Responses per LAD, every one answering `answer`, except every third strongly disagreeing."""
    ids = [(f"{lad}-{i}", lad) for lad, n in sizes.items() for i in range(n)]
    responses = pl.DataFrame({"response_id": [i for i, _ in ids], "wave_id": "w1", "postcode_district": "X1",
                              "lad_code": [lad for _, lad in ids], "area_status": "in_area",
                              "child_main_need": None}, schema_overrides={"child_main_need": pl.String})
    answers = [answer if k % 3 else "strongly_disagree" for k in range(len(ids))]
    likert = pl.DataFrame({"response_id": [i for i, _ in ids], "wave_id": "w1", "statement_id": "making_progress",
                           "answer_id": answers})
    return likert, responses


def test_a_weight_above_five_is_capped_and_its_excess_shared_by_the_others():
    # 50, 45 and 5 responses against 30%, 30% and 40% of children: raw weights 0.6, 2/3 and 8
    raw = [0.3 / 0.5, 0.3 / 0.45, 0.4 / 0.05]
    # by hand: Gamma is capped at 5 (25 of the 100 weighted responses); Alpha and Beta held 60, now 75: x 1.25
    assert trim([50, 45, 5], raw) == pytest.approx([0.75, 0.3 / 0.45 * 1.25, 5.0])
    assert TRIM_CAP == 5


def test_trimming_repeats_when_sharing_the_excess_pushes_another_weight_over_the_cap():
    raw = [0.1 / 0.01, 0.1 / 0.02, 0.8 / 0.97]  # 10, 5 and 0.825
    # by hand: 10 -> 5; the others scale by 95/90, so 5 -> 5.28 > 5 is capped too; the last takes 85 of 97
    assert trim([1, 2, 97], raw) == pytest.approx([5.0, 5.0, 85 / 97])


def test_weights_are_trimmed_and_still_average_one():
    _, responses = _wave({"E1": 50, "E2": 45, "E3": 5})
    weights = lad_weights(responses, LADS, min_cell=0)  # no collapsing: the trim alone
    per_lad = dict(weights.group_by("lad_code").agg(pl.col("weight").first()).iter_rows())
    assert per_lad == pytest.approx({"E1": 0.75, "E2": 0.3 / 0.45 * 1.25, "E3": 5.0})
    assert weights["weight"].mean() == pytest.approx(1.0)


def test_design_effect_and_effective_base_match_kish_on_one_weight_per_response():
    likert, responses = _wave({"E1": 50, "E2": 45, "E3": 5})
    out = compare_responses(likert, responses, wave_id="w1", baseline_id="baseline-2019", by="all",
                            baseline_counts=BASELINE, weighted=True, lads=LADS, collapse_below=0)
    row = out.filter(pl.col("statement_id") == "making_progress").row(0, named=True)
    w = np.repeat([0.75, 0.3 / 0.45 * 1.25, 5.0], [50, 45, 5])
    n_eff = w.sum() ** 2 / (w**2).sum()
    assert row["effective_base"] == round(n_eff)
    assert row["design_effect"] == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2, abs=0.005)
    agree = np.array([a != "strongly_disagree" for a in likert["answer_id"].to_list()])
    assert row["share_agree"] == pytest.approx((w * agree).sum() / w.sum())

    unweighted = compare_responses(likert, responses, wave_id="w1", baseline_id="baseline-2019", by="all",
                                   baseline_counts=BASELINE).filter(pl.col("statement_id") == "making_progress")
    assert unweighted.select("effective_base", "design_effect").row(0) == (100, 1.0)


def test_a_weighted_row_on_an_effective_base_under_ten_is_not_published():
    # 20 responses (a base of 20) but weights 5 and 0.56: an effective base of 7
    likert, responses = _wave({"E1": 2, "E2": 18})
    halves = LADS.filter(pl.col("lad_code") != "E3")
    out = compare_responses(likert, responses, wave_id="w1", baseline_id="baseline-2019", by="all",
                            baseline_counts=BASELINE, weighted=True, lads=halves, collapse_below=0)
    row = out.filter(pl.col("statement_id") == "making_progress").row(0, named=True)
    w = np.repeat([5.0, 10 / 18], [2, 18])
    assert w.sum() ** 2 / (w**2).sum() < 10
    assert row["suppressed"] is True
    assert row["share_agree"] is None and row["effective_base"] is None and row["design_effect"] is None
    unweighted = compare_responses(likert, responses, wave_id="w1", baseline_id="baseline-2019", by="all",
                                   baseline_counts=BASELINE, lads=halves)
    assert unweighted.filter(pl.col("statement_id") == "making_progress")["suppressed"].to_list() == [False]



KENT_MEDWAY = pl.DataFrame({"lad_code": ["M", "A", "B", "C", "D"], "lad_name": list("MABCD"),
                            "children_0_17": [100, 400, 300, 120, 80],
                            "utla_code": ["M", "K", "K", "K", "K"], "utla_name": ["Medway", *["Kent"] * 4]})


def _cells(sizes: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame({"wave_id": "w1", "lad_code": list(sizes), "n": list(sizes.values())})


def _weights(sizes: dict[str, int], **options: object) -> dict[str, tuple[float, str]]:
    frame = cell_weights(_cells(sizes), KENT_MEDWAY, cap=1e9, **options).collect()  # type: ignore[arg-type]
    return {lad: (w, cell) for lad, w, cell in frame.select("lad_code", "weight", "weight_cell").iter_rows()}


def test_sparse_lads_are_pooled_within_their_upper_tier_before_raking():
    # C has 6 and D 5 responses: pooled (11, at least 10) against their 200 children; D's zero-response
    # neighbour would be pooled too. By hand: total 61 + 40 + 11 + 20 = 132 responses, 1,000 children.
    weights = _weights({"M": 20, "A": 61, "B": 40, "C": 6, "D": 5})
    assert weights["C"] == weights["D"] == (pytest.approx((200 / 1000) / (11 / 132)), "K:sparse")
    assert weights["A"] == (pytest.approx((400 / 1000) / (61 / 132)), "A")
    assert weights["M"] == (pytest.approx((100 / 1000) / (20 / 132)), "M")


def test_a_pool_still_under_ten_joins_its_authoritys_largest_lad_and_zero_lads_carry_their_children():
    # C has 4, D none: the pool (4, carrying C's and D's 200 children) joins A, Kent's largest
    weights = _weights({"M": 20, "A": 61, "B": 40, "C": 4})
    cell = (100 / 1000, 20 / 125), (600 / 1000, 65 / 125)
    assert weights["C"] == weights["A"] == (pytest.approx(cell[1][0] / cell[1][1]), "A")
    assert weights["M"][0] == pytest.approx(cell[0][0] / cell[0][1])
    assert "D" not in weights  # no responses: no weight, but its children are in A's cell


def test_a_sparse_unitary_authority_joins_the_waves_largest_lad():
    weights = _weights({"M": 3, "A": 61, "B": 40, "C": 30, "D": 20})
    assert weights["M"][1] == "A"  # Medway (one LAD, 3 responses) has nothing of its own tier to pool with
    assert weights["M"][0] == weights["A"][0] == pytest.approx((500 / 1000) / (64 / 154))


def test_without_sparse_lads_nothing_is_collapsed():
    weights = _weights({"M": 20, "A": 61, "B": 40, "C": 30, "D": 20})
    assert {cell for _, cell in weights.values()} == {"M", "A", "B", "C", "D"}


def test_ehc_plan_targets_give_each_authority_its_plans_and_split_them_by_children():
    # Medway has 10% of the children but 20% of the EHC plans
    plans = pl.DataFrame({"variable": ["utla", "utla"], "option_id": ["K", "M"], "count": [800.0, 200.0],
                          "denominator": [1000.0] * 2, "share": [0.8, 0.2], "source": ["x", "x"]})
    targets = dict(lad_targets(KENT_MEDWAY, plans).iter_rows())
    assert targets["M"] == pytest.approx(200) and targets["A"] == pytest.approx(800 * 400 / 900)
    assert sum(targets.values()) == pytest.approx(1000)
    sizes = {"M": 50, "A": 20, "B": 15, "C": 10, "D": 10}
    weights = _weights(sizes, targets=lad_targets(KENT_MEDWAY, plans))
    assert weights["M"][0] == pytest.approx(0.2 / (50 / 105))
    assert weights["A"][0] == pytest.approx((0.8 * 400 / 900) / (20 / 105))
    assert _weights(sizes)["M"][0] == pytest.approx(0.1 / (50 / 105))  # to children: half the weight

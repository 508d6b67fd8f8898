"""Shared statistics, each checked against statsmodels or a hand-worked figure."""

import math

import polars as pl
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from analytics.stats import kish_n_eff, newcombe_interval, two_proportion_p, wilson_interval, with_q_values

CASES = [(0, 5), (1, 5), (5, 5), (124, 550), (295, 632), (3, 17), (40, 41), (12, 1000)]


def _wilson(frame: pl.DataFrame) -> pl.DataFrame:
    low, high = wilson_interval(pl.col("k") / pl.col("n"), pl.col("n"))
    return frame.with_columns(low=low, high=high)


def test_wilson_interval_matches_statsmodels():
    frame = _wilson(pl.DataFrame({"k": [k for k, _ in CASES], "n": [n for _, n in CASES]},
                                 schema={"k": pl.Float64, "n": pl.Float64}))
    for (k, n), low, high in zip(CASES, frame["low"], frame["high"], strict=True):
        expected = proportion_confint(k, n, method="wilson")
        assert low == pytest.approx(expected[0], abs=1e-12)
        assert high == pytest.approx(expected[1], abs=1e-12)


def test_wilson_interval_of_the_baseline_local_offer_share_by_hand():
    # 124 of 550 valid answers agreed; z = 1.959964
    p, n, z = 124 / 550, 550, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    frame = _wilson(pl.DataFrame({"k": [124.0], "n": [550.0]}))
    assert frame["low"][0] == pytest.approx(centre - half, abs=1e-12)
    assert frame["high"][0] == pytest.approx(centre + half, abs=1e-12)


def test_wilson_interval_is_null_when_nothing_was_observed():
    frame = _wilson(pl.DataFrame({"k": [0.0], "n": [0.0]}))
    assert frame["low"][0] is None and frame["high"][0] is None


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), [(30, 80, 124, 550), (5, 12, 0, 9), (40, 40, 1, 30),
                                                     (60, 200, 295, 632)])
def test_newcombe_interval_matches_statsmodels(k1, n1, k2, n2):
    s1, s2 = pl.col("k1") / pl.col("n1"), pl.col("k2") / pl.col("n2")
    l1, h1 = wilson_interval(s1, pl.col("n1"))
    l2, h2 = wilson_interval(s2, pl.col("n2"))
    low, high = newcombe_interval(s1, l1, h1, s2, l2, h2)
    frame = pl.DataFrame({"k1": [k1], "n1": [n1], "k2": [k2], "n2": [n2]}, schema=dict.fromkeys(
        ["k1", "n1", "k2", "n2"], pl.Float64)).select(low=low, high=high)
    expected = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    assert frame["low"][0] == pytest.approx(expected[0], abs=1e-12)
    assert frame["high"][0] == pytest.approx(expected[1], abs=1e-12)


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), [(30, 80, 124, 550), (5, 12, 1, 9), (60, 200, 295, 632)])
def test_two_proportion_p_matches_the_pooled_z_test_of_statsmodels(k1, n1, k2, n2):
    frame = pl.DataFrame({"s1": [k1 / n1], "n1": [float(n1)], "s2": [k2 / n2], "n2": [float(n2)]})
    p = frame.select(two_proportion_p(pl.col("s1"), pl.col("n1"), pl.col("s2"), pl.col("n2")))[0, 0]
    assert p == pytest.approx(proportions_ztest([k1, k2], [n1, n2])[1], abs=1e-12)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_two_proportion_p_is_one_when_the_pooled_share_is_zero_or_one(share):
    frame = pl.DataFrame({"s": [share], "n": [20.0]})
    assert frame.select(two_proportion_p(pl.col("s"), pl.col("n"), pl.col("s"), pl.col("n")))[0, 0] == 1.0


def test_q_values_match_benjamini_hochberg_of_statsmodels_and_skip_rows_without_p():
    p = [0.01, None, 0.04, 0.03, None, 0.2, 0.03, 0.9, 0.001]
    result = with_q_values(pl.DataFrame({"p_value": p}, schema={"p_value": pl.Float64}))
    present = [x for x in p if x is not None]
    expected = iter(multipletests(present, method="fdr_bh")[1])
    for original, q in zip(p, result["q_value"], strict=True):
        if original is None:
            assert q is None
        else:
            assert q == pytest.approx(next(expected), abs=1e-12)


def test_kish_effective_n_is_n_for_equal_weights_and_smaller_for_unequal_ones():
    frame = pl.DataFrame({"w": [4.0, 6.0], "w2": [4.0, 14.0]})  # weights 1,1,1,1 and 1,2,3
    n_eff = frame.select(kish_n_eff(pl.col("w"), pl.col("w2")))["w"].to_list()
    assert n_eff == pytest.approx([4.0, 36 / 14])

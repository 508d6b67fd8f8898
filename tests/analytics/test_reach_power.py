"""Reach's power, as bench/reach_power.py simulates it (the table in docs/analysts/methods/reach.md), checked
against scipy: with Holm across the 13 LADs, the chance of flagging an area at half its share lies between
Bonferroni's (every p-value times 13) and the uncorrected test's, both computed exactly from the binomial."""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from bench.reach_power import AREA, flagged_share
from waves.areas.pack import load_area_pack


def _exact_power(responses: int, alpha: float) -> float:
    """P(the area's one-sided binomial p-value < alpha) when it answers at half its share (others in proportion)."""
    lads = load_area_pack().lads
    shares = (lads["children_0_17"] / lads["children_0_17"].sum()).to_numpy()
    at = lads["lad_code"].to_list().index(AREA)
    half = shares[at] / 2 / (1 - shares[at] / 2)
    x = np.arange(responses + 1)
    significant = binom.cdf(x, responses, shares[at]) < alpha
    return float(binom.pmf(x, responses, half)[significant].sum())


def test_the_simulated_power_on_exact_counts_lies_between_bonferroni_and_no_correction() -> None:
    sims = 1500
    simulated = flagged_share(600, sims, rounded=False, seed=11)
    low, high = _exact_power(600, 0.05 / 13), _exact_power(600, 0.05)
    margin = 3 * (0.25 / sims) ** 0.5
    assert low - margin <= simulated <= high + margin, (low, simulated, high)
    assert 0.5 < simulated < 0.85  # the docs' "about two waves in three" at 31 expected


def test_published_counts_find_a_halved_area_of_31_expected_less_often_than_exact_ones() -> None:
    exact = flagged_share(600, 1000, rounded=False, seed=5)
    published = flagged_share(600, 1000, rounded=True, seed=5)
    assert published < exact - 0.2 and 0.1 < published < 0.35, (published, exact)

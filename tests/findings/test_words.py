"""Plain words for figures, checked against worked examples: the interval of a change decides what is said."""

from __future__ import annotations

import pytest
from scipy import stats

from surveyapp.findings.words import change_of, in_ten, ratio_words, when_of
from surveyapp.web.messages import load_messages

T = load_messages()["en"]


def newcombe_like(p1: float, n1: int, p0: float, n0: int) -> tuple[float, float]:
    """A plain Wald interval of a difference of proportions: a worked example the rows' intervals stand for."""
    se = (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) ** 0.5
    z = stats.norm.ppf(0.975)
    return p1 - p0 - z * se, p1 - p0 + z * se


@pytest.mark.parametrize(("share", "said"), [(0.42, "4 in 10"), (0.12, "1 in 10"), (0.03, "fewer than 1 in 10"),
                                             (0.0, "0 in 10"), (0.97, "nearly all"), (1.0, "10 in 10"),
                                             (0.05, "1 in 10")])
def test_shares_in_tens(share: float, said: str) -> None:
    assert in_ten(T, share) == said


def test_a_sure_rise_is_up_a_sure_fall_down() -> None:
    low, high = newcombe_like(0.42, 300, 0.12, 600)  # 4 in 10 now, 1 in 10 in 2019
    assert low > 0 and change_of({"delta_ci_low": low, "delta_ci_high": high}) == "up"
    low, high = newcombe_like(0.12, 300, 0.42, 600)
    assert change_of({"delta_ci_low": low, "delta_ci_high": high}) == "down"


def test_a_small_sample_cannot_tell_and_a_large_one_says_about_the_same() -> None:
    small = newcombe_like(0.45, 25, 0.40, 600)  # 25 families: the interval runs about +-20 points
    assert change_of({"delta_ci_low": small[0], "delta_ci_high": small[1]}) == "unclear"
    large = newcombe_like(0.41, 2000, 0.40, 2000)  # +-3 points
    assert change_of({"delta_ci_low": large[0], "delta_ci_high": large[1]}) == "same"


def test_without_an_interval_the_p_value_decides() -> None:
    assert change_of({"delta_share_agree": 0.1, "p_value": 0.01}) == "up"
    assert change_of({"delta_share_agree": -0.1, "p_value": 0.01}) == "down"
    assert change_of({"delta_share_agree": 0.1, "p_value": 0.3}) == "unclear"
    assert change_of({}) == "unclear"


@pytest.mark.parametrize(("ratio", "said"), [(0.5, "about half"), (0.34, "about a third"), (0.1, "fewer than a fifth"),
                                             (0.7, "about two thirds"), (0.26, "about a quarter"),
                                             (0.8, "about three quarters")])
def test_ratios_said_plainly(ratio: float, said: str) -> None:
    assert ratio_words(T, ratio).startswith(said)


def test_the_baseline_by_its_year_another_wave_by_its_name() -> None:
    assert when_of("Your voice 2019 (baseline)") == "2019"
    assert when_of("Your voice: spring 2026", year_only=False) == "spring 2026"
    assert when_of(None) == ""


def test_no_earlier_figure_is_not_called_too_few() -> None:
    from surveyapp.findings.words import against

    medway = {"share_agree": 0.4, "baseline_share_agree": None, "baseline_n_valid": None, "hidden": None}
    assert against(T, medway, "2019", baseline=True) == "There is no figure from 2019 to compare with here."
    hidden = {"share_agree": 0.4, "baseline_share_agree": None, "baseline_n_valid": None, "hidden": "small"}
    assert against(T, hidden, "2019", baseline=True).startswith("We cannot compare with 2019: too few")

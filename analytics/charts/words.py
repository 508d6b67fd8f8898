"""Figures said plainly, as a board member or a family reads them: "about a third of the responses we would
expect", "4 in 10 families"."""

from __future__ import annotations

import math
from fractions import Fraction

# The fractions people say, from a fifth to four times; a ratio is said as the nearest of them.
_SAID: tuple[tuple[Fraction, str], ...] = (
    (Fraction(1, 10), "about a tenth of"), (Fraction(1, 5), "about a fifth of"),
    (Fraction(1, 4), "about a quarter of"), (Fraction(1, 3), "about a third of"), (Fraction(1, 2), "about half"),
    (Fraction(2, 3), "about two thirds of"), (Fraction(3, 4), "about three quarters of"),
    (Fraction(9, 10), "nearly all"), (Fraction(1), "about as many as"),
    (Fraction(5, 4), "about a quarter more than"), (Fraction(3, 2), "about one and a half times"),
    (Fraction(2), "about twice"), (Fraction(3), "about three times"), (Fraction(4), "about four times"),
)


def ratio_words(ratio: float) -> str:
    """A ratio to expected as people say it: 0.35 -> "about a third of", 1.02 -> "about as many as", 2.1 ->
    "about twice". Under a twentieth: "almost none of"; over five times: "more than four times"."""
    if ratio < 0.05:
        return "almost none of"
    if ratio > 5:
        return "more than four times"
    # Nearest on a log scale: a half and twice are equally far from "as many as".
    return min(_SAID, key=lambda said: abs(math.log(ratio) - math.log(float(said[0]))))[1]


def responses_said(ratio: float, what: str = "the responses we would expect") -> str:
    """"about a third of the responses we would expect", "about as many responses as we would expect",
    "about twice the responses we would expect"."""
    words = ratio_words(ratio)
    if words == "about as many as":
        return "about as many responses as we would expect"
    return f"{words} {what}"


def in_ten(share: float) -> str:
    """A share as "N in 10" (rounded), with "fewer than 1 in 10" and "nearly all" at the ends."""
    tenths = round(share * 10)
    if tenths == 0:
        return "fewer than 1 in 10"
    if tenths == 10 and share < 1:
        return "nearly all"
    return f"{tenths} in 10"

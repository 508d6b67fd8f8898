"""Figures in plain words: "4 in 10 families", "up from", "about half of the responses we would expect".

Each function takes a released row (column -> value, null where the check hid it) and the page's words `t`.
How sure a change is comes from the row's own interval: a 95% interval of the change wholly above zero is "up",
wholly below "down"; one that straddles zero and stays within 10 points either way is "about the same"; a wider
one is "we cannot tell yet". Without an interval the p-value decides (below 0.05, its sign says which way).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

Change = Literal["up", "down", "same", "unclear"]
Words = Callable[..., str]
# The output check's rule names, as the release's `hidden` column may give them, to its reasons' keys.
RULES = {"threshold": "small", "zeros": "small", "differencing": "complement", "dominance": "small"}
SAME_WITHIN = 0.10  # an interval of the change inside +-10 points, straddling zero: "about the same"


def in_ten(t: Words, share: float) -> str:
    """A share as "4 in 10" (never "0 in 10" for some, nor "10 in 10" for not quite all)."""
    tenths = int(share * 10 + 0.5)  # half up: 0.05 is 1 in 10 (round() would make it 0)
    if tenths == 0 and share > 0:
        return t("fewer than 1 in 10")
    if tenths == 10 and share < 1:
        return t("nearly all")
    return t("{n} in 10", n=tenths)


def change_of(row: dict[str, Any]) -> Change:
    """Which way a share moved, as far as the row's interval (or p-value) can tell."""
    low, high, delta, p = (row.get(k) for k in ("delta_ci_low", "delta_ci_high", "delta_share_agree", "p_value"))
    if low is not None and high is not None:
        if low > 0:
            return "up"
        if high < 0:
            return "down"
        return "same" if low >= -SAME_WITHIN and high <= SAME_WITHIN else "unclear"
    if p is not None and delta is not None and p < 0.05:
        return "up" if delta > 0 else "down"
    return "unclear"


def when_of(title: str | None, *, year_only: bool = True) -> str:
    """What a sentence calls an earlier wave: the baseline by its year ("2019"), another wave by its title without
    the survey's name ("Your voice: spring 2026" -> "spring 2026")."""
    found = re.search(r"\b(19|20)\d\d\b", title or "")
    if year_only and found:
        return found.group(0)
    return (title or "").rpartition(":")[2].strip()


def against(t: Words, row: dict[str, Any], when: str, *, baseline: bool, area: str = "") -> str:
    """The sentence comparing now with an earlier wave, saying how sure the change is; with `area`, for that
    area alone (the whole area's figure against 2019 where 2019 covered only part of it)."""
    then = row.get("baseline_share_agree")
    if then is None and not row.get("hidden") and row.get("baseline_n_valid") is None:
        # e.g. Medway against 2019, which did not cover it: nothing was hidden, there is nothing to compare with
        return t("There is no figure from {when} to compare with here.", when=when)
    if then is None or row.get("share_agree") is None:
        return t("We cannot compare with {when}: too few families answered to show it.", when=when)
    if area:
        was = t("In {area}, {now} families agree now; in {when} it was {then}.", area=area,
                now=in_ten(t, row["share_agree"]), when=when, then=in_ten(t, then))
    elif baseline:
        was = t("In {when} it was {then}.", when=when, then=in_ten(t, then))
    else:
        was = t("In the last survey ({when}) it was {then}.", when=when, then=in_ten(t, then))
    how = {"up": t("More families agree now."), "down": t("Fewer families agree now."),
           "same": t("That is about the same as now."),
           "unclear": t("We cannot tell yet whether this has really changed: too few families have answered to "
                        "be sure.")}[change_of(row)]
    return f"{was} {how}"


def hidden_words(t: Words, reason: str | None) -> str:
    """Why a figure is not shown, in the release's own reasons (`surveyapp.domain.release.HIDDEN_REASONS`)."""
    words = {"small": t("fewer than 10 families answered"),
             "complement": t("hidden so that a small group cannot be worked out from the other figures"),
             "one_answer": t("hidden because every family in this group gave the same answer"),
             "interim": t("shown only in the final release, once the survey has closed")}
    return words.get(RULES.get(reason or "", reason or ""), t("not shown in this release"))


_FRACTIONS = ((1 / 4, "quarter"), (1 / 3, "third"), (1 / 2, "half"), (2 / 3, "two_thirds"), (3 / 4, "three_quarters"))


def ratio_words(t: Words, ratio: float) -> str:
    """A representation ratio said plainly: "about half of the responses we would expect"."""
    if ratio < 0.2:
        return t("fewer than a fifth of the responses we would expect")
    nearest = min(_FRACTIONS, key=lambda f: abs(f[0] - ratio))[1]
    return {"quarter": t("about a quarter of the responses we would expect"),
            "third": t("about a third of the responses we would expect"),
            "half": t("about half of the responses we would expect"),
            "two_thirds": t("about two thirds of the responses we would expect"),
            "three_quarters": t("about three quarters of the responses we would expect")}[nearest]

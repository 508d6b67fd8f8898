"""The output check: the rules applied in order, complementary suppression until differencing holds, rounding."""

from __future__ import annotations

from collections.abc import Sequence

from analytics.outputcheck.model import Cell, Derived, EarlierRelease, Microdata, Outcome, Rules


def check(microdata: Microdata, cells: Sequence[Cell], *, key: bytes, rules: Rules | None = None,
          earlier: Sequence[EarlierRelease] = (), derived: Sequence[Derived] = ()) -> Outcome:
    """Check every cell a draft release would publish, with every earlier release of the same waves.

    The rules, in order: threshold and zeros (each count under `rules.threshold`, zero alike, is hidden);
    one answer (a group whose valid answers are all one answer, or all in one answer group, has its row
    hidden); complement (of two cells where one's units hold the other's, a difference under the threshold is
    protected); differencing (an integer program over every published figure, now and earlier, finds whether
    each hidden small count, and each small complement, can still take every value of its band 0..threshold-1;
    where not, the shown cell that costs least is hidden too, and the check runs again); consistent rounding
    (each shown count rounded to `rules.base` by `analytics.disclosure`'s keyed cell key, named by the
    population, statement, answers and a fingerprint of the units counted: the same units, the same value).
    `key` is the service's secret. Derived figures are hidden when any cell they are made of is.
    """
    raise NotImplementedError

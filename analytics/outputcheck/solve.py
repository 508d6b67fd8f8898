"""Witnesses: integer counts, consistent with everything published, that give a hidden sum its band's ends.

The range a hidden sum can take is proved wide enough by two witnesses, integer vectors of atom counts that meet
every published constraint exactly (checked here in integers, whatever the solver's tolerance), one with the sum at
or below the band's bottom and one at or above its top. A witness may be found any way (the truth, an LP vertex
that happens to be integral, HiGHS's branch and bound): it is checked, not trusted. Failing is proved only by the
LP relaxation (its bounds are wider than the integer ones, so an LP that cannot reach the band's end proves the
integer program cannot either) or by HiGHS proving the integer program infeasible; a search that runs out of time
proves nothing, and the check then treats the sum as not protected (it suppresses more), which is safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp


@dataclass
class System:
    """Atom counts x >= 0 (integers) with low <= matrix @ x <= high (high may be inf)."""

    matrix: sparse.csr_matrix
    low: np.ndarray
    high: np.ndarray

    def holds(self, x: np.ndarray) -> bool:
        if np.any(x < 0):
            return False
        sums = self.matrix @ x
        return bool(np.all(sums >= self.low) and np.all(sums <= self.high))


@dataclass
class Search:
    """The outcome of one LP: a point (or None when infeasible) and the dual weight of each constraint row."""

    x: np.ndarray | None
    bound: float | None
    duals: np.ndarray


def _rows(system: System) -> tuple[sparse.csr_matrix, np.ndarray, list[int]]:
    """matrix x <= high and -matrix x <= -low, finite rows only, with each stacked row's constraint. A bottom of 0
    binds only a row with a negative coefficient (a tie): x >= 0 makes every other row at least 0."""
    up = np.flatnonzero(np.isfinite(system.high))
    mixed = np.asarray((system.matrix < 0).sum(axis=1)).ravel() > 0
    down = np.flatnonzero((system.low > 0) | (mixed & np.isfinite(system.low)))
    a = sparse.vstack([system.matrix[up], -system.matrix[down]]).tocsr()
    b = np.r_[system.high[up], -system.low[down]]
    return a, b, [*up.tolist(), *down.tolist()]


def lp(system: System, objective: np.ndarray, extra: sparse.csr_matrix | None = None,
       extra_bound: np.ndarray | None = None, *, upper: np.ndarray | None = None) -> Search:
    """Minimise `objective` @ x over the LP relaxation (plus rows extra @ x <= extra_bound)."""
    a, b, which = _rows(system)
    if len(objective) > a.shape[1]:  # more variables than atoms: they come after the atoms
        a = sparse.hstack([a, sparse.csr_matrix((a.shape[0], len(objective) - a.shape[1]))]).tocsr()
    if extra is not None:
        a = sparse.vstack([a, extra]).tocsr()
        b = np.r_[b, extra_bound]
    size = len(objective)
    bounds = [(0, None)] * size if upper is None else list(zip(np.zeros(size), upper, strict=True))
    result = linprog(objective, A_ub=a, b_ub=b, bounds=bounds, method="highs")
    duals = np.zeros(len(system.low))
    if result.status != 0:
        return Search(None, None, duals)
    marginals = np.abs(result.ineqlin.marginals[:len(which)])
    np.add.at(duals, np.array(which, dtype=int), marginals)
    return Search(result.x, float(result.fun), duals)


def integral(system: System, x: np.ndarray | None) -> np.ndarray | None:
    """`x` rounded to integers if that meets every constraint, else None."""
    if x is None:
        return None
    rounded = np.rint(x[:system.matrix.shape[1]]).astype(np.int64)
    return rounded if system.holds(rounded) else None


Rows = tuple[sparse.csr_matrix, np.ndarray, np.ndarray]  # more constraints: low <= matrix @ x <= high


def _meets(rows: Sequence[Rows], point: np.ndarray) -> bool:
    return all(bool(np.all(m @ point >= lo) and np.all(m @ point <= hi)) for m, lo, hi in rows)


def integer_point(system: System, objective: np.ndarray, seconds: float, extra: Sequence[Rows] = (),
                  upper: np.ndarray | float = np.inf, lower: np.ndarray | float = 0.0) -> np.ndarray | None:
    """An integer point meeting every constraint and `extra`, found by HiGHS's branch and bound (minimising
    `objective`, stopping at `seconds`), checked; None when none was found."""
    matrix = sparse.vstack([system.matrix, *(m for m, _, _ in extra)]).tocsr()
    low = np.concatenate([system.low, *(lo for _, lo, _ in extra)])
    high = np.concatenate([system.high, *(hi for _, _, hi in extra)])
    result = milp(objective, constraints=[LinearConstraint(matrix, low, high)], integrality=np.ones(len(objective)),
                  bounds=Bounds(lower, upper), options={"time_limit": seconds, "disp": False, "mip_rel_gap": 0.05})
    point = integral(system, result.x) if result.x is not None else None
    return point if point is not None and _meets(extra, point) else None

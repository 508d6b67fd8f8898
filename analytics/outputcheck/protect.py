"""Differencing: every hidden small sum must still take each end of its band; where not, suppress more.

Each population (responses, pairs) is one integer program (`analytics.outputcheck.linear`): the units of each
group and every statement's answers by coarser group, tied together, with every published figure of this release
and the earlier ones as a constraint. A sum is protected when two witnesses, integer points meeting every
constraint, put it at its band's two ends (0 and threshold - 1); see `analytics.outputcheck.solve`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from analytics.outputcheck.linear import Model
from analytics.outputcheck.solve import Rows, Search, System, integer_point, integral, lp

EPS = 1e-7


@dataclass
class Sub:
    """One population's program, and the row of each entry it holds."""

    population: str
    model: Model
    rows: dict[int, int]


@dataclass
class Sensitive:
    """A hidden sum that must span 0..top: one entry, or entry a minus entry b (a's units hold b's)."""

    rule: str
    entries: tuple[int, ...]
    sub: int
    low_ok: bool = False
    high_ok: bool = False
    duals: np.ndarray | None = None  # the failing LP's dual weights, by the sub-problem's rows


@dataclass
class Stats:
    solves: int = 0
    integer_programs: int = 0
    dives_failed: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Prover:
    """Finds witnesses for the sensitive sums of each sub-problem, against the constraints `bounds` gives."""

    def __init__(self, subs: Sequence[Sub], bounds: Callable[[int], tuple[float, float]], top: int,
                 seconds: float) -> None:
        self.subs, self.bounds, self.top, self.seconds = list(subs), bounds, top, seconds
        self.stats = Stats()

    def system(self, k: int) -> System:
        model = self.subs[k].model
        low, high = np.zeros(model.matrix.shape[0]), np.zeros(model.matrix.shape[0])
        for row, entry in enumerate(model.entries):
            low[row], high[row] = self.bounds(entry)
        return System(model.matrix, low, high)

    def vector(self, sens: Sensitive) -> np.ndarray:
        sub = self.subs[sens.sub]
        rows = [sub.rows[e] for e in sens.entries]
        vec = np.asarray(sub.model.matrix[rows[0]].todense()).ravel()
        if len(rows) == 2:
            vec = vec - np.asarray(sub.model.matrix[rows[1]].todense()).ravel()
        return vec

    def _upper(self, k: int) -> np.ndarray:
        """Variable bounds for the searches (a witness never needs more): a witness is checked against every
        constraint, so bounding the search is sound; a search that fails within them proves nothing, and the
        sum is then treated as not protected (more is suppressed), which is safe."""
        return self.subs[k].model.count + 4.0 * (self.top + 1)

    def _lp(self, k: int, objective: np.ndarray, **extra: object) -> Search:
        self.stats.solves += 1
        start = time.perf_counter()
        upper = extra.pop("upper", None)
        try:
            bound = self._upper(k) if upper is None else upper
            return lp(self.system(k), objective, upper=bound, **extra)  # type: ignore[arg-type]
        finally:
            self.stats.seconds += time.perf_counter() - start

    def _integer(self, k: int, objective: np.ndarray, extra: Sequence[Rows],
                 near: np.ndarray | None = None) -> np.ndarray | None:
        """HiGHS's integer point; with `near` (an LP point), only its fractional variables free, the others
        fixed where the LP put them (a much smaller program, and any point it finds is as good a witness)."""
        self.stats.integer_programs += 1
        start = time.perf_counter()
        upper: np.ndarray = self._upper(k)
        lower: np.ndarray | float = 0.0
        if near is not None:
            rounded = np.rint(near)
            fixed = np.abs(near - rounded) < 1e-6
            upper = np.where(fixed, rounded, upper)
            lower = np.where(fixed, rounded, 0.0)
        try:
            return integer_point(self.system(k), objective, self.seconds, extra, upper=upper, lower=lower)
        finally:
            self.stats.seconds += time.perf_counter() - start

    def witness(self, k: int, objective: np.ndarray, extra: Sequence[Rows], start: np.ndarray | None
                ) -> np.ndarray | None:
        """An integer point meeting the constraints and `extra`: `start` if it is integral, else one near it with
        only its fractional variables changed, else HiGHS's from scratch."""
        if start is not None:
            point = integral(self.system(k), start)
            if point is not None and all(_meets(r, point) for r in extra):
                return point
            point = self._integer(k, objective, extra, near=start)
            if point is not None:
                return point
            self.stats.dives_failed += 1
        return self._integer(k, objective, extra)

    # --- proving the band's two ends ------------------------------------------------------------------------

    def prove(self, k: int, pending: Sequence[Sensitive]) -> None:
        """Try to prove both ends of every pending sum of sub-problem `k`: the truth first, then one LP for all
        the bottoms and one for all the tops, then each sum that is left on its own."""
        vecs = [self.vector(s) for s in pending]
        truth = self.subs[k].model.count
        for sens, vec in zip(pending, vecs, strict=True):
            value = float(vec @ truth)
            sens.low_ok = sens.low_ok or value <= 0
            sens.high_ok = sens.high_ok or value >= self.top
            sens.duals = None
        for low in (True, False):
            while self._batch(k, pending, vecs, low=low):
                pass
        for sens, vec in zip(pending, vecs, strict=True):
            if not sens.low_ok:
                self._one(k, sens, vec, low=True)
            if sens.low_ok and not sens.high_ok:
                self._one(k, sens, vec, low=False)

    def _batch(self, k: int, pending: Sequence[Sensitive], vecs: Sequence[np.ndarray], *, low: bool) -> bool:
        """One witness for as many sums' bottoms (or tops) as it can: whether it proved any."""
        todo = [i for i, s in enumerate(pending) if not (s.low_ok if low else s.high_ok)]
        if len(todo) < 2:
            return False
        size = len(vecs[0])
        if low:
            objective = np.sum([vecs[i] for i in todo], axis=0)
            search = self._lp(k, objective)
        else:  # maximise the sum of min(sum_i, top): y_i <= vec_i @ x, 0 <= y_i <= top
            objective = -np.sum([vecs[i] for i in todo], axis=0)
            capped = sparse.hstack([-sparse.csr_matrix(np.array([vecs[i] for i in todo])),
                                    sparse.identity(len(todo))]).tocsr()
            upper = np.r_[self._upper(k), np.full(len(todo), float(self.top))]
            search = self._lp(k, np.r_[np.zeros(size), -np.ones(len(todo))], extra=capped,
                              extra_bound=np.zeros(len(todo)), upper=upper)
        start = search.x[:size] if search.x is not None else None
        point = self.witness(k, objective, [], start)
        if point is None:
            return False
        proved = False
        for i in todo:
            value = float(vecs[i] @ point)
            if low and value <= 0:
                pending[i].low_ok = proved = True
            elif not low and value >= self.top:
                pending[i].high_ok = proved = True
        return proved

    def _one(self, k: int, sens: Sensitive, vec: np.ndarray, *, low: bool) -> None:
        """One end of one sum: the LP's best first (if even it cannot reach the end, within the search's bounds,
        its duals say what held it back), then an integer point from it."""
        sign = 1.0 if low else -1.0
        search = self._lp(k, sign * vec)
        sens.duals = search.duals
        if search.x is None or (float(vec @ search.x) > EPS if low else float(vec @ search.x) < self.top - EPS):
            return
        row = sparse.csr_matrix(vec.reshape(1, -1))
        end: Rows = (row, np.array([-np.inf]), np.array([0.0])) if low else \
            (row, np.array([float(self.top)]), np.array([np.inf]))
        # any point meeting the end will do: no objective, so HiGHS stops at the first one it finds
        if self.witness(k, np.zeros(len(vec)), [end], search.x) is not None:
            sens.duals = None
            if low:
                sens.low_ok = True
            else:
                sens.high_ok = True

    def candidate(self, sens: Sensitive, cost: Callable[[int], float | None]) -> int | None:
        """The shown cell to hide next for a sum not yet protected: among the constraints that held the LP back
        (non-zero dual), else those that share an atom with the sum, the one that costs least."""
        model = self.subs[sens.sub].model
        costs = [cost(e) for e in model.entries]
        duals = sens.duals if sens.duals is not None else np.zeros(model.matrix.shape[0])
        chosen = [r for r, c in enumerate(costs) if c is not None and duals[r] > EPS]
        if not chosen:
            support = self.vector(sens) != 0
            touching = np.asarray(abs(model.matrix[:len(costs)][:, support]).sum(axis=1)).ravel() > 0
            chosen = [r for r, c in enumerate(costs) if c is not None and touching[r]]
        if not chosen:
            return None
        best = min(chosen, key=lambda r: (costs[r], -duals[r], r))
        return model.entries[best]


def _meets(rows: Rows, point: np.ndarray) -> bool:
    matrix, low, high = rows
    sums = matrix @ point
    return bool(np.all(sums >= low - EPS) and np.all(sums <= high + EPS))

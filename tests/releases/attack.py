"""An outside statistician's attack on published releases, written apart from the output checker: every published
count of every release of a wave becomes a constraint on the unknown counts of the wave's cross-classes (atoms),
and an integer program (scipy.optimize.milp) finds the smallest and largest value each hidden count can take.

What the attacker is granted (more than a real one has, so the test is stricter): which cross-classes occur (one
variable per combination of stored hour's period, place, group, source and answers that the rows hold), the
rules (a shown count is at least 10 and within 4 of its true value, rounded to a multiple of 5; a count hidden as
"small" is 0 to 9, one hidden as "complement" at least 10), and every release's cut-off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp

from surveyapp.domain.release import ReleaseDocument

SCORED = ("strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree")
COUNTED = {"n_valid": SCORED, "n_agree": SCORED[:2], "n_disagree": SCORED[3:]}
MISSING = ("unknown", "not_answered", "no_source")
THRESHOLD, BASE, BIG = 10, 5, 10**6


@dataclass(frozen=True)
class Count:
    """One published count: the release, where it stands, which units, and what the attacker learns of it."""

    release: str
    where: str  # table / row / column, for the failure message
    mask: np.ndarray  # over the atoms: those it counts (before its release's cut-off)
    low: float
    high: float
    hidden: bool


def atoms(units: pl.DataFrame, cutoffs: Sequence[dt.datetime]) -> pl.DataFrame:
    """The occurring cross-classes with their true counts: `units` (one row per response: stored_hour and the
    attributes) grouped by everything, with `period` (how many cut-offs the unit is not before)."""
    period = sum((pl.col("stored_hour") >= c).cast(pl.Int32) for c in sorted(cutoffs))
    keys = [c for c in units.columns if c not in ("response_id", "stored_hour")]
    return units.with_columns(period=period).group_by("period", *keys).agg(n=pl.len())


def _match(frame: pl.DataFrame, column: str, value: str) -> pl.Series:
    if column not in frame.columns:
        return pl.Series([False] * frame.height)
    return (frame[column].is_null() if value in MISSING else frame[column] == value).fill_null(False)


def _knowledge(value: int | None, reason: str | None) -> tuple[float, float]:
    if value is not None:
        return float(max(THRESHOLD, value - BASE + 1)), float(value + BASE - 1)
    return {"small": (0.0, THRESHOLD - 1.0), "complement": (float(THRESHOLD), float(BIG))}.get(
        reason or "", (0.0, float(BIG)))


def counts_of(document: ReleaseDocument, table: pl.DataFrame, order: int) -> list[Count]:
    """Every count the release published, as a mask over the atoms (those of periods before its cut-off)."""
    before = table["period"] <= order
    out = []
    for published in document.tables:
        spec = published.spec
        for row in published.rows:
            place = pl.Series([True] * table.height) if spec.level == "all" else \
                _match(table, spec.level, str(row["area_code"]))
            hidden = row.get("hidden_columns", {})
            columns = ["responses"] if spec.kind in ("reach", "tracker") else list(COUNTED)
            for column in columns:
                mask = before & place
                if spec.kind == "compare":
                    mask = mask & table[str(row["statement_id"])].is_in(list(COUNTED[column]))
                low, high = _knowledge(row.get(column), hidden.get(column))
                out.append(Count(document.release_id, f"{spec.table_id} {row['area_code']} "
                                 f"{row.get('statement_id', '')} {column}", mask.fill_null(False).to_numpy(), low, high,
                                 row.get(column) is None))
    low, high = _knowledge(None if document.responses_hidden else document.responses, document.responses_hidden)
    out.append(Count(document.release_id, "responses", before.to_numpy(), low, high,
                     document.responses_hidden is not None))
    return out


def pinned(counts: Sequence[Count], truth: np.ndarray) -> list[str]:
    """The hidden counts whose smallest and largest possible values are equal; the true counts must satisfy
    every constraint (else the releases are not what they say)."""
    matrix = np.array([c.mask for c in counts], dtype=float)
    low, high = np.array([c.low for c in counts]), np.array([c.high for c in counts])
    true = matrix @ truth
    wrong = [f"{c.release} {c.where} {t} not in [{c.low}, {c.high}]" for c, t in zip(counts, true, strict=True)
             if not c.low <= t <= c.high]
    assert not wrong, f"true counts outside what was published: {wrong[:5]}"
    constraint = LinearConstraint(matrix, low, high)
    integral, bounds = np.ones(len(truth)), Bounds(0, np.inf)
    found, seen = [], set()
    for count in counts:
        key = count.mask.tobytes()
        if not count.hidden or key in seen:
            continue
        seen.add(key)
        ends = []
        for sign in (1.0, -1.0):
            solved = milp(sign * count.mask.astype(float), constraints=constraint, integrality=integral,
                          bounds=bounds)
            assert solved.success, f"{count.where}: {solved.message}"
            ends.append(round(sign * solved.fun))
        if ends[0] == ends[1]:
            found.append(f"{count.release} {count.where} = {ends[0]}")
    return found

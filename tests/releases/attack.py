"""An outside statistician's attack on published releases, written apart from the output checker: every published
count of every release of a wave becomes a constraint on unknown counts, and an integer program
(scipy.optimize.milp) finds the smallest and largest value each hidden count can take.

The unknowns, one statement at a time (as a count names one statement at most): how many responses of each group
(a combination of the period between cut-offs, place, district, source and equality answers that occurs in the
rows, or that a published count names though no response has it) gave each answer to the statement. What the
attacker is granted: which groups occur (more than a real one knows, so the test is stricter), the rules (a shown
count is at least 10 and within 4 of its true value, rounded to a multiple of 5; a count hidden as "small" is 0 to
9, one hidden as "complement" at least 10), and every release's cut-off.
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
ANSWERS = (*SCORED, "dont_know", None)  # None: not answered
COUNTED = {"n_valid": SCORED, "n_agree": SCORED[:2], "n_disagree": SCORED[3:]}
MISSING = ("unknown", "not_answered", "no_source")
THRESHOLD, BASE, BIG = 10, 5, 10**6


@dataclass(frozen=True)
class Count:
    """One published count: its release (and the period its cut-off closes), which units, and what it tells."""

    where: str  # release, table, row and column, for the failure message
    order: int  # the count holds the units of periods 0..order
    place: tuple[tuple[str, str | None], ...]  # dimension -> value (None: not known)
    statement: str | None
    answers: tuple[str | None, ...]
    low: float
    high: float
    hidden: bool


def _knowledge(value: int | None, reason: str | None) -> tuple[float, float]:
    if value is not None:
        return float(max(THRESHOLD, value - BASE + 1)), float(value + BASE - 1)
    return {"small": (0.0, THRESHOLD - 1.0), "complement": (float(THRESHOLD), float(BIG))}.get(
        reason or "", (0.0, float(BIG)))


def counts_of(document: ReleaseDocument, order: int) -> list[Count]:
    """Every count the release published, read from the document alone."""
    out = []
    for published in document.tables:
        spec = published.spec
        for row in published.rows:
            code = str(row["area_code"]) if "area_code" in row else None
            place = () if spec.level == "all" or code is None else \
                ((spec.level, None if code in MISSING else code),)
            hidden = row.get("hidden_columns", {})
            columns = {"responses": (None, ANSWERS)} if spec.kind in ("reach", "tracker") else \
                {c: (str(row["statement_id"]), a) for c, a in COUNTED.items()}
            for column, (statement, answers) in columns.items():
                low, high = _knowledge(row.get(column), hidden.get(column))
                out.append(Count(f"{document.release_id} {spec.table_id} {code} {row.get('statement_id', '')} "
                                 f"{column}", order, place, statement, answers, low, high, row.get(column) is None))
    low, high = _knowledge(None if document.responses_hidden else document.responses, document.responses_hidden)
    out.append(Count(f"{document.release_id} responses", order, (), None, ANSWERS, low, high,
                     document.responses_hidden is not None))
    return out


def groups(units: pl.DataFrame, cutoffs: Sequence[dt.datetime], dims: Sequence[str],
           counts: Sequence[Count]) -> pl.DataFrame:
    """The groups that occur (`period`, the dimensions), and for each count no group is in, one more: the commonest
    group of its periods with the count's own values (so that a count is never known to be zero for want of a
    group)."""
    period = sum((pl.col("stored_hour") >= c).cast(pl.Int32) for c in sorted(cutoffs))
    found = units.with_columns(period=period).group_by("period", *dims).len().sort("len", descending=True)
    table = found.drop("len")
    for count in counts:
        if _members(table, count).any():
            continue
        extra = found.filter(pl.col("period") <= count.order).row(0, named=True)
        extra.pop("len")
        extra.update(dict(count.place))
        table = pl.concat([table, pl.DataFrame([extra], schema=table.schema)])
    return table


def _members(table: pl.DataFrame, count: Count) -> np.ndarray:
    mask = (table["period"] <= count.order).to_numpy()
    for dim, value in count.place:
        column = table[dim] if dim in table.columns else pl.Series([None] * table.height, dtype=pl.String)
        mask &= (column.is_null() if value is None else column == value).fill_null(False).to_numpy()
    return mask


def _truth(units: pl.DataFrame, table: pl.DataFrame, cutoffs: Sequence[dt.datetime], dims: Sequence[str],
           statement: str) -> np.ndarray:
    """The true number of responses of each group giving each answer (group-major, answer-minor)."""
    period = sum((pl.col("stored_hour") >= c).cast(pl.Int32) for c in sorted(cutoffs))
    keyed = table.with_row_index("group").join(units.with_columns(period=period), on=["period", *dims],
                                               how="inner", nulls_equal=True)
    answer = pl.col(statement).replace_strict({a: i for i, a in enumerate(ANSWERS) if a}, default=None,
                                              return_dtype=pl.Int64).fill_null(len(ANSWERS) - 1)
    flat = keyed.select(pl.col("group").cast(pl.Int64) * len(ANSWERS) + answer.cast(pl.Int64))
    return np.bincount(flat.to_series().to_numpy(), minlength=table.height * len(ANSWERS)).astype(float)


def pinned(units: pl.DataFrame, cutoffs: Sequence[dt.datetime], dims: Sequence[str], counts: Sequence[Count],
           statements: Sequence[str]) -> list[str]:
    """The hidden counts whose smallest and largest possible values are equal, statement by statement; the true
    counts must meet every constraint (else the releases are not what they say)."""
    table = groups(units, cutoffs, dims, counts)
    found: set[str] = set()
    for statement in statements:
        mine = [c for c in counts if c.statement in (None, statement)]
        rows = []
        for count in mine:
            chosen = np.isin(np.array(ANSWERS, dtype=object), np.array(count.answers, dtype=object))
            rows.append(np.kron(_members(table, count), chosen).astype(float))
        matrix, truth = np.array(rows), _truth(units, table, cutoffs, dims, statement)
        true = matrix @ truth
        wrong = [f"{c.where}: {t} not in [{c.low}, {c.high}]" for c, t in zip(mine, true, strict=True)
                 if not c.low <= t <= c.high]
        assert not wrong, f"true counts outside what was published: {wrong[:5]}"
        found |= set(_solve(matrix, mine))
    return sorted(found)


def _solve(matrix: np.ndarray, counts: Sequence[Count]) -> list[str]:
    constraint = LinearConstraint(matrix, [c.low for c in counts], [c.high for c in counts])
    integral, bounds, seen, out = np.ones(matrix.shape[1]), Bounds(0, np.inf), set(), []
    for row, count in zip(matrix, counts, strict=True):
        if not count.hidden or row.tobytes() in seen:
            continue
        seen.add(row.tobytes())
        ends = []
        for sign in (1.0, -1.0):
            solved = milp(sign * row, constraints=constraint, integrality=integral, bounds=bounds)
            assert solved.success, f"{count.where}: {solved.message}"
            ends.append(round(sign * solved.fun))
        if ends[0] == ends[1]:
            out.append(f"{count.where} = {ends[0]}")
    return out

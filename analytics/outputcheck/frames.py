"""From microdata to atoms: the finest classes of units that the cells tell apart, and each cell as a set of them.

An atom of a statement's sub-problem is the units with one period (between earlier releases' cutoffs), one value
of every dimension the cells use and one answer to that statement. Only atoms that occur get a variable: an
attacker told which combinations are empty knows more than a real one, so the check is the stricter for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from analytics.outputcheck.model import (
    CHANGE,
    PAIR_ID,
    RESPONSE_ID,
    STATEMENT_ID,
    STORED_AT,
    Cell,
    EarlierRelease,
    Microdata,
    Population,
)

UNIT = "_unit"
PERIOD = "_period"
GROUP = "_group"  # one value per period and combination of dimensions (the units a response count can tell apart)
HASH = "_hash"
COUNT = "_n"


@dataclass(frozen=True)
class Entry:
    """A cell to be checked: the current release's (`release` None) or an earlier one's, and the last period
    it covers."""

    cell: Cell
    release: str | None
    last_period: int


@dataclass
class Units:
    """One population's units: one row each, with its period, group, hash and one column per statement."""

    population: Population
    frame: pl.DataFrame
    dims: list[str]
    statements: list[str]
    groups: int
    table: pl.DataFrame  # one row per group: GROUP, PERIOD, the dimensions (phantom groups too, with no units)


@dataclass
class Atoms:
    """A sub-problem's atoms (one statement, or none) and its entries as a sparse entries x atoms 0/1 matrix."""

    statement: str | None
    count: np.ndarray  # units in each atom
    group: np.ndarray  # each atom's group (period and dimensions)
    is_null: np.ndarray  # whether the atom's answer to the statement is null (all False without a statement)
    fingerprint: np.ndarray  # XOR of the atom's units' hashes (uint64)
    entries: list[int]  # indices into the check's entry list, one per matrix row
    matrix: sparse.csr_matrix


def _hash(ids: pl.Series) -> np.ndarray:
    return np.array([int.from_bytes(hashlib.blake2b(str(i).encode(), digest_size=8).digest(), "big")
                     for i in ids.to_list()], dtype=np.uint64)


def _wide_pairs(pairs: pl.DataFrame, dims: Sequence[str]) -> pl.DataFrame:
    keep = [c for c in dims if c in pairs.columns]
    units = pairs.group_by(PAIR_ID).agg(pl.col(STORED_AT).max(), *(pl.col(c).first() for c in keep))
    changes = pairs.pivot(on=STATEMENT_ID, index=PAIR_ID, values=CHANGE, aggregate_function="first")
    return units.join(changes, on=PAIR_ID, how="left").rename({PAIR_ID: UNIT})


def units(microdata: Microdata, population: Population, entries: Sequence[Entry],
          cutoffs: Sequence[object]) -> Units | None:
    """The population's units with period (how many cutoffs are at or before each unit's `stored_at`) and group."""
    mine = [e.cell for e in entries if e.cell.population == population]
    if not mine:
        return None
    dims = sorted({dim for c in mine for dim, _ in c.conditions})
    statements = sorted({c.statement for c in mine if c.statement is not None})
    if population == "responses":
        frame = microdata.responses.rename({RESPONSE_ID: UNIT})
    elif microdata.pairs is None:
        raise ValueError("cells count same-family pairs but the microdata has no pairs")
    else:
        frame = _wide_pairs(microdata.pairs, dims)
    missing = [c for c in [*dims, *statements, STORED_AT] if c not in frame.columns]
    if missing:
        raise ValueError(f"the {population} microdata has no column {', '.join(missing)}")
    period = pl.sum_horizontal(*(pl.col(STORED_AT) >= _moment(c, frame.schema[STORED_AT]) for c in cutoffs)) \
        if cutoffs else pl.lit(0)
    frame = frame.select(UNIT, *dims, *statements, period.cast(pl.Int64).alias(PERIOD))
    # Every combination of dimensions that occurs, in every period: whether it also occurs between two cutoffs is
    # just what differencing two releases would tell, so the attacker is not told it.
    occurring = frame.select(*dims).unique() if dims else pl.DataFrame()
    periods = pl.DataFrame({PERIOD: list(range(len(cutoffs) + 1))}, schema={PERIOD: pl.Int64})
    every = periods.join(occurring, how="cross") if dims else periods
    table = with_phantoms(every, frame, dims, [e for e in entries if e.cell.population == population])
    table = table.sort(PERIOD, *dims, nulls_last=True).with_row_index(GROUP).with_columns(pl.col(GROUP).cast(pl.Int64))
    frame = frame.join(table, on=[PERIOD, *dims], how="left", nulls_equal=True)
    frame = frame.with_columns(pl.Series(HASH, _hash(frame[UNIT]), dtype=pl.UInt64))
    return Units(population, frame, dims, statements, table.height, table)


def with_phantoms(table: pl.DataFrame, frame: pl.DataFrame, dims: Sequence[str],
                   entries: Sequence[Entry]) -> pl.DataFrame:
    """The groups that occur, and for each cell that no group is in, one group with no units that is: the
    commonest group of its periods with the cell's own values, so that a count of zero is not known to be zero."""
    common = frame.group_by(PERIOD, *dims).len().sort("len", descending=True)
    for entry in entries:
        inside = table.filter(where_expr(entry.cell) & (pl.col(PERIOD) <= entry.last_period))
        if inside.height:
            continue
        template = common.filter(pl.col(PERIOD) <= entry.last_period)
        base = template.row(0, named=True) if template.height else {PERIOD: 0, **dict.fromkeys(dims)}
        base.pop("len", None)
        base.update({dim: values[0] for dim, values in entry.cell.conditions})
        table = pl.concat([table, pl.DataFrame([base], schema=table.schema)])
    return table.unique(maintain_order=True)


def _moment(cutoff: object, dtype: pl.DataType) -> pl.Expr:
    """A cutoff comparable with `stored_at`: naive UTC for a naive column, as the store keeps them."""
    if isinstance(cutoff, dt.datetime) and isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None and cutoff.tzinfo is not None:
            cutoff = cutoff.astimezone(dt.UTC).replace(tzinfo=None)
        elif dtype.time_zone is not None and cutoff.tzinfo is None:
            cutoff = cutoff.replace(tzinfo=dt.UTC)
    return pl.lit(cutoff)


def is_in(column: str, values: Sequence[object]) -> pl.Expr:
    known = [v for v in values if v is not None]
    test = pl.col(column).is_in(known) if known else pl.lit(False)
    return (test.fill_null(False) | pl.col(column).is_null()) if None in values else test.fill_null(False)


def where_expr(cell: Cell) -> pl.Expr:
    """Whether a unit is in the cell's `where`."""
    expr = pl.lit(True)
    for dim, values in cell.conditions:
        expr = expr & is_in(dim, values)
    return expr


def _match(cell: Cell, statement: str | None) -> pl.Expr:
    expr = where_expr(cell)
    if cell.statement is not None and cell.statement == statement:
        expr = expr & is_in(statement, cell.answers)
    return expr


def _xor(groups: np.ndarray, hashes: np.ndarray, size: int) -> np.ndarray:
    order = np.argsort(groups, kind="stable")
    sorted_groups, sorted_hashes = groups[order], hashes[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]) if len(order) else np.array([], int)
    out = np.zeros(size, dtype=np.uint64)
    if len(order):
        out[sorted_groups[starts]] = np.bitwise_xor.reduceat(sorted_hashes, starts)
    return out


def atoms(pop: Units, statement: str | None, entries: Sequence[Entry], chosen: Sequence[int]) -> Atoms:
    """The atoms that occur (group and answer) and the `chosen` entries (indices into `entries`) as sets of them:
    for each entry's true count, the fingerprint of its units and which cells nest in which."""
    keys = [GROUP, PERIOD, *pop.dims] + ([statement] if statement is not None else [])
    frame = pop.frame.select(*keys, HASH).with_columns(
        _atom=pl.struct(GROUP, *([statement] if statement else [])).rank("dense").cast(pl.Int64).sub(1))
    size = frame["_atom"].n_unique() if frame.height else 0
    fingerprint = _xor(frame["_atom"].to_numpy(), frame[HASH].to_numpy(), size)
    table = frame.group_by("_atom").agg(pl.len().alias(COUNT), *(pl.col(k).first() for k in keys)).sort("_atom")
    exprs = [(_match(entries[i].cell, statement) & (pl.col(PERIOD) <= entries[i].last_period)).alias(f"e{j}")
             for j, i in enumerate(chosen)]
    masks = table.select(exprs).to_numpy().astype(bool) if exprs else np.zeros((table.height, 0), bool)
    matrix = sparse.csr_matrix(masks.T.astype(np.float64))
    is_null = table[statement].is_null().to_numpy() if statement is not None else np.zeros(table.height, bool)
    return Atoms(statement, table[COUNT].to_numpy().astype(np.int64), table[GROUP].to_numpy(), is_null,
                 fingerprint, list(chosen), matrix)


def group_matrix(found: Atoms, groups: int) -> sparse.csr_matrix:
    """groups x atoms: which group each atom is in."""
    size = len(found.count)
    return sparse.csr_matrix((np.ones(size), (found.group, np.arange(size))), shape=(groups, size))


def cutoffs_of(earlier: Sequence[EarlierRelease]) -> list[object]:
    return list(sorted({e.cutoff for e in earlier}))


def entries_of(cells: Sequence[Cell], earlier: Sequence[EarlierRelease]) -> list[Entry]:
    """The current release's cells (covering every period) then each earlier release's, in the order given."""
    cutoffs = cutoffs_of(earlier)
    out = [Entry(c, None, len(cutoffs)) for c in cells]
    for release in earlier:
        last = cutoffs.index(release.cutoff)
        out.extend(Entry(p.cell, release.release_id, last) for p in release.cells)
    return out

"""The attacker's unknowns for one population: how many units each group holds, and how each coarser group answered.

The dimensions fall into components (`analytics.outputcheck.components`), tied by the dimensions every cell
shares. Variables: r_d, the units of each group d of each component (period, the shared dimensions and the
component's own), one component after another; then for each statement X_ca, the units of each coarse group c
(period and the dimensions that statement's cells use) giving answer a, for every answer (zeros and not answered
included). They are tied by sum_a X_ca = sum_{d in c} r_d, statement by statement, so every statement's answers
add up to the same units, and each component's groups add up, shared group by shared group, to the first
component's. Unit counts are sums of r, answer counts sums of X. This is exact, not a relaxation: any r and X
meeting the ties can be split into counts of (group, answer) and joined across components (a transportation
problem on a complete bipartite graph with equal totals always has an integer solution), so the attacker who
knows every finer split can conclude nothing more, and the program is smaller by the ratio of groups to coarse
groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from analytics.outputcheck.components import Component, split
from analytics.outputcheck.frames import GROUP, PERIOD, Entry, Units, is_in, where_expr

COARSE = "_coarse"
VALUE = "_value"
SHARED = "_shared"


@dataclass
class Model:
    """One population's variables (r, then each statement's X), their true values, and its rows: one per entry,
    then the ties (which must equal 0)."""

    groups: int  # how many r variables come first
    count: np.ndarray
    matrix: sparse.csr_matrix
    entries: list[int]


@dataclass
class _Block:
    count: np.ndarray
    answers: sparse.csr_matrix  # this statement's entries x X
    tie_r: sparse.csr_matrix  # coarse groups x the first component's r
    tie_x: sparse.csr_matrix  # coarse groups x X


def _domain(pop: Units, statement: str, entries: Sequence[Entry], rows: Sequence[int]) -> list[object]:
    seen = set(pop.frame[statement].unique().to_list())
    for i in rows:
        seen.update(entries[i].cell.answers)
    seen.add(None)
    return sorted(seen, key=lambda v: (v is None, str(v)))


def _of_group(table: pl.DataFrame, keys: list[str], name: str) -> tuple[pl.DataFrame, np.ndarray]:
    """The distinct `keys` of a component's groups, numbered, and each group's number."""
    coarse = table.select(keys).unique().sort(keys, nulls_last=True).with_row_index(name)
    return coarse, table.join(coarse, on=keys, how="left", nulls_equal=True).sort(GROUP)[name].to_numpy()


def _block(pop: Units, home: Component, statement: str, entries: Sequence[Entry], rows: Sequence[int]) -> _Block:
    """One statement's X: every coarse group (period and the dimensions its cells use) by every answer."""
    keys = [PERIOD, *sorted({dim for i in rows for dim, _ in entries[i].cell.conditions})]
    coarse, of_group = _of_group(home.table, keys, COARSE)
    answers = pl.DataFrame({VALUE: _domain(pop, statement, entries, rows)}, schema={VALUE: pop.frame.schema[statement]})
    cells = coarse.join(answers, how="cross").with_row_index("_x").rename({VALUE: statement})
    units = pop.frame.select(statement).with_columns(pl.Series(COARSE, of_group[home.of_unit], dtype=pl.UInt32))
    found = units.group_by(COARSE, statement).len().join(cells, on=[COARSE, statement], how="inner",
                                                           nulls_equal=True)
    count = np.zeros(cells.height, np.int64)
    count[found["_x"].to_numpy()] = found["len"].to_numpy()
    n_x, n_c, n_r = cells.height, coarse.height, home.groups
    return _Block(count, sparse.csr_matrix(_masks(cells, entries, rows, statement).T.astype(np.float64)),
                  sparse.csr_matrix((-np.ones(n_r), (of_group, np.arange(n_r))), shape=(n_c, n_r)),
                  sparse.csr_matrix((np.ones(n_x), (cells[COARSE].to_numpy(), np.arange(n_x))), shape=(n_c, n_x)))


def _shared_ties(shared: list[str], components: Sequence[Component], starts: Sequence[int], width: int
                 ) -> list[sparse.csr_matrix]:
    """Rows tying each later component's groups, shared group by shared group, to the first component's."""
    if len(components) < 2:
        return []
    keys = [PERIOD, *shared]
    every = pl.concat([c.table.select(keys) for c in components]).unique().sort(keys, nulls_last=True)
    every = every.with_row_index(SHARED)
    margins = []
    for c in components:
        of_group = c.table.join(every, on=keys, how="left", nulls_equal=True).sort(GROUP)[SHARED].to_numpy()
        margins.append(sparse.csr_matrix((np.ones(c.groups), (of_group, np.arange(c.groups))),
                                         shape=(every.height, c.groups)))
    first = _place(margins[0], starts[0], width)
    return [(_place(margin, starts[k], width) - first).tocsr() for k, margin in enumerate(margins) if k]


def model(pop: Units, entries: Sequence[Entry], chosen: Sequence[int]) -> Model:
    """The variables and rows of one population: its unit counts and every statement's answers together."""
    shared, components = split(pop, entries, chosen)
    home = components[0]  # every cell counting answers is in the first component
    starts = np.cumsum([0, *(c.groups for c in components)])
    n_r = int(starts[-1])
    r_count = np.concatenate([np.bincount(c.of_unit, minlength=c.groups) for c in components]).astype(np.int64)
    blocks = {s: _block(pop, home, s, entries, [i for i in chosen if entries[i].cell.statement == s])
              for s in pop.statements}
    offsets = np.cumsum([n_r, *(len(b.count) for b in blocks.values())])
    width = int(offsets[-1])
    order: list[int] = []
    parts = []
    for c, start in zip(components, starts, strict=False):
        unit_rows = [i for i in c.entries if entries[i].cell.statement is None]
        order += unit_rows
        parts.append(_place(sparse.csr_matrix(_masks(c.table, entries, unit_rows, None).T.astype(np.float64)),
                            int(start), width))
    ties = []
    for j, (s, block) in enumerate(blocks.items()):
        order += [i for i in chosen if entries[i].cell.statement == s]
        parts.append(_place(block.answers, int(offsets[j]), width))
        ties.append((_place(block.tie_r, 0, width) + _place(block.tie_x, int(offsets[j]), width)).tocsr())
    ties += _shared_ties(shared, components, [int(s) for s in starts], width)
    rows = sparse.vstack(parts).tocsr()
    position = {e: r for r, e in enumerate(order)}
    rows = rows[[position[i] for i in chosen]]
    matrix = sparse.vstack([rows, *ties]).tocsr() if ties else rows
    count = np.concatenate([r_count, *(b.count for b in blocks.values())])
    return Model(n_r, count, matrix, list(chosen))


def _place(block: sparse.csr_matrix, start: int, width: int) -> sparse.csr_matrix:
    """`block`'s columns placed from `start` in a matrix `width` wide."""
    block = block.tocoo()
    return sparse.csr_matrix((block.data, (block.row, block.col + start)), shape=(block.shape[0], width))


def _masks(table: pl.DataFrame, entries: Sequence[Entry], rows: Sequence[int], statement: str | None) -> np.ndarray:
    """table rows x entries: whether each row is in each entry (its `where`, its periods and, with a statement,
    its answers)."""
    if not rows:
        return np.zeros((table.height, 0), bool)
    exprs = []
    for j, i in enumerate(rows):
        cell = entries[i].cell
        expr = where_expr(cell) & (pl.col(PERIOD) <= entries[i].last_period)
        if statement is not None:
            expr = expr & is_in(statement, cell.answers)
        exprs.append(expr.alias(f"e{j}"))
    return table.select(exprs).to_numpy().astype(bool)

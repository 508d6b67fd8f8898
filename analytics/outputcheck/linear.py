"""The attacker's unknowns for one population: how many units each group holds, and how each coarser group answered.

Variables: r_d, the units of each group d (period and every dimension the cells use), then for each statement
X_ca, the units of each coarse group c (period and the dimensions that statement's cells use) giving answer a,
for every answer (zeros and not answered included). They are tied by sum_a X_ca = sum_{d in c} r_d, statement
by statement, so every statement's answers add up to the same units. Unit counts are sums of r, answer counts sums
of X. This is exact, not a relaxation: any r and X meeting the ties can be split into counts of (group, answer)
(a transportation problem on a complete bipartite graph with equal totals always has an integer solution), so the
attacker who knows every finer split can conclude nothing more, and the program is smaller by the ratio of groups
to coarse groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from analytics.outputcheck.frames import GROUP, PERIOD, Entry, Units, is_in, where_expr

COARSE = "_coarse"
VALUE = "_value"


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
    tie_r: sparse.csr_matrix  # coarse groups x r
    tie_x: sparse.csr_matrix  # coarse groups x X


def _domain(pop: Units, statement: str, entries: Sequence[Entry], rows: Sequence[int]) -> list[object]:
    seen = set(pop.frame[statement].unique().to_list())
    for i in rows:
        seen.update(entries[i].cell.answers)
    seen.add(None)
    return sorted(seen, key=lambda v: (v is None, str(v)))


def _block(pop: Units, statement: str, entries: Sequence[Entry], rows: Sequence[int]) -> _Block:
    """One statement's X: every coarse group (period and the dimensions its cells use) by every answer."""
    keys = [PERIOD, *sorted({dim for i in rows for dim, _ in entries[i].cell.conditions})]
    coarse = pop.table.select(keys).unique().sort(keys, nulls_last=True).with_row_index(COARSE)
    of_group = pop.table.join(coarse, on=keys, how="left", nulls_equal=True).sort(GROUP)[COARSE].to_numpy()
    answers = pl.DataFrame({VALUE: _domain(pop, statement, entries, rows)}, schema={VALUE: pop.frame.schema[statement]})
    cells = coarse.join(answers, how="cross").with_row_index("_x").rename({VALUE: statement})
    units = pop.frame.select(statement).with_columns(pl.Series(COARSE, of_group[pop.frame[GROUP].to_numpy()],
                                                               dtype=pl.UInt32))
    found = units.group_by(COARSE, statement).len().join(cells, on=[COARSE, statement], how="inner",
                                                           nulls_equal=True)
    count = np.zeros(cells.height, np.int64)
    count[found["_x"].to_numpy()] = found["len"].to_numpy()
    n_x, n_c = cells.height, coarse.height
    return _Block(count, sparse.csr_matrix(_masks(cells, entries, rows, statement).T.astype(np.float64)),
                  sparse.csr_matrix((-np.ones(pop.groups), (of_group, np.arange(pop.groups))), shape=(n_c, pop.groups)),
                  sparse.csr_matrix((np.ones(n_x), (cells[COARSE].to_numpy(), np.arange(n_x))), shape=(n_c, n_x)))


def model(pop: Units, entries: Sequence[Entry], chosen: Sequence[int]) -> Model:
    """The variables and rows of one population: its unit counts and every statement's answers together."""
    r_count = np.zeros(pop.groups, np.int64)
    occurring = pop.frame.group_by(GROUP).len()
    r_count[occurring[GROUP].to_numpy()] = occurring["len"].to_numpy()
    unit_rows = [i for i in chosen if entries[i].cell.statement is None]
    blocks = {s: _block(pop, s, entries, [i for i in chosen if entries[i].cell.statement == s])
              for s in pop.statements}
    widths = [pop.groups, *(len(b.count) for b in blocks.values())]
    offsets = np.cumsum([0, *widths])
    order = list(unit_rows)
    parts = [sparse.csr_matrix(_masks(pop.table, entries, unit_rows, None).T.astype(np.float64))]
    ties = []
    for j, (s, block) in enumerate(blocks.items()):
        order += [i for i in chosen if entries[i].cell.statement == s]
        parts.append(_place(block.answers, offsets[j + 1], offsets[-1]))
        ties.append(sparse.hstack([block.tie_r, _place(block.tie_x, offsets[j + 1], offsets[-1])[:, pop.groups:]]))
    unit_part = sparse.hstack([parts[0], sparse.csr_matrix((len(unit_rows), offsets[-1] - pop.groups))])
    rows = sparse.vstack([unit_part, *parts[1:]]).tocsr()
    position = {e: r for r, e in enumerate(order)}
    rows = rows[[position[i] for i in chosen]]
    matrix = sparse.vstack([rows, *ties]).tocsr() if ties else rows
    count = np.concatenate([r_count, *(b.count for b in blocks.values())])
    return Model(pop.groups, count, matrix, list(chosen))


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

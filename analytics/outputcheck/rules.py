"""The rules that look at one cell, one row or two cells: threshold and zeros, one answer, complements."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from analytics.outputcheck.frames import Entry, Units, where_expr
from analytics.outputcheck.model import Answer, Rules


def primary(entries: Sequence[Entry], truth: np.ndarray, rules: Rules) -> dict[int, str]:
    """The current release's cells under the threshold (zeros too, when they are disclosive): entry -> rule."""
    hidden: dict[int, str] = {}
    for i, entry in enumerate(entries):
        if entry.release is not None:
            continue
        if truth[i] == 0 and rules.zeros_disclosive:
            hidden[i] = "zeros"
        elif 0 < truth[i] < rules.threshold:
            hidden[i] = "threshold"
    return hidden


def _one_answer(counts: dict[Answer, int], rules: Rules) -> bool:
    valid = sum(counts.get(a, 0) for a in rules.valid)
    if valid == 0 or (rules.one_answer_below is not None and valid >= rules.one_answer_below):
        return False
    if any(counts.get(a, 0) == valid for a in rules.valid):
        return True
    return any(sum(counts.get(a, 0) for a in group) == valid for group in rules.answer_groups.values())


def one_answer(entries: Sequence[Entry], populations: dict[str, Units], rules: Rules) -> set[int]:
    """The current release's answer cells in rows (table, row, statement, `where`) whose group gave one answer."""
    rows: dict[tuple[object, ...], list[int]] = {}
    for i, entry in enumerate(entries):
        cell = entry.cell
        if entry.release is None and cell.statement is not None:
            rows.setdefault((cell.table_id, cell.row, cell.population, cell.statement, cell.where), []).append(i)
    hidden: set[int] = set()
    for (_, _, population, statement, _), members in rows.items():
        units = populations[str(population)].frame
        found = units.filter(where_expr(entries[members[0]].cell)).group_by(str(statement)).len()
        counts = dict(zip(found[str(statement)].to_list(), found["len"].to_list(), strict=True))
        if _one_answer(counts, rules):
            hidden.update(members)
    return hidden


def complements(matrix: sparse.csr_matrix, count: np.ndarray, threshold: int) -> list[tuple[int, int]]:
    """Rows (a, b) of a sub-problem whose cells nest, b's units inside a's, with 0 < |a| - |b| < threshold."""
    sizes = matrix @ count
    shared = (matrix @ sparse.diags(count.astype(np.float64)) @ matrix.T).tocoo()
    out = []
    for a, b, both in zip(shared.row, shared.col, shared.data, strict=True):
        if a != b and both == sizes[b] and 0 < sizes[a] - sizes[b] < threshold:
            out.append((int(a), int(b)))
    return out


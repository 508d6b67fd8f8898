"""The dimensions an attacker can link, in components, so that each component has its own groups.

A release publishes reach by religion and reach by district, but never religion by district. What those tables
tell about the joint counts is only what they tell about each margin: any religion margin and any district margin
with the same totals (period by period, wave by wave) are the margins of some table of counts (a transportation
problem with equal totals always has an integer solution). So the program need not split the units by every
combination of every dimension (at 10,000 responses and eight dimensions, nearly one group per response): the
dimensions fall into components, two dimensions being in one component when a cell uses both, or when one
determines the other in the data (a district lies in one upper-tier authority: public knowledge, so they are
always linked), and the components are tied only by what every cell shares (the period, and in a release the
wave). Every statement's answers go with the component of the cells that count them, so answers are never split
across components. This is exact against an attacker who knows every published figure and which combinations
of a component's dimensions occur, not only against one who knows less.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from analytics.outputcheck.frames import GROUP, PERIOD, Entry, Units, with_phantoms

ANSWERS = "_answers"  # a pseudo-dimension: every cell counting a statement's answers is in its component


@dataclass
class Component:
    """One component: its dimensions (the shared ones first), one row per group (GROUP numbered from 0 within
    the component, PERIOD, the dimensions; phantom groups too), each unit's group, and the entries it holds."""

    dims: list[str]
    table: pl.DataFrame
    of_unit: np.ndarray
    entries: list[int]

    @property
    def groups(self) -> int:
        return self.table.height


class _Union:
    def __init__(self, items: Sequence[str]) -> None:
        self.parent = {x: x for x in items}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _determines(frame: pl.DataFrame, a: str, b: str) -> bool:
    """Whether each known value of `a` goes with one value of `b` in the data (a district and its county)."""
    known = frame.filter(pl.col(a).is_not_null())
    if not known.height:
        return True
    return int(known.group_by(a).agg(pl.col(b).n_unique().alias("_n"))["_n"].max()) <= 1  # type: ignore[arg-type]


def shared_dims(entries: Sequence[Entry], chosen: Sequence[int]) -> list[str]:
    """The dimensions every chosen cell names: the components are tied by these (and the period)."""
    sets = [{dim for dim, _ in entries[i].cell.conditions} for i in chosen]
    return sorted(set.intersection(*sets)) if sets else []


def split(pop: Units, entries: Sequence[Entry], chosen: Sequence[int]) -> tuple[list[str], list[Component]]:
    """The shared dimensions and the components, the one with the statements' answers (or else the most cells)
    first: cells that name only shared dimensions go there too."""
    shared = shared_dims(entries, chosen)
    own = [d for d in pop.dims if d not in shared]
    links = _Union([*own, ANSWERS])
    named = {i: [d for d, _ in entries[i].cell.conditions if d not in shared]
             + ([ANSWERS] if entries[i].cell.statement is not None else []) for i in chosen}
    for mine in named.values():
        for a, b in itertools.pairwise(mine):
            links.join(a, b)
    for j, a in enumerate(own):
        for b in own[j + 1:]:
            if links.find(a) != links.find(b) and (_determines(pop.frame, a, b) or _determines(pop.frame, b, a)):
                links.join(a, b)
    roots: dict[str, list[int]] = {}
    loose: list[int] = []
    for i, mine in named.items():
        if mine:
            roots.setdefault(links.find(mine[0]), []).append(i)
        else:
            loose.append(i)
    order = sorted(roots, key=lambda r: (r != links.find(ANSWERS), -len(roots[r]), r))
    if not order:
        order = [ANSWERS]
        roots[ANSWERS] = []
    roots[order[0]] = sorted([*roots[order[0]], *loose])
    components = []
    for root in order:
        dims = [*shared, *sorted(d for d in own if links.find(d) == root)]
        components.append(_component(pop, dims, entries, roots[root]))
    return shared, components


def _component(pop: Units, dims: list[str], entries: Sequence[Entry], mine: list[int]) -> Component:
    """The groups of one component: every combination of its dimensions that occurs, in every period (whether it
    also occurs between two cutoffs is what differencing releases would tell, so it is not assumed known), and a
    phantom group for each of its cells that no group is in."""
    periods = pl.DataFrame({PERIOD: sorted(pop.table[PERIOD].unique().to_list())}, schema={PERIOD: pl.Int64})
    every = periods.join(pop.frame.select(*dims).unique(), how="cross") if dims else periods
    table = with_phantoms(every, pop.frame, dims, [entries[i] for i in mine])
    table = table.sort(PERIOD, *dims, nulls_last=True).with_row_index(GROUP).with_columns(pl.col(GROUP).cast(pl.Int64))
    of_unit = pop.frame.select(PERIOD, *dims).join(table, on=[PERIOD, *dims], how="left", nulls_equal=True,
                                                   maintain_order="left")[GROUP].to_numpy()
    return Component(dims, table, of_unit, list(mine))

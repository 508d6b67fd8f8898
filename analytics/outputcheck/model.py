"""What the output checker reads (microdata, the cells a release would publish, earlier releases, the rules) and
what it answers (a decision per cell and a report per rule).

A *cell* is one count a release publishes: how many units of a population (responses, or same-family pairs) match
its `where` (dimension -> value, or any of several values), and, for an answer count, whose answer to `statement`
is one of `answers`. Bases are cells too (the answers that make the base); shares and statistics are `Derived`
from cells and are shown only when every cell they are made from is shown. Names mirror
`surveyapp.domain.release` (`StoppedCell`, `RuleResult`, `How`), which the release builder fills from these;
analytics cannot import it.

Microdata (polars frames, exact, never published):

- `responses`: one row per response: `response_id`, `stored_at` (UTC), the dimensions the plan's `where`s use
  (for example `wave_id`, `utla`, `lad`, `ethnic_group_broad`, `religion`, `source`; null where unknown), and one
  column per Likert statement (named by the statement id) holding the answer id, or null when not answered.
- `pairs`: one row per same-family pair and statement: `pair_id`, `stored_at` (of the later response), the
  dimensions, `statement_id` and `change` (the change, or its group such as "improved"; any value a cell names).

Only responses stored before a release's cutoff are in it: pass the current release's responses, and every earlier
release's cells are counted again from the rows stored before its own cutoff (rows are never changed later).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

import polars as pl

RESPONSE_ID = "response_id"
PAIR_ID = "pair_id"
STORED_AT = "stored_at"
STATEMENT_ID = "statement_id"
CHANGE = "change"

Population = Literal["responses", "pairs"]
How = Literal["suppressed", "merged", "rounded"]
Answer = str | int | None
Where = tuple[tuple[str, tuple[Answer, ...]], ...]
CellRef = tuple[str, tuple[tuple[str, str], ...], str]  # (table_id, row's key columns, column)

# The rules the check reports, in order, with what each means (the report's `description`).
RULES: dict[str, str] = {
    "threshold": "No count or base rests on fewer than 10 responses (or pairs).",
    "zeros": "A count of zero is treated as disclosive, as a small count is.",
    "complement": "No 'all but a group' difference of two published counts (a total minus a shown part) is "
                  "under 10.",
    "one_answer": "No group is shown as all giving one answer (or all agreeing, or all disagreeing).",
    "differencing": "No hidden count can be worked out, by an integer program over every published table of this "
                    "release and every earlier release of the same waves, more closely than its band.",
    "dominance": "Dominance and p-ratio rules apply to magnitude tables (sums of amounts); a release has none.",
    "consistent_rounding": "Every published count is rounded by the keyed cell key: the same responses, the same "
                           "value, in every table and every release.",
}

# A decision's rule -> the row's `hidden` reason (`surveyapp.domain.release.HIDDEN_REASONS`' key). What a reason
# tells a reader is what the check assumes an attacker knows: "small" -> under the threshold; "complement" -> at
# least the threshold (else it would be small); "one_answer" -> nothing about the count itself.
REASONS: dict[str, str] = {"threshold": "small", "zeros": "small", "complement": "complement",
                           "differencing": "complement", "one_answer": "one_answer"}


def _where(where: Mapping[str, Answer | Sequence[Answer]] | Where) -> Where:
    items = where if isinstance(where, tuple) else tuple(where.items())
    out = []
    for dim, value in items:
        values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        out.append((str(dim), values))
    return tuple(sorted(out, key=lambda item: item[0]))


@dataclass(frozen=True)
class Cell:
    """One published count. `row` is its row's key columns (for the report), `column` the column it fills.

    `where` is dimension -> value (or a tuple of values, any of which matches; None matches null). Without
    `statement` it counts the units; with it, the units whose answer (pairs: change) is one of `answers`."""

    table_id: str
    row: Mapping[str, str] | tuple[tuple[str, str], ...]
    column: str
    population: Population = "responses"
    where: Mapping[str, Answer | Sequence[Answer]] | Where = ()
    statement: str | None = None
    answers: tuple[Answer, ...] = ()

    def __post_init__(self) -> None:
        row = self.row if isinstance(self.row, tuple) else tuple(sorted((str(k), str(v)) for k, v in self.row.items()))
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "where", _where(self.where))
        object.__setattr__(self, "answers", tuple(self.answers))
        if self.statement is not None and not self.answers:
            raise ValueError(f"{self.table_id}/{self.column}: a cell with a statement names the answers it counts")

    @property
    def ref(self) -> CellRef:
        return (self.table_id, self.row, self.column)  # type: ignore[return-value]

    @property
    def conditions(self) -> Where:
        """`where`, as (dimension, values) pairs sorted by dimension."""
        return cast(Where, self.where)

    @property
    def row_dict(self) -> dict[str, str]:
        return dict(self.row)


@dataclass(frozen=True)
class Derived:
    """A share or statistic made from cells: shown only when all of `made_of` are shown."""

    table_id: str
    row: Mapping[str, str] | tuple[tuple[str, str], ...]
    column: str
    made_of: tuple[CellRef, ...]

    def __post_init__(self) -> None:
        row = self.row if isinstance(self.row, tuple) else tuple(sorted((str(k), str(v)) for k, v in self.row.items()))
        object.__setattr__(self, "row", row)

    @property
    def ref(self) -> CellRef:
        return (self.table_id, self.row, self.column)  # type: ignore[return-value]


@dataclass(frozen=True)
class Microdata:
    """The exact units of the waves a release covers (see the module docstring for the columns)."""

    responses: pl.DataFrame
    pairs: pl.DataFrame | None = None


@dataclass(frozen=True)
class Published:
    """A cell of an earlier release as it was published: its value, or None and why it was hidden (a rule name,
    or `surveyapp.domain.release.HIDDEN_REASONS`' key: "small" -> fewer than 10, "complement" -> at least 10)."""

    cell: Cell
    value: int | None
    reason: str | None = None


@dataclass(frozen=True)
class EarlierRelease:
    """A published release of the same waves: the responses stored before `cutoff` and what it showed of them."""

    release_id: str
    cutoff: dt.datetime
    cells: Sequence[Published]


@dataclass(frozen=True)
class Rules:
    """The numbers of the rules. `valid` are the answers a group's one-answer test counts (don't know and not
    answered are not among them); `answer_groups` the groups that count as one answer too (all agree, ...)."""

    threshold: int = 10
    base: int = 5  # rounding base
    zeros_disclosive: bool = True
    valid: tuple[Answer, ...] = ("strongly_agree", "tend_to_agree", "neither", "tend_to_disagree",
                                 "strongly_disagree", "improved", "same", "worse")
    answer_groups: Mapping[str, tuple[Answer, ...]] = field(default_factory=lambda: {
        "agree": ("strongly_agree", "tend_to_agree"), "disagree": ("tend_to_disagree", "strongly_disagree")})
    one_answer_below: int | None = None  # the one-answer rule for groups under this size; None: every group
    solve_seconds: float = 20.0  # at most this long for one integer program; unproved counts as not protected
    max_rounds: int = 40  # rounds of complementary suppression before giving up (the rule then fails)


@dataclass(frozen=True)
class Decision:
    """What a release may publish for one cell or derived figure: whether it is shown, a cell's `value`
    (rounded; None when hidden, and for a derived figure, which the builder computes from the shown values), how it
    was changed, and by which rule."""

    ref: CellRef
    shown: bool
    value: int | None
    how: How | None  # None: shown as it is (already a multiple of the base)
    rule: str | None


@dataclass(frozen=True)
class Stopped:
    """A cell the check changed (the fields of `surveyapp.domain.release.StoppedCell`)."""

    table_id: str
    row: dict[str, str]
    column: str
    how: How
    rule: str


@dataclass
class RuleReport:
    """One rule's result (the fields of `surveyapp.domain.release.RuleResult`)."""

    rule: str
    description: str
    passed: bool
    stopped: list[Stopped] = field(default_factory=list)
    detail: str = ""


@dataclass
class Outcome:
    """The check's answer: a decision per cell and derived figure, and the report. `passed` is False while any
    rule fails (a hidden count the check could not protect, or could not prove protected): publishing is refused."""

    decisions: dict[CellRef, Decision]
    rules: list[RuleReport]
    checked_against: list[str]
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rules)

    def decision(self, table_id: str, row: Mapping[str, str], column: str) -> Decision:
        return self.decisions[(table_id, tuple(sorted((str(k), str(v)) for k, v in row.items())), column)]

    def value(self, table_id: str, row: Mapping[str, str], column: str) -> int | None:
        """The published value of a cell (None: hidden)."""
        return self.decision(table_id, row, column).value

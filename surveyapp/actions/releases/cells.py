"""The counts a release publishes, each a cell of the output check, and what the check decided for each."""

from __future__ import annotations

from dataclasses import dataclass, field

from surveyapp.domain.release import How

Key = tuple[tuple[str, str], ...]  # (column, value) pairs, in order
Where = tuple[tuple[str, str | tuple[str, ...] | None], ...]  # dimension -> value (None: null), or any of values


@dataclass(frozen=True)
class Count:
    """One published count: where it stands (table, row key, column), its exact value, and which responses it
    counts (`wave_id` and `where`: dimension -> value over the release's rows; for answer counts the statement
    and the answers counted)."""

    table_id: str
    row: Key
    column: str
    value: int
    wave_id: str
    where: Where = ()
    statement: str | None = None
    answers: tuple[str, ...] | None = None
    population: str = "responses"  # or "pairs" (cohort change)

    @property
    def name(self) -> str:
        """The cell's name by the responses it counts (the same in every table and every release)."""
        where = ",".join(f"{k}={v}" for k, v in self.where)  # the same cell, the same name
        answers = "+".join(self.answers or ())
        return f"{self.population}|{self.wave_id}|{where}|{self.statement or ''}|{answers}"


@dataclass(frozen=True)
class Decision:
    """What the check let out: the published value, or None (hidden), how and by which rule."""

    value: int | None
    how: How | None = None
    rule: str | None = None


@dataclass
class Decisions:
    """Every count's decision, by (table_id, row, column)."""

    by_cell: dict[tuple[str, Key, str], Decision] = field(default_factory=dict)

    def of(self, count: Count) -> Decision:
        return self.by_cell[(count.table_id, count.row, count.column)]

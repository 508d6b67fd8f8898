"""Waves as the service sees them: definitions from disk merged with administrators' changes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Literal
from zoneinfo import ZoneInfo

import duckdb
import msgspec

from surveyapp.store import Store
from waves.loader import Catalogue
from waves.model import Questionnaire, Text, WaveDefinition

UK = ZoneInfo("Europe/London")
WaveKind = Literal["responses", "aggregate"]
WaveState = Literal["open", "closed"]  # an administrator's override of the dates
WaveStatus = Literal["open", "scheduled", "closed"]
WaveSource = Literal["definition", "admin"]
# Stored values read back as their Literal types (the store's schema allows only these).
_KINDS: dict[str, WaveKind] = {"responses": "responses", "aggregate": "aggregate"}
_STATES: dict[str | None, WaveState | None] = {None: None, "open": "open", "closed": "closed"}
_SOURCES: dict[str, WaveSource] = {"definition": "definition", "admin": "admin"}


class WaveError(ValueError):
    """An administrator's wave change that cannot be made; the message says why."""


@dataclass(frozen=True)
class Wave:
    wave_id: str
    questionnaire: Questionnaire
    title: Text
    kind: WaveKind
    opens_on: dt.date
    closes_on: dt.date
    state: WaveState | None  # None follows the dates; "open" or "closed" is an override
    source: WaveSource

    def status(self, today: dt.date) -> WaveStatus:
        """'open', 'scheduled' (not yet open) or 'closed'."""
        if self.kind == "aggregate":
            return "closed"
        if self.state is not None:
            return self.state
        if today < self.opens_on:
            return "scheduled"
        return "open" if today <= self.closes_on else "closed"


class WaveSet:
    """The in-memory view of every wave; changes go through the store's writer, then into this view."""

    def __init__(self, store: Store, catalogue: Catalogue) -> None:
        self._store, self._catalogue = store, catalogue
        self._waves: dict[str, Wave] = {}

    def sync_definitions(self) -> None:
        """Write the waves defined on disk (and aggregate counts) to the store, keeping overrides."""
        catalogue = self._catalogue

        def sync(cursor: duckdb.DuckDBPyConnection) -> None:
            for wave in catalogue.waves:
                cursor.execute(
                    "INSERT INTO waves VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'definition') ON CONFLICT (wave_id) "
                    "DO UPDATE SET questionnaire_id = excluded.questionnaire_id, "
                    "questionnaire_version = excluded.questionnaire_version, title_json = excluded.title_json, "
                    "kind = excluded.kind, opens_on = excluded.opens_on, closes_on = excluded.closes_on",
                    [wave.id, wave.questionnaire, wave.questionnaire_version, json.dumps(wave.title),
                     wave.kind, wave.opens, wave.closes])
            counts = catalogue.aggregate_counts  # noqa: F841 - read by DuckDB's replacement scan
            cursor.execute("DELETE FROM aggregate_counts WHERE wave_id IN (SELECT DISTINCT wave_id FROM counts)")
            cursor.execute("INSERT INTO aggregate_counts SELECT wave_id, question_id, statement_id, answer_id, "
                           "area_level, area_code, n FROM counts")

        self._store.writer.run(sync).result()
        self.reload()

    def reload(self) -> None:
        rows = self._store.rows("SELECT wave_id, questionnaire_id, questionnaire_version, title_json, kind, "
                                "opens_on, closes_on, state, source FROM waves ORDER BY opens_on, wave_id")
        self._waves = {
            r[0]: Wave(r[0], self._catalogue.questionnaire(r[1], r[2]), json.loads(r[3]), _KINDS[r[4]], r[5], r[6],
                       _STATES[r[7]], _SOURCES[r[8]])
            for r in rows
        }

    def all(self) -> list[Wave]:
        return list(self._waves.values())

    def get(self, wave_id: str) -> Wave | None:
        return self._waves.get(wave_id)

    def create(self, definition: WaveDefinition) -> Wave:
        """Add a responses wave (admin)."""
        if definition.id in self._waves:
            raise WaveError(f"wave {definition.id!r} exists already; choose another id")
        if definition.closes < definition.opens:
            raise WaveError(f"closes ({definition.closes}) must be on or after opens ({definition.opens})")
        if (definition.questionnaire, definition.questionnaire_version) not in self._catalogue.questionnaires:
            known = ", ".join(f"{i} v{v}" for i, v in sorted(self._catalogue.questionnaires))
            raise WaveError(f"unknown questionnaire {definition.questionnaire} v{definition.questionnaire_version}; "
                            f"defined: {known}")
        if definition.kind != "responses":
            raise WaveError("only responses waves can be created at run time")
        title = msgspec.to_builtins(definition.title)

        def insert(cursor: duckdb.DuckDBPyConnection) -> None:
            cursor.execute("INSERT INTO waves VALUES (?, ?, ?, ?, 'responses', ?, ?, NULL, 'admin')",
                           [definition.id, definition.questionnaire, definition.questionnaire_version,
                            json.dumps(title), definition.opens, definition.closes])

        self._store.writer.run(insert).result()
        self.reload()
        return self._waves[definition.id]

    def set_state(self, wave_id: str, state: WaveState) -> Wave:
        """Open or close a wave now, whatever its dates say (admin)."""
        wave = self._waves.get(wave_id)
        if wave is None:
            raise KeyError(wave_id)
        if wave.kind == "aggregate":
            raise WaveError(f"{wave_id} holds aggregate counts only; it cannot take responses")

        def update(cursor: duckdb.DuckDBPyConnection) -> None:
            cursor.execute("UPDATE waves SET state = ? WHERE wave_id = ?", [state, wave_id])

        self._store.writer.run(update).result()
        self._waves[wave_id] = replace(wave, state=state)
        return self._waves[wave_id]


def uk_today(now: dt.datetime) -> dt.date:
    """The date in the UK at an aware moment."""
    return now.astimezone(UK).date()

"""Waves as the service sees them: definitions from disk merged with administrators' changes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

from surveyapp.store import Store
from surveyapp.store import waves as stored
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
        stored.write_definitions(self._store, self._catalogue.waves, self._catalogue.aggregate_counts)
        self.reload()

    def reload(self) -> None:
        self._waves = {
            r[0]: Wave(r[0], self._catalogue.questionnaire(r[1], r[2]), json.loads(r[3]), _KINDS[r[4]], r[5], r[6],
                       _STATES[r[7]], _SOURCES[r[8]])
            for r in stored.read_waves(self._store)
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
        stored.add_wave(self._store, definition.id, definition.questionnaire, definition.questionnaire_version,
                        msgspec.to_builtins(definition.title), definition.opens, definition.closes)
        self.reload()
        return self._waves[definition.id]

    def set_dates(self, wave_id: str, opens_on: dt.date, closes_on: dt.date) -> Wave:
        """Move a responses wave's opening and closing dates (admin); they outlast a restart."""
        wave = self._waves.get(wave_id)
        if wave is None:
            raise KeyError(wave_id)
        if wave.kind == "aggregate":
            raise WaveError(f"{wave_id} holds aggregate counts only; its dates cannot be changed")
        if closes_on < opens_on:
            raise WaveError(f"closes ({closes_on}) must be on or after opens ({opens_on})")
        stored.set_dates(self._store, wave_id, opens_on, closes_on)
        self._waves[wave_id] = replace(wave, opens_on=opens_on, closes_on=closes_on)
        return self._waves[wave_id]

    def set_state(self, wave_id: str, state: WaveState) -> Wave:
        """Open or close a wave now, whatever its dates say (admin)."""
        wave = self._waves.get(wave_id)
        if wave is None:
            raise KeyError(wave_id)
        if wave.kind == "aggregate":
            raise WaveError(f"{wave_id} holds aggregate counts only; it cannot take responses")
        stored.set_state(self._store, wave_id, state)
        self._waves[wave_id] = replace(wave, state=state)
        return self._waves[wave_id]


def uk_today(now: dt.datetime) -> dt.date:
    """The date in the UK at an aware moment."""
    return now.astimezone(UK).date()

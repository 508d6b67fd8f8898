"""The waves table and the published (aggregate) counts: what `surveyapp.domain.waves.WaveSet` reads and writes.

Every write goes through the store's one writer, in a transaction of its own."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from surveyapp.store import Store
from waves.model import Text, WaveDefinition

_COLUMNS = "wave_id, questionnaire_id, questionnaire_version, title_json, kind, opens_on, closes_on, state, source"


def write_definitions(store: Store, definitions: Sequence[WaveDefinition], aggregate: pl.DataFrame) -> None:
    """Write the waves defined on disk (keeping administrators' overrides of their state and dates) and replace the
    aggregate counts of the waves `aggregate` has (wave_id, question_id, statement_id, answer_id, area_level,
    area_code, n)."""

    def sync(cursor: duckdb.DuckDBPyConnection) -> None:
        if _written_already(cursor, definitions, aggregate):
            return  # a restart with the same definitions: nothing to write
        for wave in definitions:
            cursor.execute(
                f"INSERT INTO waves ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'definition') "
                "ON CONFLICT (wave_id) DO UPDATE SET questionnaire_id = excluded.questionnaire_id, "
                "questionnaire_version = excluded.questionnaire_version, title_json = excluded.title_json, "
                "kind = excluded.kind, "  # dates an administrator moved (dates_set) stay as they were moved
                "opens_on = CASE WHEN waves.dates_set THEN waves.opens_on ELSE excluded.opens_on END, "
                "closes_on = CASE WHEN waves.dates_set THEN waves.closes_on ELSE excluded.closes_on END",
                [wave.id, wave.questionnaire, wave.questionnaire_version, json.dumps(wave.title),
                 wave.kind, wave.opens, wave.closes])
        counts = aggregate  # noqa: F841 - read by DuckDB's replacement scan
        cursor.execute("DELETE FROM aggregate_counts WHERE wave_id IN (SELECT DISTINCT wave_id FROM counts)")
        cursor.execute("INSERT INTO aggregate_counts SELECT wave_id, question_id, statement_id, answer_id, "
                       "area_level, area_code, n FROM counts")

    store.writer.run(sync).result()


def _written_already(cursor: duckdb.DuckDBPyConnection, definitions: Sequence[WaveDefinition],
                     aggregate: pl.DataFrame) -> bool:
    """Whether the store holds these definitions (as `write_definitions` would leave them) and these counts."""
    stored = {row[0]: row[1:] for row in cursor.execute(
        "SELECT wave_id, questionnaire_id, questionnaire_version, title_json, kind, opens_on, closes_on, dates_set "
        "FROM waves WHERE list_contains(?, wave_id)", [[wave.id for wave in definitions]]).fetchall()}
    for wave in definitions:
        row = stored.get(wave.id)
        if row is None or row[:4] != (wave.questionnaire, wave.questionnaire_version, json.dumps(wave.title),
                                      wave.kind) or (not row[6] and row[4:6] != (wave.opens, wave.closes)):
            return False
    columns = ["wave_id", "question_id", "statement_id", "answer_id", "area_level", "area_code", "n"]
    held = cursor.execute(f"SELECT {', '.join(columns)} FROM aggregate_counts WHERE list_contains(?, wave_id) "
                          "ORDER BY ALL", [aggregate["wave_id"].unique().to_list()]).fetchall()
    return held == sorted(aggregate.select(columns).iter_rows())


def read_waves(store: Store) -> list[tuple[Any, ...]]:
    """Every stored wave, oldest first: wave_id, questionnaire_id, questionnaire_version, title (JSON), kind,
    opens_on, closes_on, state, source."""
    return store.rows(f"SELECT {_COLUMNS} FROM waves ORDER BY opens_on, wave_id")


def add_wave(store: Store, wave_id: str, questionnaire_id: str, questionnaire_version: int, title: Text,
             opens_on: dt.date, closes_on: dt.date) -> None:
    """Store a responses wave an administrator made."""

    def insert(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute(f"INSERT INTO waves ({_COLUMNS}) VALUES (?, ?, ?, ?, 'responses', ?, ?, NULL, 'admin')",
                       [wave_id, questionnaire_id, questionnaire_version, json.dumps(title), opens_on, closes_on])

    store.writer.run(insert).result()


def set_state(store: Store, wave_id: str, state: str) -> None:
    """An administrator's override of the wave's dates: open or closed."""

    def update(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute("UPDATE waves SET state = ? WHERE wave_id = ?", [state, wave_id])

    store.writer.run(update).result()


def set_dates(store: Store, wave_id: str, opens_on: dt.date, closes_on: dt.date) -> None:
    """An administrator's new opening and closing dates, kept over the definition's from now on."""

    def update(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute("UPDATE waves SET opens_on = ?, closes_on = ?, dates_set = true WHERE wave_id = ?",
                       [opens_on, closes_on, wave_id])

    store.writer.run(update).result()

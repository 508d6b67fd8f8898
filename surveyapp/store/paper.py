"""Paper entry's tables: the waves typed in twice, the entries waiting for a second one (or for their
differences to be settled), and who typed each stored form. Every write goes through the store's one writer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from surveyapp.store import Store


def double_entry(store: Store, wave_id: str) -> bool:
    """Whether the wave's paper forms are typed in twice (off unless an administrator switched it on)."""
    rows = store.rows("SELECT double_entry FROM paper_settings WHERE wave_id = ?", [wave_id])
    return bool(rows and rows[0][0])


def set_double_entry(store: Store, wave_id: str, on: bool) -> None:
    _write(store, "INSERT INTO paper_settings VALUES (?, ?) ON CONFLICT (wave_id) DO UPDATE SET "
                  "double_entry = excluded.double_entry", [wave_id, on])


def entries(store: Store, wave_id: str, reference: str) -> list[tuple[Any, ...]]:
    """The form's waiting entries, first then second: entry, entered_by, who_key, entered_at, language,
    fields_json."""
    return store.rows("SELECT entry, entered_by, who_key, entered_at, language, fields_json FROM paper_entries "
                      "WHERE wave_id = ? AND reference = ? ORDER BY entry", [wave_id, reference])


def waiting(store: Store, wave_id: str) -> list[tuple[Any, ...]]:
    """The wave's forms waiting: reference, entries so far (1 or 2), entered_by of the first, oldest first."""
    return store.rows("SELECT reference, count(*), arg_min(entered_by, entry), min(entered_at) FROM paper_entries "
                      "WHERE wave_id = ? GROUP BY reference ORDER BY min(entered_at), reference", [wave_id])


def add_entry(store: Store, wave_id: str, reference: str, entry: int, entered_by: str, who_key: str,
              entered_at: dt.datetime, language: str, fields_json: str) -> bool:
    """Keep a typing as the form's first or second; False when that place was taken meanwhile (two people
    typing the same form at once: the later one is told)."""

    def insert(cursor: duckdb.DuckDBPyConnection) -> bool:
        row = cursor.execute("INSERT INTO paper_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                             [wave_id, reference, entry, entered_by, who_key, entered_at, language,
                              fields_json]).fetchone()
        return bool(row and row[0])

    return bool(store.writer.run(insert).result())


def stored_form(store: Store, wave_id: str, reference: str, response_id: str, first_by: str, second_by: str | None,
                resolved_by: str | None, stored_at: dt.datetime) -> None:
    """Record who typed the stored form in, and drop its waiting entries, in one transaction."""

    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute("DELETE FROM paper_entries WHERE wave_id = ? AND reference = ?", [wave_id, reference])
        cursor.execute("INSERT INTO paper_forms VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       [wave_id, reference, response_id, first_by, second_by, resolved_by, stored_at])

    store.writer.run(write).result()


def _write(store: Store, sql: str, params: list[Any]) -> None:
    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute(sql, params)

    store.writer.run(write).result()

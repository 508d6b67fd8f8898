"""The "You said, we did" table: every version of every entry, appended and never changed (migration 008)."""

from __future__ import annotations

from typing import Any

import duckdb

from surveyapp.store import Store

COLUMNS = ("entry_id", "version", "questionnaire_id", "statement_id", "kind", "text", "why", "since", "expected_by",
           "status", "note", "recorded_at")


class VersionTaken(RuntimeError):
    """Another edit of the entry was stored first: the version asked for is no longer the next one."""


def read_versions(store: Store, entry_id: str | None = None) -> list[dict[str, Any]]:
    """Every stored version (of one entry, or of all), oldest first, as column -> value."""
    where, params = ("WHERE entry_id = ?", [entry_id]) if entry_id is not None else ("", [])
    rows = store.rows(f"SELECT {', '.join(COLUMNS)} FROM said_did {where} "
                      "ORDER BY recorded_at, entry_id, version", params)
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def append_version(store: Store, row: dict[str, Any]) -> None:
    """Store a new version; VersionTaken when `row["version"]` is not the entry's next one (an edit raced it)."""
    values = [row[c] for c in COLUMNS]

    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        found = cursor.execute("SELECT coalesce(max(version), 0) FROM said_did WHERE entry_id = ?",
                               [row["entry_id"]]).fetchall()[0][0]
        if found != row["version"] - 1:
            raise VersionTaken(f"{row['entry_id']} is at version {found}")
        cursor.execute(f"INSERT INTO said_did ({', '.join(COLUMNS)}) "
                       f"VALUES ({', '.join('?' * len(COLUMNS))})", values)

    store.writer.run(write).result()

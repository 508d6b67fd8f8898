"""The outreach sources table, and responses counted by source: what `surveyapp.domain.sources.SourceSet` and
the sources' actions read and write. Every write goes through the store's one writer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl

from surveyapp.store import Store


def read_sources(store: Store) -> list[tuple[Any, ...]]:
    """Every source in the order they were made: source_id, wave_id, name, created_at, retired_at."""
    return store.rows("SELECT source_id, wave_id, name, created_at, retired_at FROM sources "
                      "ORDER BY created_at, rowid")  # rowid: the order they were made


def add_source(store: Store, source_id: str, wave_id: str, name: str, created_at: dt.datetime) -> None:
    _write(store, "INSERT INTO sources VALUES (?, ?, ?, ?, NULL)", [source_id, wave_id, name, created_at])


def rename_source(store: Store, source_id: str, name: str) -> None:
    _write(store, "UPDATE sources SET name = ? WHERE source_id = ?", [name, source_id])


def retire_source(store: Store, source_id: str, retired_at: dt.datetime) -> None:
    _write(store, "UPDATE sources SET retired_at = ? WHERE source_id = ?", [retired_at, source_id])


def _write(store: Store, sql: str, params: list[Any]) -> None:
    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute(sql, params)

    store.writer.run(write).result()


def responses_by_source(store: Store, wave_id: str) -> pl.DataFrame:
    """The wave's responses that came through a source, per source: wave_id, area_code (the source id),
    responses (as reach by source counts them, for the same rounding)."""
    return store.frame(
        "SELECT wave_id, source_id AS area_code, count(*) AS responses FROM responses WHERE wave_id = ? "
        "AND source_id IS NOT NULL GROUP BY ALL", [wave_id]).cast({"wave_id": pl.String, "area_code": pl.String,
                                                                  "responses": pl.Int64})

"""The DuckDB store: one file, one connection per process, reads as Polars frames."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from surveyapp.store.migrations import migrate
from surveyapp.store.writer import Writer

# DuckDB's own memory (its cache of the file's blocks, hash tables of joins and groupings) stays under this; a
# larger query spills to <database>.tmp. DuckDB's default, 80% of the machine, would let one analysis of a
# large wave crowd out everything else on a shared server. `Store(memory_limit=...)` sets another.
MEMORY_LIMIT = "1GB"


class StoreLockedError(RuntimeError):
    """Another process (usually the running service) holds the database file."""


class Store:
    """Owns the process's one DuckDB connection; reads use a cursor each, writes go through `writer`."""

    def __init__(self, path: Path, *, batch_max: int = 512, max_per_code: int = 3,
                 memory_limit: str | None = MEMORY_LIMIT) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": memory_limit} if memory_limit else {}
        try:
            self._conn = duckdb.connect(str(path), config=config)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreLockedError(
                    f"{path} is in use by another process (is `surveyapp serve` running?); "
                    "use the running service instead") from None
            raise
        self.path = path
        self.applied_migrations = migrate(self._conn)
        self.writer = Writer(self._conn, batch_max=batch_max, max_per_code=max_per_code)
        self.writer.start()

    def close(self) -> None:
        """Drain the writer, checkpoint and close."""
        self.writer.stop()
        self._conn.execute("CHECKPOINT")
        self._conn.close()

    def frame(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> pl.DataFrame:
        """Run a read query on a cursor of its own and return a Polars frame (positional `?` parameters from
        a sequence; named `$parameters` from a mapping, of which those the query does not use are left out)."""
        cursor = self._conn.cursor()
        try:
            frame: pl.DataFrame = cursor.sql(sql, params=_params(sql, params)).pl()
            return frame
        finally:
            cursor.close()

    def frame_after(self, steps: Sequence[str], sql: str, params: Mapping[str, Any]) -> pl.DataFrame:
        """Run `steps` (e.g. CREATE TEMP TABLE ... AS ..., whose exact sizes then guide the planner's join
        order), then the read query `sql`, all on one cursor of their own; the temporary tables end with it.
        Each statement gets the named parameters of `params` it refers to."""
        cursor = self._conn.cursor()
        try:
            for step in steps:
                cursor.execute(step, _named(step, params))
            frame: pl.DataFrame = cursor.sql(sql, params=_named(sql, params)).pl()
            return frame
        finally:
            cursor.close()

    def rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        cursor = self._conn.cursor()
        try:
            return cursor.execute(sql, _params(sql, params) or []).fetchall()
        finally:
            cursor.close()

    def backup(self, destination: Path) -> Path:
        """Write a consistent copy of the database to `destination` (a new file) while serving."""
        destination = destination.resolve()
        if destination.exists():
            raise FileExistsError(f"{destination} exists; choose a new file name")
        destination.parent.mkdir(parents=True, exist_ok=True)
        tmp = destination.with_name(destination.name + ".partial")
        tmp.unlink(missing_ok=True)

        def copy(cursor: duckdb.DuckDBPyConnection) -> None:
            # Inside the writer's transaction no other write can land, so the copy is one consistent state.
            source = cursor.execute("SELECT current_database()").fetchall()[0][0]
            cursor.execute(f"ATTACH '{_sql_path(tmp)}' AS backup_target")
            try:
                cursor.execute(f'COPY FROM DATABASE "{source}" TO backup_target')
            finally:
                cursor.execute("DETACH backup_target")

        self.writer.run(_without_transaction(copy)).result()
        tmp.rename(destination)
        return destination


def _params(sql: str, params: Sequence[Any] | Mapping[str, Any] | None) -> list[Any] | dict[str, Any] | None:
    if not params:
        return None
    return _named(sql, params) if isinstance(params, Mapping) else list(params)


def _named(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The named parameters a statement refers to (DuckDB refuses any it does not use)."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _without_transaction(action: Any) -> Any:
    """ATTACH cannot run inside a transaction: end the writer's, run, and open another for it to close."""
    def run(cursor: duckdb.DuckDBPyConnection) -> Any:
        cursor.execute("COMMIT")
        try:
            return action(cursor)
        finally:
            cursor.execute("BEGIN TRANSACTION")
    return run


def restore(backup: Path, database: Path) -> None:
    """Replace the database file with a backup (the service must be stopped)."""
    if not backup.is_file():
        raise FileNotFoundError(f"{backup} does not exist")
    check = duckdb.connect(str(backup), read_only=True)
    try:
        check.execute("SELECT count(*) FROM responses").fetchone()
    finally:
        check.close()
    probe = duckdb.connect(str(database))  # fails while the service holds the file
    probe.close()
    wal = database.with_name(database.name + ".wal")
    wal.unlink(missing_ok=True)
    tmp = database.with_name(database.name + ".restoring")
    shutil.copyfile(backup, tmp)
    tmp.replace(database)


def hour_of(moment: dt.datetime) -> dt.datetime:
    """Cut a time to its hour (in UTC): no finer time is stored."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

"""The DuckDB store: one file, one connection per process, reads as Polars frames."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from surveyapp.store.migrations import migrate
from surveyapp.store.writer import Writer


class StoreLockedError(RuntimeError):
    """Another process (usually the running service) holds the database file."""


class Store:
    """Owns the process's one DuckDB connection; reads use a cursor each, writes go through `writer`."""

    def __init__(self, path: Path, *, batch_max: int = 512, max_per_code: int = 3) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = duckdb.connect(str(path))
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

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        """Run a read query on a cursor of its own and return a Polars frame."""
        cursor = self._conn.cursor()
        try:
            frame: pl.DataFrame = cursor.sql(sql, params=list(params) if params else None).pl()
            return frame
        finally:
            cursor.close()

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        cursor = self._conn.cursor()
        try:
            return cursor.execute(sql, params or []).fetchall()
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
        os.chmod(tmp, 0o600)  # the umask already made it so; a backup holds every answer, so say it twice
        tmp.rename(destination)
        return destination


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
    os.chmod(tmp, 0o600)
    tmp.replace(database)


def hour_of(moment: dt.datetime) -> dt.datetime:
    """Cut a time to its hour (in UTC): no finer time is stored."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

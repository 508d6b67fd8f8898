"""The DuckDB store: one file, one connection per process, reads as Polars frames."""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from surveyapp.store import verify
from surveyapp.store.failures import StoreUnavailable, disk_full, invalidated
from surveyapp.store.migrations import migrate
from surveyapp.store.writer import Writer

log = logging.getLogger("surveyapp.store")

# DuckDB's own memory (its cache of the file's blocks, hash tables of joins and groupings) stays under this; a
# larger query spills to <database>.tmp. DuckDB's default, 80% of the machine, would let one analysis of a
# large wave crowd out everything else on a shared server. `Store(memory_limit=...)` sets another.
MEMORY_LIMIT = "1GB"


class StoreLockedError(RuntimeError):
    """Another process (usually the running service) holds the database file."""


def _held(exc: duckdb.IOException) -> bool:
    return "lock" in str(exc).lower()


def held_elsewhere(path: Path) -> bool:
    """Whether another process (usually the running service) holds the database file, asked before anything
    is built on it: the file is opened and closed again at once when it is free (and not made when missing)."""
    if not path.exists():
        return False
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as exc:
        if _held(exc):
            return True
        raise
    return False


class Store:
    """Owns the process's one DuckDB connection; reads use a cursor each, writes go through `writer`."""

    def __init__(self, path: Path, *, batch_max: int = 512, max_per_code: int = 3,
                 memory_limit: str | None = MEMORY_LIMIT) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._config: dict[str, str | bool | int | float | list[str]] = (
            {"memory_limit": memory_limit} if memory_limit else {})
        try:
            self._conn = duckdb.connect(str(path), config=self._config)
        except duckdb.IOException as exc:
            if _held(exc):
                raise StoreLockedError(
                    f"{path} is in use by another process (is `surveyapp serve` running?); "
                    "use the running service instead") from None
            raise
        self._conn.execute("SET enable_progress_bar = false")  # cursors inherit it: no bars on stderr
        self.applied_migrations = migrate(self._conn)
        self.writer = Writer(self._conn, batch_max=batch_max, max_per_code=max_per_code, database=path,
                             reopen=self._reopen)
        self.writer.start()

    @property
    def problem(self) -> str | None:
        """Why the database cannot be used just now (invalidated after a failed write, or its disk full), or
        None when it can; the writer clears it when it has re-opened the file."""
        return self.writer.problem

    def _reopen(self) -> duckdb.DuckDBPyConnection:
        """Close the connection (and every cursor of it) and open the file again, which replays its write-ahead
        log: the only way back from an invalidated database short of restarting the process. Writer thread only."""
        with contextlib.suppress(duckdb.Error):
            self._conn.close()
        self._conn = duckdb.connect(str(self.path), config=self._config)
        self._conn.execute("SET enable_progress_bar = false")
        return self._conn

    def close(self) -> None:
        """Drain the writer, checkpoint and close."""
        self.writer.stop()
        try:
            self._conn.execute("CHECKPOINT")
        except duckdb.Error as exc:  # the write-ahead log holds every commit; the next start replays it
            log.warning("no checkpoint at shutdown (%s); the next start replays the write-ahead log",
                        str(exc).splitlines()[0])
        with contextlib.suppress(duckdb.Error):
            self._conn.close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for a read; StoreUnavailable (a 503) while the database cannot be used."""
        problem = self.writer.problem
        if problem is not None:
            raise StoreUnavailable(f"{problem}; try again in a minute")
        try:
            cursor = self._conn.cursor()
        except duckdb.Error as exc:  # closed by the writer re-opening the file a moment ago
            raise StoreUnavailable("the database is being re-opened; try again in a minute") from exc
        try:
            yield cursor
        except (duckdb.FatalException, duckdb.ConnectionException) as exc:
            if invalidated(exc):
                self.writer.report(exc)
            raise StoreUnavailable(f"{self.writer.problem or 'the database is being re-opened'}; "
                                   "try again in a minute") from exc
        finally:
            with contextlib.suppress(duckdb.Error):
                cursor.close()

    def settle(self) -> None:
        """Bring the derived tables up to date before a read of them (`Writer.settle`)."""
        self.writer.settle().result()

    def frame(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> pl.DataFrame:
        """Run a read query on a cursor of its own and return a Polars frame (positional `?` parameters from
        a sequence; named `$parameters` from a mapping, of which those the query does not use are left out)."""
        with self._reading() as cursor:
            frame: pl.DataFrame = cursor.sql(sql, params=_params(sql, params)).pl()
            return frame

    def rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self._reading() as cursor:
            return cursor.execute(sql, _params(sql, params) or []).fetchall()

    def backup(self, destination: Path, *, key: Path | None = None) -> Path:
        """Write a consistent copy of the database to `destination` (a new file) while serving, with a copy of
        the return-code key `key` beside it (`backup_key_path`) and its manifest (`verify.manifest_path`: every
        table's rows and checksum, and the file's SHA-256). The copy is verified by opening it read-only and
        checking every table against the database as copied (BackupUnverified if not). All are written as
        `.partial` files and renamed when complete; on any failure they are removed, and a full disk raises
        StorageFull."""
        destination = destination.resolve()
        key_copy, manifest = backup_key_path(destination), verify.manifest_path(destination)
        for target in (destination, key_copy, manifest):
            if target.exists():
                raise FileExistsError(f"{target} exists; choose a new file name")
        destination.parent.mkdir(parents=True, exist_ok=True)
        tmp, key_tmp, manifest_tmp = _partial(destination), _partial(key_copy), _partial(manifest)
        unfinished = (tmp, tmp.with_name(tmp.name + ".wal"), key_tmp, manifest_tmp)
        for path in unfinished:
            path.unlink(missing_ok=True)

        def copy(cursor: duckdb.DuckDBPyConnection) -> verify.Figures:
            # Inside the writer's transaction no other write can land, so the copy is one consistent state.
            source = cursor.execute("SELECT current_database()").fetchall()[0][0]
            cursor.execute(f"ATTACH '{_sql_path(tmp)}' AS backup_target")
            try:
                cursor.execute(f'COPY FROM DATABASE "{source}" TO backup_target')
            finally:
                cursor.execute("DETACH backup_target")
            return verify.table_figures(cursor)  # still no write: the figures are those of what was copied

        written: list[Path] = []
        try:
            if key is not None:
                shutil.copyfile(key, key_tmp)
                os.chmod(key_tmp, 0o600)
            figures = self.writer.run(_without_transaction(copy)).result()
            os.chmod(tmp, 0o600)  # the umask already made it so; a backup holds every answer, so say it twice
            verify.verify_copy(tmp, figures)
            verify.write_manifest(manifest_tmp, tmp, destination.name, figures)
            if key is not None:
                key_tmp.rename(key_copy)
                written.append(key_copy)
            manifest_tmp.rename(manifest)
            written.append(manifest)
            tmp.rename(destination)
        except BaseException as exc:
            for path in (*unfinished, *written):  # a key without its backup would only mislead
                path.unlink(missing_ok=True)
            if disk_full(exc):  # the path goes to the log only: a 503's detail names no folder of the server
                log.error("the disk holding %s is full, so no backup was written", destination.parent)
                raise StorageFull(
                    "the disk holding the backups folder is full, so no backup was written (the unfinished "
                    "copy was removed); free some space there, e.g. by moving older backups to other storage, "
                    "then back up again") from exc
            raise
        return destination


def _params(sql: str, params: Sequence[Any] | Mapping[str, Any] | None) -> list[Any] | dict[str, Any] | None:
    if not params:
        return None
    return _named(sql, params) if isinstance(params, Mapping) else list(params)


def _named(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The named parameters a statement refers to (DuckDB refuses any it does not use)."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}


class StorageFull(OSError):
    """A write failed because the disk is full; nothing half-written was left."""


KEY_SUFFIX = ".return-code.key"
UNFINISHED = (".partial", ".partial.wal", ".restoring")  # a manifest's unfinished copy ends .partial too


def backup_key_path(backup: Path) -> Path:
    """Where a backup's return-code key is kept: beside it, `<backup>.return-code.key` (0600)."""
    return backup.with_name(backup.name + KEY_SUFFIX)


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def sweep_unfinished(backups: Path) -> list[Path]:
    """Remove what a killed backup left in `backups` (its `.partial` files); the names of what was removed.

    Run at start-up, once the database is held: no backup of it can be running then."""
    if not backups.is_dir():
        return []
    removed = sorted(p for p in backups.iterdir() if p.is_file() and p.name.endswith(UNFINISHED))
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


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


class RestoreRefused(RuntimeError):
    """The backup cannot be restored as things are; the message says what to do."""


def _read_key(path: Path) -> str:
    text = path.read_text().strip()
    try:
        if len(bytes.fromhex(text)) >= 32:
            return text
    except ValueError:
        pass
    raise RestoreRefused(f"{path} is not a return-code key (64 or more hex digits); put the key the backup was "
                         "made with there")


def restore(backup: Path, database: Path, key: Path) -> None:
    """Replace the database file with a backup, and the return-code key `key` with the backup's when there is
    none (the service must be stopped).

    Codes are stored as hashes under the key, so the backup must come back with the key it was made with:
    the one beside it (`backup_key_path`). A restore is refused when that key is missing, or when this machine
    already has another key, saying how to proceed; nothing is changed then."""
    if not backup.is_file():
        raise FileNotFoundError(f"{backup} does not exist")
    check = duckdb.connect(str(backup), read_only=True)
    try:
        check.execute("SELECT count(*) FROM responses").fetchone()
    finally:
        check.close()
    theirs_path = backup_key_path(backup)
    if not theirs_path.is_file():
        raise RestoreRefused(
            f"{theirs_path} is missing: a backup must be restored with the return-code key it was made with, or "
            "codes typed later no longer link and retried submissions are refused. Put that key there (if this "
            f"machine's key was in use when the backup was made: `cp {key} {theirs_path}`) and restore again")
    theirs = _read_key(theirs_path)
    if key.exists() and not hmac.compare_digest(_read_key(key).encode(), theirs.encode()):
        raise RestoreRefused(
            f"the backup was made with another return-code key than this machine's {key}. To go back to the "
            f"backup's key, move {key} aside (keep it: responses stored since it was made are hashed with it), "
            "then restore again; the backup's key is put in its place")
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    probe = duckdb.connect(str(database))  # fails while the service holds the file
    probe.close()
    if not key.exists():
        key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(theirs)
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

"""Numbered SQL migrations and the small runner that records what it applied."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb

from surveyapp.store import derived

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# Data steps that run after a migration's SQL, in its transaction: filling a new table from what is stored.
AFTER: Mapping[str, Callable[[duckdb.DuckDBPyConnection], None]] = {
    "002_likert_tallies.sql": derived.backfill, "005_child_key.sql": derived.fill_child_columns}


class NewerStore(RuntimeError):
    """The database holds migrations this release does not know: it was upgraded by a newer one."""


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """The migration files in order; a badly named file is an error, not skipped."""
    files = sorted(directory.glob("*.sql"))
    for path in files:
        if not _NAME.match(path.name):
            raise ValueError(f"{path}: migration files are named NNN_description.sql")
    return files


def migrate(conn: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR,
            after: Mapping[str, Callable[[duckdb.DuckDBPyConnection], None]] = AFTER) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction with its data step (`after`);
    return their names."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                 "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)")
    done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations").fetchall()}
    files = migration_files(directory)
    unknown = sorted(done - {path.name for path in files})
    if unknown:  # an older release on a newer store would read and write a schema it does not know
        raise NewerStore(f"the database was upgraded by a newer release (migrations {', '.join(unknown)}, which "
                         "this one does not have): run that release, or restore the backup taken before the upgrade")
    applied = []
    for path in files:
        if path.name in done:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(path.read_text(encoding="utf-8"))
            if path.name in after:
                after[path.name](conn)
            conn.execute("INSERT INTO schema_migrations (name) VALUES (?)", [path.name])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        applied.append(path.name)
    return applied

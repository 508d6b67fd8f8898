"""Numbered SQL migrations and the small runner that records what it applied."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """The migration files in order; a badly named file is an error, not skipped."""
    files = sorted(directory.glob("*.sql"))
    for path in files:
        if not _NAME.match(path.name):
            raise ValueError(f"{path}: migration files are named NNN_description.sql")
    return files


def migrate(conn: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; return their names."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                 "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)")
    done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for path in migration_files(directory):
        if path.name in done:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO schema_migrations (name) VALUES (?)", [path.name])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        applied.append(path.name)
    return applied

"""What a backup holds, table by table: row counts and order-free checksums, recorded beside it (its manifest)
and checked again by opening the copy read-only."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import duckdb

MANIFEST_SUFFIX = ".manifest.json"
Figures = dict[str, dict[str, int]]  # table -> {"rows": n, "checksum": 64-bit}


class BackupUnverified(RuntimeError):
    """A backup's copy does not hold what it should (rows or checksums differ, or it cannot be opened)."""


def manifest_path(backup: Path) -> Path:
    """Where a backup's manifest is kept: beside it, `<backup>.manifest.json`."""
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def table_figures(cursor: duckdb.DuckDBPyConnection) -> Figures:
    """Each base table's row count and checksum in the cursor's database: the sum, modulo 2**64, of DuckDB's
    hash of every row, so the same rows in any order give the same checksum, and a row changed, doubled or
    swapped for another changes it. (DuckDB's hash may differ between its versions: see `read_manifest`.)"""
    names = [row[0] for row in cursor.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name").fetchall()]
    figures: Figures = {}
    for name in names:
        rows, checksum = cursor.execute(
            f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) % {1 << 64} '
            f'FROM main."{name}" AS t').fetchall()[0]
        figures[name] = {"rows": int(rows), "checksum": int(checksum)}
    return figures


def file_figures(path: Path) -> Figures:
    """`table_figures` of a database file, opened read-only (so the copy is opened as a restore would)."""
    try:
        conn = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise BackupUnverified(f"{path} cannot be opened as a database: {str(exc).splitlines()[0]}") from None
    try:
        return table_figures(conn)
    finally:
        conn.close()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def differences(expected: Mapping[str, Mapping[str, int]], found: Mapping[str, Mapping[str, int]]) -> list[str]:
    """What differs between two sets of figures, one line a table; empty when they agree."""
    lines = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None:
            lines.append(f"{table}: {'missing from the copy' if got is None else 'not in the original'}")
        elif want["rows"] != got["rows"]:
            lines.append(f"{table}: {got['rows']} rows, {want['rows']} expected")
        elif want["checksum"] != got["checksum"]:
            lines.append(f"{table}: {got['rows']} rows as expected, but their checksum differs")
    return lines


def verify_copy(copy: Path, expected: Figures) -> None:
    """Open the copy read-only and check every table's rows and checksum against the original's figures."""
    found = differences(expected, file_figures(copy))
    if found:
        raise BackupUnverified(f"the copy {copy.name} does not match the database: " + "; ".join(found))


def write_manifest(target: Path, backup: Path, name: str, figures: Figures) -> None:
    """The manifest of the backup `name` (its file now at `backup`): the file's SHA-256 and every table's
    figures, written (0600) to `target`."""
    body = json.dumps({"file": name, "sha256": sha256_of(backup), "duckdb": duckdb.__version__, "tables": figures},
                      indent=1)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(body + "\n")


def read_manifest(path: Path) -> tuple[str, Figures, bool]:
    """A manifest's file checksum, its figures, and whether its table checksums can be compared here (they were
    made by this DuckDB version); BackupUnverified when it is missing or not one."""
    try:
        body = json.loads(path.read_text())
        return str(body["sha256"]), {t: {"rows": int(f["rows"]), "checksum": int(f["checksum"])}
                                     for t, f in body["tables"].items()}, body.get("duckdb") == duckdb.__version__
    except FileNotFoundError:
        raise BackupUnverified(f"{path} is missing: the backup's manifest (its row counts and checksums) is kept "
                               "beside it; copy it there with the backup") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupUnverified(f"{path} is not a backup manifest") from None

"""Migrations carry a store forward with every stored row: a store written by an older version opens in this one
with nothing lost, and gains what the new version stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from surveyapp.store import Store
from surveyapp.store.migrations import MIGRATIONS_DIR, migrate

_ROW = ("r-1", "2026-autumn", "sub-00000001", "f" * 20, "2026-10-02 09:00:00", "CT9", "E07000114", "in_area",
        "k" * 20, "en", "form")
_COLUMNS = ("response_id, wave_id, submission_id, fingerprint, submitted_hour, postcode_district, lad_code, "
            "area_status, cohort_key, language, channel, source_id")


def _store_before(version: str, tmp_path: Path) -> Path:
    """A store made by the migrations up to `version` (inclusive), holding one response and its answer."""
    older = tmp_path / "older-migrations"
    older.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if path.name[:3] <= version:
            shutil.copy(path, older / path.name)
    database = tmp_path / "data" / "surveyapp.duckdb"
    database.parent.mkdir()
    conn = duckdb.connect(str(database))
    migrate(conn, older)
    conn.execute(f"INSERT INTO responses VALUES ({', '.join('?' * len(_ROW))})", list(_ROW))
    conn.execute("INSERT INTO answers VALUES ('r-1', 'q7', 'health_met', 'tend_to_agree', NULL)")
    conn.close()
    return database


def test_migration_004_keeps_every_response_and_adds_sources_and_staff_channels(tmp_path: Path) -> None:
    database = _store_before("003", tmp_path)
    store = Store(database)
    try:
        assert "004_sources_channels.sql" in store.applied_migrations
    finally:
        store.close()
    conn = duckdb.connect(str(database))
    try:
        kept = conn.execute("SELECT response_id, wave_id, submission_id, postcode_district, lad_code, channel, "
                            "source_id FROM responses").fetchall()
        assert kept == [("r-1", "2026-autumn", "sub-00000001", "CT9", "E07000114", "form", None)]
        assert conn.execute("SELECT count(*) FROM answers").fetchone() == (1,)
        for channel in ("paper", "phone"):  # entered by staff: now a channel a response can have
            conn.execute(f"INSERT INTO responses ({_COLUMNS}) VALUES (?, '2026-autumn', NULL, 'f', "
                         "'2026-10-02 10:00:00', NULL, NULL, 'unknown', 'k', 'en', ?, NULL)", [f"r-{channel}", channel])
        with pytest.raises(duckdb.ConstraintException):
            conn.execute(f"INSERT INTO responses ({_COLUMNS}) VALUES ('r-x', '2026-autumn', NULL, 'f', "
                         "'2026-10-02 10:00:00', NULL, NULL, 'unknown', 'k', 'en', 'email', NULL)")
        with pytest.raises(duckdb.ConstraintException):  # a submission id is still stored once per wave
            conn.execute(f"INSERT INTO responses ({_COLUMNS}) VALUES ('r-y', '2026-autumn', 'sub-00000001', 'f', "
                         "'2026-10-02 10:00:00', NULL, NULL, 'unknown', 'k', 'en', 'api', NULL)")
        assert conn.execute("SELECT count(*) FROM sources").fetchone() == (0,)
    finally:
        conn.close()

"""Issue 11, defects 11, 12, 14 and the full-disk backup of 9: the data on disk is the owner's alone, a backup
carries its return-code key, a restore never silently changes the key, and no failed backup is left behind."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import httpx
import pytest

from bench.harness import ADMIN_TOKEN, SUBMIT_PATH, ServerProcess


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def submit(client: httpx.Client, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        response = client.post(SUBMIT_PATH, json={"answers": {"q7": {"health_met": "tend_to_agree"}},
                                                  "postcode": "ME14 1XX", "submission_id": str(uuid.uuid4())})
        assert response.status_code == 201, response.text
        ids.append(response.json()["response_id"])
    return ids


# --- 11. Data files are 0600 and directories 0700; a file others can read stops start-up ---


def test_the_database_its_wal_and_backups_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            submit(c, 3)
            wal = data / "surveyapp.duckdb.wal"
            assert wal.exists()  # the commits are in the write-ahead log until the next checkpoint
            assert mode(wal) == 0o600
            made = c.post("/api/v1/admin/backup", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
            assert made.status_code == 201, made.text
        backup = Path(made.json()["path"])
    finally:
        server.stop()
    assert mode(data) == 0o700 and mode(data / "secrets") == 0o700 and mode(backup.parent) == 0o700
    for path in (data / "surveyapp.duckdb", backup, *(data / "secrets").iterdir()):
        assert mode(path) == 0o600, path


def test_a_data_file_others_can_read_stops_start_up_saying_how_to_fix_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ServerProcess(data).start().stop()
    os.chmod(data / "surveyapp.duckdb", 0o644)  # as an earlier version left it
    with pytest.raises(RuntimeError, match=r"surveyapp\.duckdb.*chmod -R go-rwx"):
        ServerProcess(data).start(timeout=60)
    os.chmod(data, 0o755)  # noqa: S103 - a directory is made private again at start-up: it holds no data itself
    os.chmod(data / "surveyapp.duckdb", 0o600)
    ServerProcess(data).start().stop()
    assert mode(data) == 0o700

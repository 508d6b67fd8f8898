"""Issue 11, defects 11, 12, 14 and the full-disk backup of 9: the data on disk is the owner's alone, a backup
carries its return-code key, a restore never silently changes the key, and no failed backup is left behind."""

from __future__ import annotations

import os
import stat
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from bench.harness import ADMIN_TOKEN, SUBMIT_PATH, SURVEYAPP, ServerProcess, count_rows

pytestmark = pytest.mark.slow


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


# --- 12. A backup carries its return-code key; a restore installs it, or refuses a key that differs ---


def surveyapp(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEYAPP_")}
    env.update({"SURVEYAPP_URL": "http://127.0.0.1:9", "SURVEYAPP_ADMIN_TOKEN": ADMIN_TOKEN,
                "SURVEYAPP_LOG_LEVEL": "WARNING"})
    return subprocess.run([str(SURVEYAPP), "--data-dir", str(data_dir), *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def backed_up_service(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A service that stored one response, backed up through the admin API: (data dir, the submission, backup)."""
    data = tmp_path / "first"
    server = ServerProcess(data).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            sent = {"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX",
                    "submission_id": str(uuid.uuid4())}
            first = c.post(SUBMIT_PATH, json=sent)
            assert first.status_code == 201
            made = c.post("/api/v1/admin/backup", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
            assert made.status_code == 201, made.text
    finally:
        server.stop()
    return data, {**first.json(), "submission_id": sent["submission_id"]}, Path(made.json()["path"])


def test_a_backup_restored_on_a_new_machine_brings_its_key_so_retries_and_codes_still_match(tmp_path: Path) -> None:
    old, first, backup = backed_up_service(tmp_path)
    key = backup.with_name(backup.name + ".return-code.key")
    assert key.read_text() == (old / "secrets" / "return-code.key").read_text() and mode(key) == 0o600

    new = tmp_path / "new-machine"
    restored = surveyapp(new, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert (new / "secrets" / "return-code.key").read_text() == key.read_text()
    assert mode(new / "secrets" / "return-code.key") == 0o600

    server = ServerProcess(new).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            retry = c.post(SUBMIT_PATH, json={"answers": {"q7": {"health_met": "tend_to_agree"}},
                                              "postcode": "ME14 1XX", "submission_id": first["submission_id"]})
            linked = c.post(SUBMIT_PATH, json={"answers": {"q7": {"health_met": "neither"}},
                                               "return_code": first["return_code"]})
    finally:
        server.stop()
    assert retry.status_code == 201 and retry.json()["response_id"] == first["response_id"], retry.text
    assert linked.status_code == 201
    assert count_rows(new / "surveyapp.duckdb", "SELECT count(DISTINCT cohort_key) FROM responses") == 1


def test_a_restore_whose_key_differs_from_this_machines_is_refused_saying_how_to_proceed(tmp_path: Path) -> None:
    _, _, backup = backed_up_service(tmp_path)
    other = tmp_path / "other"
    ServerProcess(other).start().stop()  # a service of its own, with its own key and data
    before = (other / "surveyapp.duckdb").read_bytes()
    refused = surveyapp(other, "restore", str(backup))
    assert refused.returncode != 0
    assert "surveyapp:" in refused.stderr and "another return-code key" in refused.stderr
    assert "return-code.key" in refused.stderr and "aside" in refused.stderr
    assert (other / "surveyapp.duckdb").read_bytes() == before  # nothing replaced


def test_a_restore_of_a_backup_without_its_key_is_refused_saying_where_to_put_it(tmp_path: Path) -> None:
    _, _, backup = backed_up_service(tmp_path)
    backup.with_name(backup.name + ".return-code.key").unlink()
    refused = surveyapp(tmp_path / "new", "restore", str(backup))
    assert refused.returncode != 0 and "return-code.key" in refused.stderr and "cp " in refused.stderr
    assert not (tmp_path / "new" / "surveyapp.duckdb").exists()


def test_the_service_refuses_to_start_on_data_whose_key_is_missing(tmp_path: Path) -> None:
    data, _, _ = backed_up_service(tmp_path)
    (data / "secrets" / "return-code.key").unlink()  # e.g. the database restored by hand, without secrets/
    with pytest.raises(RuntimeError, match=r"return-code\.key"):
        ServerProcess(data).start(timeout=60)
    assert not (data / "secrets" / "return-code.key").exists()  # no new key was made in its place

"""Issue 11, defects 11, 12, 14 and the full-disk backup of 9: the data on disk is the owner's alone, a backup
carries its return-code key, a restore never silently changes the key, and no failed backup is left behind."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from bench.harness import ADMIN_TOKEN, ROOT, SUBMIT_PATH, SURVEYAPP, ServerProcess, count_rows

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


# --- 14. Unfinished backups (a killed backup's .partial files) are removed at the next start ---


def test_a_killed_backups_partial_files_are_removed_at_the_next_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ServerProcess(data).start().stop()
    backups = data / "backups"
    backups.mkdir(mode=0o700, exist_ok=True)
    left = [backups / "surveyapp-20261122T103712.000001.duckdb.partial",
            backups / "surveyapp-20261122T103712.000001.duckdb.partial.wal",
            backups / "surveyapp-20261122T103712.000001.duckdb.return-code.key.partial"]
    for path in left:
        path.write_bytes(b"half a backup")
        path.chmod(0o600)
    kept = backups / "surveyapp-20261101T090000.000000.duckdb"
    kept.write_bytes(b"a finished backup")
    kept.chmod(0o600)
    ServerProcess(data).start().stop()
    assert not any(path.exists() for path in left)
    assert kept.exists()


# --- 9. A backup on a full disk is a 503 saying so, logged with its request id, and leaves nothing behind ---


class FullDiskServer(ServerProcess):
    """`surveyapp serve` whose backups directory is a 256 KiB tmpfs, mounted in a mount namespace of its own
    (no root needed, nothing mounted for anyone else). What the directory holds when it stops is listed."""

    def spawn(self) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "backups").mkdir(mode=0o700, exist_ok=True)
        self.listing = self.data_dir.parent / "backups-listing.txt"
        script = ('mount -t tmpfs -o size=256k,mode=0700 tmpfs "$1" || exit 97\n'
                  '"$2" serve --host 127.0.0.1 --port "$3" & child=$!\n'
                  "trap 'kill -TERM $child' TERM\n"
                  'wait $child; wait $child; status=$?\n'
                  'ls -A "$1" > "$4"; exit $status\n')
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh",
                 str(self.data_dir / "backups"), str(SURVEYAPP), str(self.port), str(self.listing)],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        return self


def _can_mount_privately() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_privately(), reason="needs unshare and user namespaces to fill a disk safely")
def test_a_backup_on_a_full_disk_is_a_503_saying_so_and_leaves_no_partial_file(tmp_path: Path) -> None:
    server = FullDiskServer(tmp_path / "data", log_level="INFO").start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            submit(c, 3)
            full = c.post("/api/v1/admin/backup", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
            after = submit(c, 1)  # the service carries on
    finally:
        server.stop()
    assert full.status_code == 503, full.text
    assert "full" in full.json()["detail"] and "free" in full.json()["detail"].lower()
    request_id = full.headers["X-Request-Id"]
    assert request_id in server.log()
    assert after and server.listing.read_text().split() == []  # no .partial, no key, nothing

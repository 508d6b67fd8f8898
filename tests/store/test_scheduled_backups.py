"""Scheduled backups: taken by the service, verified, pruned, sent off the machine with rclone (to a local
folder here), the key to another remote, `surveyapp restore --check`, and /healthz saying when one is late."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from surveyapp.domain.backups import backups_in
from surveyapp.domain.schedule import parse_keep, to_delete
from surveyapp.settings import SettingsError
from surveyapp.store import BackupUnverified, Store, verify
from tests.support import make_settings

needs_rclone = pytest.mark.skipif(shutil.which("rclone") is None, reason="rclone is missing: `make rclone` installs it")


def rclone_config(tmp_path: Path) -> Path:
    """Two remotes of rclone's local backend: folders standing for an S3 bucket and a separate key store."""
    config = tmp_path / "rclone.conf"
    config.write_text("[offsite]\ntype = local\n\n[keysafe]\ntype = local\n")
    return config


def wait_for(files: Path, pattern: str, count: int = 1, seconds: float = 60) -> list[Path]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = sorted(files.glob(pattern)) if files.is_dir() else []
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {pattern} in {files} after {seconds} s")


@needs_rclone
@pytest.mark.slow  # `surveyapp restore --check` in subprocesses
def test_a_scheduled_backup_leaves_the_machine_without_its_key_and_restore_check_proves_it(
        seeded_copy: Path, seeded, start_service, clock, cli, tmp_path: Path) -> None:
    clock.now = seeded.now
    remote, keys = tmp_path / "bucket", tmp_path / "keys"
    live_database = seeded_copy / "surveyapp.duckdb"
    server = start_service(data_dir=seeded_copy, backup_schedule="02:00", backup_remote=f"offsite:{remote}",
                           backup_key_remote=f"keysafe:{keys}", rclone_config=rclone_config(tmp_path))
    # No backup had been made by 02:00 today: the service makes one as it starts, not tomorrow.
    manifest = wait_for(remote, "*.duckdb.manifest.json")[0]
    backup = wait_for(remote, "surveyapp-*.duckdb")[0]
    key = wait_for(keys, "*.return-code.key")[0]
    assert key.name == backup.name + ".return-code.key"
    assert sorted(p.name for p in remote.iterdir()) == sorted([backup.name, manifest.name])  # no key with the data
    assert [p.name for p in keys.iterdir()] == [key.name]
    assert key.read_text() == (seeded_copy / "secrets" / "return-code.key").read_text()
    with server.client() as http:
        assert http.get("/healthz").json() == {"status": "ok", "backup": "ok"}

    # Restored into a scratch folder while the service runs: the live database is not touched.
    checked = cli(seeded_copy, "restore", "--check", str(backup), "--key", str(key))
    assert checked.returncode == 0, checked.stderr
    assert "responses: 100 rows" in checked.stdout
    assert "restores as it was made" in checked.stdout
    assert live_database.exists() and server.count() == 100

    # A copy changed after it was made (a response gone) is caught, by name, and nothing is restored.
    damaged = tmp_path / "damaged" / backup.name
    damaged.parent.mkdir()
    shutil.copy(backup, damaged)
    shutil.copy(manifest, damaged.with_name(manifest.name))
    conn = duckdb.connect(str(damaged))
    conn.execute("DELETE FROM answers WHERE response_id = (SELECT min(response_id) FROM responses)")
    conn.execute("DELETE FROM responses WHERE response_id = (SELECT min(response_id) FROM responses)")
    conn.close()
    refused = cli(seeded_copy, "restore", "--check", str(damaged), "--key", str(key))
    assert refused.returncode == 1
    assert "does NOT restore as it was made" in refused.stderr
    assert "responses: 99 rows, 100 expected" in refused.stderr
    assert "SHA-256 differs" in refused.stderr
    assert server.count() == 100

    # A manifest made by another DuckDB version: its hashes may differ, so rows are compared and that is said.
    elsewhere = tmp_path / "elsewhere" / backup.name
    elsewhere.parent.mkdir()
    shutil.copy(backup, elsewhere)
    made = json.loads(manifest.read_text())
    made["duckdb"] = "0.9.2"
    made["tables"]["answers"]["checksum"] += 1
    elsewhere.with_name(manifest.name).write_text(json.dumps(made))
    older = cli(seeded_copy, "restore", "--check", str(elsewhere), "--key", str(key))
    assert older.returncode == 0, older.stderr
    assert "note: the manifest was made by another DuckDB version: rows compared, table checksums not" in older.stdout

    # Without the key (it is kept apart) the check says where to give it.
    keyless = cli(seeded_copy, "restore", "--check", str(backup))
    assert keyless.returncode == 1 and "--key" in keyless.stderr


@needs_rclone
def test_retention_prunes_here_and_off_the_machine_and_healthz_says_when_a_backup_is_late(
        start_service, clock, tmp_path: Path) -> None:
    remote = tmp_path / "bucket"
    clock.now = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)
    server = start_service(backup_schedule="02:00", backup_keep="3 daily", backup_remote=f"offsite:{remote}",
                           rclone_config=rclone_config(tmp_path))
    scheduler = server.services.backups
    assert scheduler.caught_up.wait(60)  # a new install's first backup is made as it starts
    folder = server.settings.data_dir / "backups"
    with server.client() as http:
        assert http.get("/healthz").json() == {"status": "ok", "backup": "ok"}
        # The next was due at 02:00 on the 2nd; an hour's grace after it there is none: late.
        clock.now = dt.datetime(2026, 11, 2, 2, 30, tzinfo=dt.UTC)
        assert http.get("/healthz").json()["backup"] == "ok"  # it may still be under way
        clock.now = dt.datetime(2026, 11, 2, 3, 30, tzinfo=dt.UTC)
        health = http.get("/healthz")
        assert health.status_code == 200  # the service itself is up: restarting it would not help
        assert health.json()["backup"] == ("late: the last backup was made 2026-11-01 01:00 UTC, and one was due by "
                                           "2026-11-02 02:00 UTC (SURVEYAPP_BACKUP_SCHEDULE=02:00)")
        for day in range(2, 7):  # five more nights' backups
            clock.now = dt.datetime(2026, 11, day, 2, 0, 5, tzinfo=dt.UTC)
            assert scheduler.run_once() is not None
        assert http.get("/healthz").json()["backup"] == "ok"
    kept = sorted(backups_in(folder))
    assert [k.day for k in kept] == [4, 5, 6]
    names = [backups_in(folder)[k].name for k in kept]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        name + suffix for name in names for suffix in ("", ".manifest.json", ".return-code.key"))
    assert sorted(p.name for p in remote.iterdir()) == sorted(
        name + suffix for name in names for suffix in ("", ".manifest.json"))


def test_a_failing_remote_is_reported_by_healthz_and_the_backup_stays_here(start_service, clock,
                                                                         tmp_path: Path) -> None:
    clock.now = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)
    config = tmp_path / "rclone.conf"
    config.write_text("")  # the remote is not configured
    server = start_service(backup_schedule="02:00", backup_remote="offsite:bucket", rclone_config=config)
    assert server.services.backups.caught_up.wait(60)
    assert len(backups_in(server.settings.data_dir / "backups")) == 1  # made and verified here, only not sent
    with server.client() as http:
        assert http.get("/healthz").json()["backup"].startswith("failing: rclone")


def test_healthz_says_nothing_of_backups_when_none_are_scheduled(start_service) -> None:
    with start_service().client() as http:
        assert http.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(("overrides", "named"), [
    ({"backup_schedule": "2am"}, "SURVEYAPP_BACKUP_SCHEDULE"),
    ({"backup_schedule": "24:00"}, "SURVEYAPP_BACKUP_SCHEDULE"),
    ({"backup_schedule": "02:00", "backup_keep": "7 yearly"}, "SURVEYAPP_BACKUP_KEEP"),
    ({"backup_schedule": "02:00", "backup_keep": "0 daily"}, "SURVEYAPP_BACKUP_KEEP"),
    ({"backup_remote": "offsite:bucket"}, "SURVEYAPP_BACKUP_SCHEDULE"),
    ({"backup_schedule": "02:00", "backup_remote": "/srv/backups"}, "SURVEYAPP_BACKUP_REMOTE"),
    ({"backup_schedule": "02:00", "backup_remote": "offsite:data", "backup_key_remote": "offsite:keys"},
     "SURVEYAPP_BACKUP_KEY_REMOTE"),
])
def test_backup_settings_that_cannot_work_are_refused_by_name(tmp_path: Path, overrides: dict[str, str],
                                                              named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        make_settings(tmp_path, **overrides)


def test_a_year_of_nightly_backups_keeps_seven_days_four_weeks_and_twelve_months() -> None:
    nights = [dt.datetime(2026, 1, 1, 2, tzinfo=dt.UTC) + dt.timedelta(days=n) for n in range(365)]
    kept = sorted(set(nights) - to_delete(nights, parse_keep("7 daily, 4 weekly, 12 monthly")))
    days = [(k.month, k.day) for k in kept]
    month_ends = [(m, 31 if m in (1, 3, 5, 7, 8, 10) else 30 if m != 2 else 28) for m in range(1, 12)]
    assert days == [*month_ends, (12, 13), (12, 20), *[(12, d) for d in range(25, 32)]]  # Sundays end ISO weeks


def test_a_copy_that_does_not_match_when_opened_is_no_backup(seeded_copy: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy is opened read-only and compared table by table; here the disk is made to lose a response."""
    real = verify.file_figures

    def lossy(path: Path) -> verify.Figures:
        figures = real(path)
        figures["responses"]["rows"] -= 1
        return figures

    monkeypatch.setattr(verify, "file_figures", lossy)
    store = Store(seeded_copy / "surveyapp.duckdb")
    try:
        with pytest.raises(BackupUnverified, match="responses: 99 rows, 100 expected"):
            store.backup(tmp_path / "backups" / "b.duckdb", key=seeded_copy / "secrets" / "return-code.key")
    finally:
        store.close()
    assert list((tmp_path / "backups").iterdir()) == []  # nothing half-made is left to be mistaken for a backup

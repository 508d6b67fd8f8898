"""Backup and restore: a consistent copy while the service runs under load, and back again."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from bench.harness import ADMIN_TOKEN, SURVEYAPP, ServerProcess, count_rows
from bench.load import drive

pytestmark = pytest.mark.slow


def surveyapp(data_dir: Path, *args: str, url: str = "http://127.0.0.1:9") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SURVEYAPP_URL": url, "SURVEYAPP_ADMIN_TOKEN": ADMIN_TOKEN, "SURVEYAPP_LOG_LEVEL": "WARNING"}
    return subprocess.run([str(SURVEYAPP), "--data-dir", str(data_dir), *args], env=env, capture_output=True,
                          text=True, timeout=120)


def responses_and_answers(database: Path) -> tuple[set[str], dict[str, int]]:
    conn = duckdb.connect(str(database), read_only=True)
    try:
        ids = {r for (r,) in conn.execute("SELECT response_id FROM responses").fetchall()}
        answers = dict(conn.execute("SELECT response_id, count(*) FROM answers GROUP BY ALL").fetchall())
    finally:
        conn.close()
    return ids, answers


@pytest.mark.timeout(180)
def test_a_backup_taken_under_load_restores_every_response_acknowledged_before_it(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    server.open_wave()
    acknowledged: set[str] = set()
    stop = threading.Event()

    def keep_submitting() -> None:  # until the backup has finished, however long that takes here
        deadline = time.monotonic() + 120
        while not stop.is_set() and time.monotonic() < deadline:
            asyncio.run(drive(server.port, 8, 0.5, ids=acknowledged))

    load = threading.Thread(target=keep_submitting)
    load.start()
    try:
        deadline = time.monotonic() + 30
        while len(acknowledged) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = acknowledged.copy()  # set.copy is atomic: the load thread may keep adding
        done = surveyapp(server.data_dir, "backup", "--out", str(tmp_path / "copy.duckdb"), url=server.url)
        time.sleep(0.5)  # and a little after it
    finally:
        stop.set()
        load.join(timeout=60)
        server.stop()
    assert done.returncode == 0, done.stderr
    assert len(before) >= 200

    in_backup, answers = responses_and_answers(tmp_path / "copy.duckdb")
    assert before <= in_backup, "a response acknowledged before the backup began is missing from it"
    assert in_backup <= acknowledged, "the backup holds a response that was never acknowledged"
    assert all(answers.get(r) == 2 for r in in_backup), "a response in the backup lacks some of its answers"
    assert count_rows(server.data_dir / "surveyapp.duckdb") == len(acknowledged) > len(in_backup)

    restored = surveyapp(server.data_dir, "restore", str(tmp_path / "copy.duckdb"))
    assert restored.returncode == 0, restored.stderr
    assert responses_and_answers(server.data_dir / "surveyapp.duckdb")[0] == in_backup

    again = ServerProcess(server.data_dir).start()  # and the service runs on the restored file
    try:
        again.open_wave()
        figures, _ = asyncio.run(drive(again.port, 2, 0.5))
        assert figures.ok > 0 and figures.errors == 0
    finally:
        again.stop()


def test_without_a_running_service_backup_and_restore_use_the_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    server.open_wave()
    figures, _ = asyncio.run(drive(server.port, 4, 1.0))
    server.stop()
    stored = count_rows(data / "surveyapp.duckdb")
    assert stored == figures.ok > 0

    made = surveyapp(data, "backup", "--out", str(tmp_path / "copy.duckdb"))
    assert made.returncode == 0, made.stderr
    (data / "surveyapp.duckdb").unlink()  # disaster
    restored = surveyapp(data, "restore", str(tmp_path / "copy.duckdb"))
    assert restored.returncode == 0, restored.stderr
    assert count_rows(data / "surveyapp.duckdb") == stored


def test_restore_refuses_while_the_service_runs_and_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    not_a_backup = tmp_path / "notes.duckdb"
    not_a_backup.write_text("shopping list")
    server = ServerProcess(tmp_path / "data").start()
    try:
        made = surveyapp(server.data_dir, "backup", "--out", str(tmp_path / "copy.duckdb"), url=server.url)
        assert made.returncode == 0, made.stderr
        refused = surveyapp(server.data_dir, "restore", str(tmp_path / "copy.duckdb"))
        assert refused.returncode != 0 and "surveyapp:" in refused.stderr
        assert server.proc is not None and server.proc.poll() is None  # the service is untouched
    finally:
        server.stop()
    bad = surveyapp(server.data_dir, "restore", str(not_a_backup))
    assert bad.returncode != 0 and "surveyapp:" in bad.stderr
    missing = surveyapp(server.data_dir, "restore", str(tmp_path / "nowhere.duckdb"))
    assert missing.returncode != 0 and "does not exist" in missing.stderr

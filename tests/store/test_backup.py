"""Backup and restore: a consistent copy while the service runs under load, and back again."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from bench.harness import count_rows
from bench.load import drive

pytestmark = pytest.mark.slow  # the `surveyapp` command in subprocesses, and load on a real server
NOWHERE = "http://127.0.0.1:9"  # where no service answers: the command must use the file itself


def responses_and_answers(database: Path) -> tuple[set[str], dict[str, int]]:
    conn = duckdb.connect(str(database), read_only=True)
    try:
        ids = {r for (r,) in conn.execute("SELECT response_id FROM responses").fetchall()}
        answers = dict(conn.execute("SELECT response_id, count(*) FROM answers GROUP BY ALL").fetchall())
    finally:
        conn.close()
    return ids, answers


@pytest.mark.timeout(180)
def test_a_backup_taken_under_load_restores_every_response_acknowledged_before_it(start_service, cli,
                                                                                  tmp_path: Path) -> None:
    server = start_service(live=True)  # uvicorn on a socket, driven by eight keep-alive clients
    data_dir = server.settings.data_dir
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
        done = cli(data_dir, "backup", "--out", str(tmp_path / "copy.duckdb"), url=server.url)
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
    assert count_rows(data_dir / "surveyapp.duckdb") == len(acknowledged) > len(in_backup)

    restored = cli(data_dir, "restore", str(tmp_path / "copy.duckdb"), url=NOWHERE)
    assert restored.returncode == 0, restored.stderr
    assert responses_and_answers(data_dir / "surveyapp.duckdb")[0] == in_backup

    again = start_service(live=True)  # and the service runs on the restored file
    figures, _ = asyncio.run(drive(again.port, 2, 0.5))
    assert figures.ok > 0 and figures.errors == 0


def test_without_a_running_service_backup_and_restore_use_the_file(seeded_copy: Path, cli, tmp_path: Path) -> None:
    database = seeded_copy / "surveyapp.duckdb"
    stored = count_rows(database)
    assert stored == 100  # every response the seeding had acknowledged (60 in autumn, 40 in spring)

    made = cli(seeded_copy, "backup", "--out", str(tmp_path / "copy.duckdb"), url=NOWHERE)
    assert made.returncode == 0, made.stderr
    database.unlink()  # disaster
    restored = cli(seeded_copy, "restore", str(tmp_path / "copy.duckdb"), url=NOWHERE)
    assert restored.returncode == 0, restored.stderr
    assert count_rows(database) == stored


def test_restore_refuses_while_the_service_runs_and_refuses_a_file_that_is_not_a_backup(start_service, cli,
                                                                                       tmp_path: Path) -> None:
    not_a_backup = tmp_path / "notes.duckdb"
    not_a_backup.write_text("shopping list")
    server = start_service(live=True)
    data_dir = server.settings.data_dir
    made = cli(data_dir, "backup", "--out", str(tmp_path / "copy.duckdb"), url=server.url)
    assert made.returncode == 0, made.stderr
    refused = cli(data_dir, "restore", str(tmp_path / "copy.duckdb"), url=NOWHERE)
    assert refused.returncode != 0 and "surveyapp:" in refused.stderr
    with httpx.Client(base_url=server.url, timeout=30) as c:  # the service is untouched
        assert c.get("/healthz").status_code == 200
    server.stop()
    bad = cli(data_dir, "restore", str(not_a_backup), url=NOWHERE)
    assert bad.returncode != 0 and "surveyapp:" in bad.stderr
    missing = cli(data_dir, "restore", str(tmp_path / "nowhere.duckdb"), url=NOWHERE)
    assert missing.returncode != 0 and "does not exist" in missing.stderr

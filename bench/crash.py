"""Kill the server with SIGKILL under load, again and again: `.venv/bin/python -m bench.crash`.

Clients keep submitting while the server process is killed at random moments and restarted. A client
whose request fails (connection reset, no answer) retries the same submission with the same
submission_id, as a real client should. Afterwards the database must open cleanly and hold every
response that was acknowledged with a 201 exactly once, each with its answers, and no submission twice.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import msgspec

from bench.harness import SUBMIT_PATH, Connection, ServerProcess

_ANSWER = {"q7": {"health_met": "tend_to_agree", "local_offer_useful": "dont_know"},
           "respondent_role": "parent_carer"}


@dataclass
class CrashReport:
    kills: int = 0
    startup_kills: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # submission_id -> response_id
    retries: int = 0
    rows: int = 0
    missing: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    wrong_id: list[str] = field(default_factory=list)
    answers_short: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.doubled or self.wrong_id or self.answers_short) and self.rows > 0


async def _client(port: int, stop: asyncio.Event, report: CrashReport, rng: random.Random) -> None:
    conn: Connection | None = None
    pending: str | None = None  # a submission sent but not acknowledged: retried with the same id
    while not stop.is_set():
        submission_id = pending or str(uuid.uuid4())
        body = msgspec.json.encode({"answers": _ANSWER, "postcode": "ME14 1XX", "submission_id": submission_id})
        try:
            if conn is None:
                conn = await asyncio.wait_for(Connection.open(port), 2)
            status, payload = await asyncio.wait_for(conn.request("POST", SUBMIT_PATH, body), 10)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            if conn is not None:
                await conn.close()
            conn, pending = None, submission_id
            report.retries += 1
            await asyncio.sleep(0.02 + rng.random() * 0.05)
            continue
        if status != 201:
            raise AssertionError(f"unexpected {status}: {payload[:300]!r}")
        response_id = msgspec.json.decode(payload)["response_id"]
        earlier = report.acknowledged.setdefault(submission_id, response_id)
        if earlier != response_id:
            report.wrong_id.append(submission_id)
        pending = None
    if conn is not None:
        await conn.close()


async def _kill_loop(server: ServerProcess, kills: int, rng: random.Random, report: CrashReport,
                     up: tuple[float, float]) -> None:
    for n in range(kills):
        await asyncio.sleep(rng.uniform(*up))
        server.kill()
        report.kills += 1
        if n % 3 == 2:  # every third time, kill it again while it starts: opening, WAL replay, migrations
            server.spawn()
            await asyncio.sleep(rng.uniform(0.05, 2.0))
            server.kill()
            report.startup_kills += 1
        await asyncio.to_thread(server.start)
    await asyncio.sleep(up[0])


def check(database: Path, report: CrashReport, answers_per_response: int) -> None:
    """Open the database (replaying its write-ahead log) and compare it with what was acknowledged."""
    conn = duckdb.connect(str(database))
    try:
        rows = conn.execute("SELECT submission_id, response_id FROM responses").fetchall()
        per_response = dict(conn.execute("SELECT response_id, count(*) FROM answers GROUP BY ALL").fetchall())
    finally:
        conn.close()
    report.rows = len(rows)
    stored: dict[str, list[str]] = {}
    for submission_id, response_id in rows:
        stored.setdefault(submission_id, []).append(response_id)
    report.doubled = [s for s, ids in stored.items() if len(ids) > 1]
    for submission_id, response_id in report.acknowledged.items():
        if stored.get(submission_id) != [response_id]:
            report.missing.append(submission_id)
    report.answers_short = sum(1 for _, r in rows if per_response.get(r, 0) != answers_per_response)


def run(kills: int = 20, clients: int = 16, up: tuple[float, float] = (0.3, 1.5), seed: int = 0,
        data_dir: Path | None = None) -> CrashReport:
    """Kill and restart the server `kills` times under load; return what the database holds afterwards."""
    rng, report = random.Random(seed), CrashReport()
    with tempfile.TemporaryDirectory(prefix="surveyapp-crash-") as tmp:
        server = ServerProcess((data_dir or Path(tmp)) / "data").start()
        started = time.monotonic()

        async def scenario() -> None:
            stop = asyncio.Event()
            workers = [asyncio.create_task(_client(server.port, stop, report, random.Random(seed + i)))
                       for i in range(clients)]
            try:
                await _kill_loop(server, kills, rng, report, up)
            finally:
                stop.set()
                await asyncio.gather(*workers)

        try:
            asyncio.run(scenario())
        finally:
            server.kill()  # the last stop is a crash too
        report.seconds = time.monotonic() - started
        check(server.data_dir / "surveyapp.duckdb", report, answers_per_response=3)
    return report


def describe(report: CrashReport) -> str:
    return (f"{report.kills} SIGKILLs under load (+{report.startup_kills} during start-up) in {report.seconds:.0f} s; "
            f"{len(report.acknowledged):,} submissions "
            f"acknowledged (201), {report.retries:,} requests cut off and retried; rows after the last crash: "
            f"{report.rows:,}; acknowledged but missing: {len(report.missing)}; stored twice: {len(report.doubled)}; "
            f"retry given another id: {len(report.wrong_id)}; responses with missing answers: "
            f"{report.answers_short} -> {'OK' if report.ok else 'FAILED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    report = run(kills=args.kills, clients=args.clients, seed=args.seed)
    print(describe(report), flush=True)
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

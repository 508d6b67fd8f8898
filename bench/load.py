"""Durable submissions per second against the real server: `.venv/bin/python -m bench.load`.

Starts `surveyapp serve` (as `make run` does) on a temporary data directory, drives it over loopback with
1, 8, 32 and 64 concurrent keep-alive clients sending valid submissions, then stops it, opens the database
and checks that the rows stored equal the 201s received. `GET /healthz` at the same concurrency gives the
ceiling: what the process manages when a request does no work at all.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import msgspec

from bench.harness import SUBMIT_PATH, Connection, Figures, ServerProcess, count_rows, submission_body

CONCURRENCY = (1, 8, 32, 64)


async def _worker(port: int, deadline: float, figures: Figures, ids: set[str], path: str, n: int) -> None:
    conn = await Connection.open(port)
    latencies = figures.latencies
    assert latencies is not None
    try:
        while time.perf_counter() < deadline:
            body = submission_body(n) if path == SUBMIT_PATH else b""
            method = "POST" if body else "GET"
            started = time.perf_counter()
            try:
                status, payload = await conn.request(method, path, body)
            except (OSError, asyncio.IncompleteReadError):
                figures.errors += 1
                await conn.close()
                conn = await Connection.open(port)
                continue
            latencies.append(time.perf_counter() - started)
            n += 1
            if status in (200, 201):
                figures.ok += 1
                if status == 201:
                    ids.add(msgspec.json.decode(payload)["response_id"])
            else:
                figures.errors += 1
    finally:
        await conn.close()


async def drive(port: int, clients: int, seconds: float, path: str = SUBMIT_PATH,
                ids: set[str] | None = None) -> tuple[Figures, float]:
    """`clients` connections sending requests back to back for `seconds`; the figures and the time taken."""
    figures = Figures(latencies=[])
    ids = set() if ids is None else ids
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_worker(port, deadline, figures, ids, path, i * 7) for i in range(clients)))
    return figures, time.perf_counter() - started


def _row(label: str, figures: Figures, elapsed: float) -> str:
    return (f"{label:<24} {figures.ok / elapsed:>9,.0f}/s {figures.percentile(0.50) * 1000:>8.1f} "
            f"{figures.percentile(0.99) * 1000:>8.1f} {figures.errors:>7}")


def run(seconds: float = 10.0, concurrency: tuple[int, ...] = CONCURRENCY) -> dict[str, float]:
    """Run the benchmark, print its table, and return the key figures."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="surveyapp-load-") as tmp:
        server = ServerProcess(Path(tmp) / "data").start()
        ids: set[str] = set()
        created = 0
        try:
            server.open_wave()
            print(f"{'':<24} {'rate':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
            for clients in concurrency:
                figures, elapsed = asyncio.run(drive(server.port, clients, seconds, ids=ids))
                created += figures.ok
                results[f"submissions_per_s_{clients}"] = figures.ok / elapsed
                results[f"p99_ms_{clients}"] = figures.percentile(0.99) * 1000
                print(_row(f"submissions, {clients:>2} clients", figures, elapsed), flush=True)
            figures, elapsed = asyncio.run(drive(server.port, 32, min(seconds, 5.0), path="/healthz"))
            results["healthz_per_s_32"] = figures.ok / elapsed
            print(_row("GET /healthz, 32 clients", figures, elapsed), flush=True)
        finally:
            server.stop()
        rows = count_rows(server.data_dir / "surveyapp.duckdb")
        print(f"201s received: {created:,}; distinct response ids: {len(ids):,}; rows in the database "
              f"after stopping the server: {rows:,} -> {'OK' if rows == created == len(ids) else 'MISMATCH'}")
        results["rows"], results["created"] = rows, created
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per concurrency level (default 10)")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    run(args.seconds)


if __name__ == "__main__":
    main()

"""Return codes: a code used before is answered as fast as a fresh one: `.venv/bin/python -m bench.codes`.

Issue 11, defect 8: with 188,000 responses in the wave, a submission typing a code used before took 13.3 ms
(median) against 6.1 ms for a fresh code, because only a used code was counted in the table; the difference
told anyone timing the answers which codes were in use. This starts `surveyapp serve` on a wave holding
`--rows` stored responses, types `--samples` codes once each, then submits fresh codes and those codes a second
time, interleaved, one at a time over one keep-alive connection, and prints the median and 90th percentile of
each. The two should be within noise of each other; the 409 at the ceiling is the only answer that differs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import msgspec

from bench.harness import SUBMIT_PATH, WAVE, Connection, ServerProcess
from surveyapp.domain.returncodes import RESERVED, WORDS


def fill(database: Path, rows: int) -> None:
    """Add `rows` responses to the wave, each with a code of its own, straight into the stopped server's file."""
    import duckdb

    conn = duckdb.connect(str(database))
    try:
        conn.execute(
            "INSERT INTO responses (response_id, wave_id, submission_id, fingerprint, submitted_hour, "
            "postcode_district, lad_code, area_status, cohort_key, language, channel) "
            "SELECT uuid()::VARCHAR, ?, 'bench-' || range, md5('f' || range)[:40], "
            "TIMESTAMP '2026-11-22 10:00:00', 'ME14', 'E07000110', 'in_area', md5('k' || range)[:40], 'en', 'api' "
            "FROM range(?)", [WAVE, rows])
        conn.execute("CHECKPOINT")
    finally:
        conn.close()


def codes(n: int, rng: random.Random) -> list[str]:
    made: set[str] = set()
    while len(made) < n:
        code = f"{rng.choice(WORDS).upper()}-{rng.choice(WORDS).upper()}-{rng.randrange(10_000):04d}"
        if code not in RESERVED:
            made.add(code)
    return sorted(made)


def body(code: str) -> bytes:
    return msgspec.json.encode({"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX",
                                "return_code": code, "submission_id": str(uuid.uuid4())})


async def measure(port: int, samples: int, rng: random.Random) -> dict[str, list[float]]:
    all_codes = codes(3 * samples, rng)
    used, fresh = all_codes[:samples], all_codes[samples:2 * samples]
    rng.shuffle(used)
    conn = await Connection.open(port)
    timings: dict[str, list[float]] = {"fresh code": [], "code used once": []}
    try:
        for code in used:
            status, payload = await conn.request("POST", SUBMIT_PATH, body(code))
            assert status == 201, payload
        for i in range(samples):
            pair = [("fresh code", fresh[i]), ("code used once", used[i])]
            if i % 2:
                pair.reverse()  # neither kind always goes first
            for label, code in pair:
                started = time.perf_counter()
                status, payload = await conn.request("POST", SUBMIT_PATH, body(code))
                timings[label].append(time.perf_counter() - started)
                assert status == 201, payload
    finally:
        await conn.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=188_000, help="responses already stored in the wave")
    parser.add_argument("--samples", type=int, default=300, help="submissions timed of each kind")
    args = parser.parse_args()
    rng = random.Random(8)
    with tempfile.TemporaryDirectory(prefix="bench-codes-") as tmp:
        data = Path(tmp) / "data"
        ServerProcess(data).start().stop()  # the key, the schema and the wave opened
        fill(data / "surveyapp.duckdb", args.rows)
        server = ServerProcess(data).start()
        try:
            timings = asyncio.run(measure(server.port, args.samples, rng))
        finally:
            server.stop()
    print(f"{args.rows:,} responses in the wave, {args.samples} submissions of each kind, one client:")
    for label, values in timings.items():
        ms = sorted(v * 1000 for v in values)
        print(f"  {label:<15} median {statistics.median(ms):5.1f} ms   p90 {ms[int(0.9 * len(ms))]:5.1f} ms")
    gap = statistics.median(timings["code used once"]) - statistics.median(timings["fresh code"])
    print(f"  median difference (used once - fresh): {gap * 1000:+.2f} ms")


if __name__ == "__main__":
    main()

"""Analytics over 10,000,000 stored responses and start-up over 1,000,000: `make bench-scale`.

The data are generated once (`bench.generate.write_store`: two closed waves, wave-1 and wave-2, of equal
size, uuid response ids, Q7 and nine demographic questions in long form, ~30% of wave-2 linked to wave-1 by
cohort key) into `data/bench-scale/<size>-g1/surveyapp.duckdb`, and reused while that file exists.

Each analysis runs in a fresh process that opens the store as the service does (`Services`) and runs the
service's query (`surveyapp.actions`): wave-2 against wave-1, so every one of the 10,000,000 responses is
counted. Seconds are the query's own; peak RSS is the whole process's (imports, store and query), from
`/proc/self/status` (VmHWM). Every figure is the median of `--repeat` runs (3). `startup_1m` is the time from starting
`surveyapp serve` on the 1,000,000-response data directory until `GET /healthz` answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bench-scale"
GENERATOR = "g5"  # bump when bench.generate changes what it writes, so cached stores are not reused
TARGETS = {"compare_district": (1.5, 1500), "compare_weighted_district": (3.0, 3000), "cohort": (3.0, 3000)}


def data_dir(n_responses: int) -> Path:
    name = f"{n_responses // 1_000_000}m" if n_responses % 1_000_000 == 0 else str(n_responses)
    return DATA / f"{name}-{GENERATOR}"


def ensure_store(n_responses: int) -> Path:
    """The data directory holding `n_responses` generated responses, generated when missing."""
    directory = data_dir(n_responses)
    database = directory / "surveyapp.duckdb"
    if database.exists():
        print(f"reusing {database} ({database.stat().st_size / 1e9:.1f} GB)", flush=True)
        return directory
    from bench.generate import write_store

    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        print(f"  generated {done:,}/{total:,} responses ({time.monotonic() - started:.0f} s)", flush=True)

    print(f"generating {n_responses:,} responses into {database} (once; reused while the file exists)", flush=True)
    write_store(database, n_responses, n_waves=2, seed=0, chunk=500_000, progress=progress)
    print(f"generated in {time.monotonic() - started:.0f} s, {database.stat().st_size / 1e9:.1f} GB", flush=True)
    return directory


def _queries() -> dict[str, Callable[[Any], Any]]:
    from surveyapp.actions import cohort, compare

    return {
        "compare_district": lambda s: compare.compare(s, "wave-2", baseline_id="wave-1", by="district"),
        "compare_weighted_district": lambda s: compare.compare(s, "wave-2", baseline_id="wave-1", by="district",
                                                               weighted=True),
        "cohort": lambda s: cohort.cohort(s, "wave-2", against="wave-1"),
    }


def measure(kind: str, directory: Path) -> dict[str, float]:
    """In this (fresh) process: open the store as the service does, run one analysis; seconds and peak MB."""
    from surveyapp.domain.services import Services
    from surveyapp.settings import from_env

    services = Services(from_env({}, data_dir=directory))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = _queries()[kind](services)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    finally:
        services.close()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak_mb(), "rows": result.frame.height}


def peak_mb() -> float:
    """This process's peak resident memory. /proc's VmHWM belongs to this program alone; getrusage's ru_maxrss
    survives exec on Linux, so a process started by one that had just generated the store (7 GB) reported that."""
    status = Path("/proc/self/status")
    if status.exists():
        line = next((x for x in status.read_text().splitlines() if x.startswith("VmHWM:")), None)
        if line is not None:
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fresh(kind: str, directory: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.scale", "--measure", kind, "--data", str(directory)],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"{kind} failed ({out.returncode}): {out.stderr[-3000:]}")
    return dict(json.loads(line))


def startup_seconds(directory: Path) -> float:
    """Seconds from starting `surveyapp serve` until /healthz answers 200."""
    from bench.harness import ServerProcess, request_once

    server = ServerProcess(directory)
    started = time.perf_counter()
    server.spawn()
    try:
        while time.perf_counter() - started < 120:
            if server.proc is not None and server.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {server.log()[-2000:]}")
            try:
                status, _ = asyncio.run(request_once(server.port, "GET", "/healthz"))
                if status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError("no answer from /healthz within 120 s")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000_000, help="responses for the analyses")
    parser.add_argument("--startup-responses", type=int, default=1_000_000, help="responses for start-up")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median reported)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.data)), flush=True)
        return

    big = ensure_store(args.responses)
    small = ensure_store(args.startup_responses)
    label = f"{args.responses // 1_000_000}m" if args.responses % 1_000_000 == 0 else str(args.responses)
    for kind in TARGETS:
        runs = [_fresh(kind, big) for _ in range(args.repeat)]
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        cpu = statistics.median(r["cpu_seconds"] for r in runs)
        print(f"{kind}_{label}: {seconds:.2f} s, peak {peak:,.0f} MB", flush=True)
        target_s, target_mb = TARGETS[kind]
        each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"   runs {each} s; CPU {cpu:.2f} s (DuckDB's threads included); "
              f"{int(runs[0]['rows'])} rows; target under {target_s} s and {target_mb:,} MB", flush=True)
    startups = [startup_seconds(small) for _ in range(args.repeat)]
    s_label = f"{args.startup_responses // 1_000_000}m" if args.startup_responses % 1_000_000 == 0 else \
        str(args.startup_responses)
    print(f"startup_{s_label}: {statistics.median(startups):.2f} s", flush=True)
    each = ", ".join(f"{s:.2f}" for s in startups)
    print(f"   runs {each} s; target under 3 s", flush=True)


if __name__ == "__main__":
    main()

"""Findings pages served per second at 32 clients, frozen and rendered each time: `.venv/bin/python -m bench.findings`.

A published findings page never changes, so the service keeps its bytes and answers a repeat GET before routing
and the middleware (`surveyapp.findings.frozen`). This starts the service under uvicorn exactly as `surveyapp
serve` runs it, in a subprocess, its findings reading the tests' hand-built sample release (tests/findings/
sample.py), and drives GET /findings/<release> from 32 keep-alive clients with the load benchmark's raw client:
first frozen, then with the frozen bytes turned off (every request routed and rendered), then GET /healthz (the
same process answering requests that do no work). The client shares the machine's two cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import ROOT, free_port, request_once
from bench.load import _row, drive

PAGE = "/findings/2026-autumn-final-1"
TARGET_RATE, TARGET_P99_MS = 5000, 20.0


def serve(port: int, data_dir: Path, *, frozen: bool) -> None:
    """The subprocess: the app as `surveyapp serve` runs it, with the sample release published."""
    import uvicorn

    from surveyapp.app import create_app
    from surveyapp.http.serving import uvicorn_options
    from surveyapp.settings import from_env
    from tests.findings.sample import ENTRIES, SampleReader, release_out, sample_document

    settings = from_env(os.environ, data_dir=data_dir, host="127.0.0.1", port=port, log_level="WARNING")
    app = create_app(settings)
    kit = app.state.findings
    kit.reader = SampleReader([release_out(sample_document())], ENTRIES)
    if not frozen:
        kit.frozen.cacheable = lambda query: False
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning", log_config=None,
                server_header=False, proxy_headers=False, **uvicorn_options(settings))


def _started(data_dir: Path, *, frozen: bool) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [sys.executable, "-m", "bench.findings", "--serve", str(port), "--data", str(data_dir)]
    proc = subprocess.Popen([*command, *([] if frozen else ["--no-freeze"])], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if asyncio.run(request_once(port, "GET", PAGE))[0] == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the findings server did not answer within 60 s")


def run(seconds: float = 10.0) -> dict[str, float]:
    results: dict[str, float] = {}
    print(f"{'':<34} {'rate':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    with tempfile.TemporaryDirectory(prefix="surveyapp-findings-") as tmp:
        for frozen in (True, False):
            proc, port = _started(Path(tmp) / ("frozen" if frozen else "rendered"), frozen=frozen)
            try:
                figures, elapsed = asyncio.run(drive(port, 32, seconds if frozen else min(seconds, 5.0), path=PAGE))
                label = "findings page, frozen" if frozen else "findings page, rendered each time"
                results[f"{'frozen' if frozen else 'rendered'}_per_s"] = figures.ok / elapsed
                results[f"{'frozen' if frozen else 'rendered'}_p99_ms"] = figures.percentile(0.99) * 1000
                print(_row(f"{label}, 32", figures, elapsed).replace(" " * 10, "", 1), flush=True)
                if frozen:
                    figures, elapsed = asyncio.run(drive(port, 32, min(seconds, 5.0), path="/healthz"))
                    results["healthz_per_s"] = figures.ok / elapsed
                    print(_row("GET /healthz, 32", figures, elapsed).replace(" " * 10, "", 1), flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    met = results["frozen_per_s"] >= TARGET_RATE and results["frozen_p99_ms"] < TARGET_P99_MS
    verdict = "met" if met else "NOT met"
    print(f"target {TARGET_RATE:,}/s with p99 under {TARGET_P99_MS:.0f} ms at 32 clients: {verdict} "
          f"(the client shares the two cores; see bench/README.md)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="for the frozen pages (default 10)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server subprocess, on this port
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-freeze", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if args.serve:
        serve(args.serve, args.data, frozen=not args.no_freeze)
        return
    run(args.seconds)


if __name__ == "__main__":
    main()

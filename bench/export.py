"""Time the stacked export of 50,000 responses in every format: `.venv/bin/python -m bench.export`.

The responses (two waves, the Q7 answers and the demographic questions, as `bench.generate` writes them) are
generated into a temporary folder each run, in a few seconds. Each format goes through `data.export`, the
function the API and the CLI call, and the figures are its seconds, the process's peak memory and the bytes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.analytics import _peak_mb, _reset_peak, _status_mb


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.export")
    parser.add_argument("--responses", type=int, default=50_000)
    n = parser.parse_args().responses
    from bench.generate import write_store
    from surveyapp.actions import data
    from surveyapp.domain.services import Services
    from surveyapp.settings import from_env

    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        data = Path(folder) / "data"
        write_store(data / "surveyapp.duckdb", n, n_waves=2)
        services = Services(from_env({}, data_dir=data))
        formats: tuple[data.ExportFormat, ...] = ("csv", "parquet", "xlsx", "sav", "dta")
        try:
            start = time.perf_counter()
            frame = data.export_table(services, "all").frame  # the rows alone, from a cold start
            print(f"rows and columns ({frame.height:,} x {frame.width}) {time.perf_counter() - start:6.2f} s",
                  flush=True)
            for fmt in formats:
                before = _status_mb("VmRSS") or 0.0
                _reset_peak()
                start = time.perf_counter()
                body = data.export(services, "all", fmt)
                seconds = time.perf_counter() - start
                peak = _peak_mb()
                print(f"export --waves all ({n:,} responses) as {fmt:<8} {seconds:6.2f} s  peak RSS {peak:5.0f} MB "
                      f"(+{peak - before:4.0f} MB)  {len(body) / 1e6:6.1f} MB", flush=True)
        finally:
            services.close()


if __name__ == "__main__":
    main()

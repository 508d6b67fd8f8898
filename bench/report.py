"""Time the board report for 1,000,000 stored responses: `.venv/bin/python -m bench.report`.

The service's own path, as `surveyapp report` and `/results/{wave_id}` take it: `report.report_inputs` on a
stored million responses (generated once by `bench.scale.ensure_store`: wave-1 and wave-2, counted in DuckDB),
then the page, the SVG and PNG charts and figures.csv.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path


def main(n_responses: int = 1_000_000) -> None:
    """Open (or first generate) the store, then time the report from the store to files."""
    from bench.scale import ensure_store
    from surveyapp.actions import report
    from surveyapp.domain.services import Services
    from surveyapp.render.report import write_report
    from surveyapp.settings import from_env

    services = Services(from_env({}, data_dir=ensure_store(n_responses)))
    try:
        start = time.perf_counter()
        inputs = report.report_inputs(services, "wave-2")
        analysed = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            page = write_report(inputs, Path(out), threshold=services.settings.small_number_threshold)
            charts = len(list((page.parent / "charts").glob("*.png")))
        done = time.perf_counter()
    finally:
        services.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"report for {n_responses:,} stored responses: {done - start:.2f} s "
          f"(analytics {analysed - start:.2f} s, {charts} charts as SVG+PNG and the page {done - analysed:.2f} s); "
          f"peak RSS {peak:.0f} MB; target under 10 s", flush=True)


if __name__ == "__main__":
    main()

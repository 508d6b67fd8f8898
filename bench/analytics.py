"""Time the analytics on 1,000,000 stored responses, as the service runs them: `.venv/bin/python -m bench.analytics`.

The store is generated once (`bench.generate.write_store`: wave-1 and wave-2, 500,000 responses each) under
data/bench-scale/ and reused (the same file `make bench-scale` starts the service on). Every step goes
through `surveyapp.actions`, which counts in DuckDB and hands Polars only the counts.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

CLEAR_REFS = Path("/proc/self/clear_refs")
STATUS = Path("/proc/self/status")


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux), so each step reports its own peak."""
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def _status_mb(field: str) -> float | None:
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    """The process's peak resident set size since the last reset (VmHWM), else since start."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, run: Callable[[], Any]) -> None:  # run returns a surveyapp.actions.levels.Result
    before = _status_mb("VmRSS") or 0.0
    _reset_peak()
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    print(f"{label:<56} {seconds:6.3f} s  peak RSS {peak:5.0f} MB (+{peak - before:4.0f} MB)"
          f"  {result.frame.height:4d} rows", flush=True)


def main(n_responses: int = 1_000_000) -> None:
    """Open (or first generate) the store, then time compare, cohort and reach, printing seconds and memory."""
    from bench.scale import ensure_store
    from surveyapp.actions import cohort, compare, reach
    from surveyapp.domain.services import Services
    from surveyapp.settings import from_env

    services = Services(from_env({}, data_dir=ensure_store(n_responses)))
    print(f"store open, peak RSS so far {_peak_mb():.0f} MB", flush=True)
    try:
        for by in ("all", "lad", "district", "child_main_need"):
            _timed(f"compare wave-2 vs baseline-2019 by {by}", partial(compare.compare, services, "wave-2", by=by))
        _timed("compare wave-2 vs wave-1 by district",
               lambda: compare.compare(services, "wave-2", baseline_id="wave-1", by="district"))
        for by in ("lad", "district"):
            _timed(f"compare wave-2 vs baseline-2019 by {by}, weighted",
                   partial(compare.compare, services, "wave-2", by=by, weighted=True))
        _timed("compare wave-2 vs wave-1 by district, weighted",
               lambda: compare.compare(services, "wave-2", baseline_id="wave-1", by="district", weighted=True))
        _timed("cohort wave-2 vs wave-1", lambda: cohort.cohort(services, "wave-2", against="wave-1"))
        for by in ("lad", "ethnic_group", "religion", "ethnic_group_broad"):
            _timed(f"reach wave-2 by {by}", partial(reach.reach_of, services, "wave-2", by=by))
        families = ["respondent_role:parent_carer,young_person"]
        _timed("compare wave-2 vs baseline-2019 by lad, filtered",
               partial(compare.compare, services, "wave-2", by="lad", filters=families))
        _timed("compare wave-2 vs wave-1 by lad,ethnic_group_broad (two-way)",
               lambda: compare.compare(services, "wave-2", baseline_id="wave-1", by="lad,ethnic_group_broad"))
        _timed("cohort wave-2 vs wave-1 by lad", lambda: cohort.cohort(services, "wave-2", against="wave-1", by="lad"))
        _timed("cohort wave-2 vs wave-1, filtered",
               lambda: cohort.cohort(services, "wave-2", against="wave-1", filters=families))
        _timed("reach wave-2 by district", partial(reach.reach_of, services, "wave-2", by="district"))
        _timed("reach wave-2 by lad, filtered", partial(reach.reach_of, services, "wave-2", by="lad",
                                                        filters=families))
        for by in ("source", "channel"):  # the generated responses have no source: one no_source row, the join path
            _timed(f"compare wave-2 vs wave-1 by {by}",
                   partial(compare.compare, services, "wave-2", baseline_id="wave-1", by=by))
            _timed(f"reach wave-2 by {by}", partial(reach.reach_of, services, "wave-2", by=by))
    finally:
        services.close()


if __name__ == "__main__":
    main()

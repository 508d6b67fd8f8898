"""Time the analytics on 1,000,000 synthetic responses: `.venv/bin/python -m bench.analytics`."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from analytics.cohort import cohort_change
from analytics.compare import compare_responses
from analytics.reach import option_groups, reach
from bench.generate import generate_frames
from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue
from waves.model import SingleChoice

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


def _timed(label: str, run: Callable[[], pl.DataFrame]) -> None:
    before = _status_mb("VmRSS") or 0.0
    _reset_peak()
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    print(f"{label:<56} {seconds:6.3f} s  peak RSS {peak:5.0f} MB (+{peak - before:4.0f} MB over the frames)"
          f"  {result.height:4d} rows", flush=True)


def main(n_responses: int = 1_000_000, n_waves: int = 4, seed: int = 0) -> None:
    """Generate the frames, then time compare, cohort and reach, printing seconds and peak memory."""
    start = time.perf_counter()
    frames = generate_frames(n_responses, n_waves, seed)
    responses, likert = frames.responses, frames.likert
    print(f"generated {responses.height:,} responses and {likert.height:,} Q7 answers over {n_waves} waves "
          f"in {time.perf_counter() - start:.1f} s (peak RSS so far {_peak_mb():.0f} MB)")
    catalogue = load_catalogue()
    pack = load_area_pack()
    baseline = catalogue.aggregate_counts
    last, before = f"wave-{n_waves}", f"wave-{n_waves - 1}"
    ethnic = catalogue.questionnaire("send-repeat", 1).question("ethnic_group")
    assert isinstance(ethnic, SingleChoice)

    def compare(by: str, *, against: str = "baseline-2019", weighted: bool = False) -> pl.DataFrame:
        counts = baseline if against == "baseline-2019" else None
        return compare_responses(likert, responses, wave_id=last, baseline_id=against, by=by,
                                 baseline_counts=counts, weighted=weighted, lads=pack.lads)

    for by in ("all", "lad", "district", "child_main_need"):
        _timed(f"compare {last} vs baseline-2019 by {by}", lambda by=by: compare(by))
    _timed(f"compare {last} vs {before} by district", lambda: compare("district", against=before))
    _timed(f"compare {last} vs baseline-2019 by lad, weighted", lambda: compare("lad", weighted=True))
    _timed(f"compare {last} vs baseline-2019 by district, weighted",
           lambda: compare("district", weighted=True))
    _timed(f"compare {last} vs {before} by district, weighted",
           lambda: compare("district", against=before, weighted=True))

    def cohort() -> pl.DataFrame:
        later, earlier = pl.col("wave_id") == last, pl.col("wave_id") == before
        return cohort_change(likert.filter(later), responses.filter(later),
                             likert.filter(earlier), responses.filter(earlier))

    _timed(f"cohort_change {last} vs {before}", cohort)
    _timed("reach by lad (all waves)", lambda: reach(responses, by="lad", lads=pack.lads))
    for by in ("ethnic_group", "religion"):
        _timed(f"reach by {by} (all waves)", lambda by=by: reach(responses, by=by, census=pack.census))
    _timed("reach by ethnic_group_broad (all waves)", lambda: reach(
        responses, by="ethnic_group_broad", census=pack.census, option_groups=option_groups(ethnic)))


if __name__ == "__main__":
    main()

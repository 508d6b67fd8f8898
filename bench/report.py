"""Time the board report for 1,000,000 synthetic responses: `.venv/bin/python -m bench.report`.

The same steps as `surveyapp report`, from frames: compare every wave with the baseline, this wave by
LAD, reach by LAD, broad ethnic group and religion, the cohort against the wave before, then the page,
the SVG and PNG charts and figures.csv.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import polars as pl

from analytics.cohort import cohort_change
from analytics.compare import compare_responses
from analytics.reach import option_groups, reach
from bench.generate import generate_frames
from surveyapp.report import ReportInputs, write_report
from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue
from waves.model import SingleChoice

THRESHOLD = 10


def report_inputs(responses: pl.DataFrame, likert: pl.DataFrame, n_waves: int) -> ReportInputs:
    """Every result the report shows, computed from the frames."""
    catalogue, pack = load_catalogue(), load_area_pack()
    baseline = catalogue.aggregate_counts
    waves = [f"wave-{i}" for i in range(1, n_waves + 1)]
    last, before = waves[-1], waves[-2]
    ethnic = catalogue.questionnaire("send-repeat", 1).question("ethnic_group")
    assert isinstance(ethnic, SingleChoice)

    def compare(wave: str, by: str) -> pl.DataFrame:
        return compare_responses(likert, responses, wave_id=wave, baseline_id="baseline-2019", by=by,
                                 baseline_counts=baseline, lads=pack.lads, threshold=THRESHOLD)

    latest = responses.filter(pl.col("wave_id") == last)
    reaches = [reach(latest, by="lad", lads=pack.lads, threshold=THRESHOLD),
               reach(latest, by="ethnic_group_broad", census=pack.census, option_groups=option_groups(ethnic),
                     threshold=THRESHOLD),
               reach(latest, by="religion", census=pack.census, threshold=THRESHOLD)]
    later, earlier = pl.col("wave_id") == last, pl.col("wave_id") == before
    cohort = cohort_change(likert.filter(later), responses.filter(later), likert.filter(earlier),
                           responses.filter(earlier), threshold=THRESHOLD)
    titles = {"baseline-2019": "2019 baseline", **{w: f"Wave {w.split('-')[1]}" for w in waves}}
    return ReportInputs(wave_id=last, baseline_id="baseline-2019", wave_order=("baseline-2019", *waves),
                        wave_titles=titles, overall=pl.concat([compare(w, "all") for w in waves]),
                        by_area=compare(last, "lad"), reach=pl.concat(reaches), cohort=cohort)


def main(n_responses: int = 1_000_000, n_waves: int = 4, seed: int = 0) -> None:
    """Generate the frames, then time the report from results to files; print seconds and peak memory."""
    frames = generate_frames(n_responses, n_waves, seed)
    start = time.perf_counter()
    inputs = report_inputs(frames.responses, frames.likert, n_waves)
    analysed = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        page = write_report(inputs, Path(out), threshold=THRESHOLD)
        charts = len(list((page.parent / "charts").glob("*.png")))
    done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"report for {n_responses:,} responses over {n_waves} waves: {done - start:.2f} s "
          f"(analytics {analysed - start:.2f} s, {charts} charts as SVG+PNG and the page {done - analysed:.2f} s); "
          f"peak RSS {peak:.0f} MB; target under 10 s", flush=True)


if __name__ == "__main__":
    main()

"""Time a release of a 10,000-response wave with every planned table: `.venv/bin/python -m bench.releases`.

Two closed waves of 10,000 generated responses each (bench.generate, through the service's migrations), with
outreach sources on the second (one that brought only 6 families); an interim release of wave-2 at the hour half
its responses were in (local authority and above), published, then the final release with the whole default plan,
checked with the interim one, as the service does it (`surveyapp.actions.releases.make_release`). Prints the time
of each release as a whole (wall clock, and the process's CPU time, which other work on the machine does not
inflate) and of its output check alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

SMALL_SOURCE = 6


def _add_sources(database: Path) -> None:
    """Five sources on wave-2, one of them with only SMALL_SOURCE responses, chosen by a hash of the id."""
    import duckdb

    conn = duckdb.connect(str(database))
    try:
        conn.executemany("INSERT INTO sources VALUES (?, 'wave-2', ?, ?, NULL)", [
            (f"src-{i}", f"Outreach partner {i + 1}", dt.datetime(2020, 7, 1)) for i in range(5)])
        conn.execute("UPDATE responses SET source_id = 'src-' || (hash(response_id) % 4)::VARCHAR "
                     "WHERE wave_id = 'wave-2' AND hash(response_id) % 10 < 4")
        conn.execute(f"UPDATE responses SET source_id = 'src-4' WHERE response_id IN (SELECT response_id FROM "
                     f"responses WHERE wave_id = 'wave-2' ORDER BY response_id LIMIT {SMALL_SOURCE})")
        conn.execute("CHECKPOINT")
    finally:
        conn.close()


def ensure_store(per_wave: int) -> Path:
    """The data folder of two generated waves of `per_wave` responses each, made once."""
    from bench.generate import write_store
    from bench.scale import DATA, GENERATOR

    directory = DATA / f"releases-{per_wave}-{GENERATOR}"
    database = directory / "surveyapp.duckdb"
    if not database.exists():
        building = database.with_name("building.duckdb")
        building.unlink(missing_ok=True)
        write_store(building, 2 * per_wave, n_waves=2, seed=22)
        _add_sources(building)
        building.rename(database)
    return directory


TARGET_SECONDS = 60.0


def _release(services: object, body: object, label: str) -> float:
    """Make (and, if its check passes, publish) one release: the wall time of its whole check."""
    from surveyapp.actions.releases import make_release, publish

    started, cpu = time.perf_counter(), time.process_time()
    made = make_release(services, "wave-2", body, services.clock())  # type: ignore[arg-type, attr-defined]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    check = made.document.check
    hidden = sum(len(r.stopped) for r in check.rules if r.rule != "consistent_rounding")
    failed = [r.rule for r in check.rules if not r.passed]
    tables = sum(1 for t in made.document.tables if t.rows)
    print(f"{label:<44} {seconds:6.1f} s (CPU {cpu:6.1f} s)  check {check.seconds:6.1f} s  {tables:2d} tables  "
          f"{hidden:4d} counts hidden  {'passed' if check.passed else 'FAILED: ' + ', '.join(failed)}", flush=True)
    if check.passed:
        publish(services, made.release_id, services.clock())  # type: ignore[arg-type, attr-defined]
    return check.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=10_000, help="responses in the wave released")
    args = parser.parse_args()
    from surveyapp.actions.schemas import ReleaseIn
    from surveyapp.domain.services import Services
    from surveyapp.settings import from_env
    from surveyapp.store.releases import release_responses

    source = ensure_store(args.responses)
    with tempfile.TemporaryDirectory() as scratch:  # each run starts with no release made
        data = Path(scratch) / "data"
        shutil.copytree(source, data)
        services = Services(from_env({}, data_dir=data))
        try:
            hours = release_responses(services.store, "wave-2", dt.datetime(2100, 1, 1), [])["submitted_hour"]
            half = hours.sort()[hours.len() // 2].replace(minute=0, second=0, microsecond=0)
            print(f"wave-2: {hours.len():,} responses; interim cut-off {half:%Y-%m-%d %H:00}", flush=True)
            _release(services, ReleaseIn(stage="interim", cutoff=half), "interim release (half the wave)")
            seconds = _release(services, ReleaseIn(stage="final"), "final release (whole plan, with the interim)")
            print(f"target: the final's whole check under {TARGET_SECONDS:.0f} s on 2 cores: "
                  f"{'met' if seconds < TARGET_SECONDS else 'NOT met'} ({seconds:.1f} s)", flush=True)
        finally:
            services.close()


if __name__ == "__main__":
    main()

"""Time the live tracker on 1,000,000 stored responses, as the service runs it: `.venv/bin/python -m bench.tracker`.

The store is generated once (`bench.generate.write_store`: wave-1 and wave-2, 500,000 responses each) under
data/bench-scale/tracker-<size>-<generator>/ and reused; wave-2 then gets 40 outreach sources (3 retired), 40%
of its responses through one of them, and 2% each on paper and by phone, so that every breakdown has work to do.
Each step is `surveyapp.actions.tracker.tracker` (reach's counts in DuckDB, the shortfall, the source and channel counts
and the daily series, every cell rounded), and the page is the tracker HTML with its three charts rendered.
"""

from __future__ import annotations

import datetime as dt
import time
from functools import partial
from pathlib import Path

from bench.analytics import _peak_mb, _timed

SOURCES, RETIRED = 40, 3


def _add_outreach(database: Path) -> None:
    """Sources and paper and phone channels for wave-2, set by a hash of each response id (repeatable)."""
    import duckdb

    conn = duckdb.connect(str(database))
    try:
        conn.executemany("INSERT INTO sources VALUES (?, 'wave-2', ?, ?, ?)", [
            (f"src-{i:02d}", f"Outreach partner {i + 1}", dt.datetime(2020, 7, 1),
             dt.datetime(2020, 9, 1) if i < RETIRED else None) for i in range(SOURCES)])
        conn.execute(f"""UPDATE responses SET
            source_id = CASE WHEN hash(response_id) % 10 < 4 THEN 'src-' || lpad((hash(response_id) // 10
                             % {SOURCES})::VARCHAR, 2, '0') END,
            channel = CASE hash(response_id) // 1000 % 50 WHEN 0 THEN 'paper' WHEN 1 THEN 'phone' ELSE channel END
            WHERE wave_id = 'wave-2'""")
        conn.execute("CHECKPOINT")
    finally:
        conn.close()


def ensure_tracker_store(n_responses: int) -> Path:
    """The data directory holding `n_responses` generated responses with outreach sources, made when missing."""
    from bench.generate import write_store
    from bench.scale import DATA, GENERATOR

    directory = DATA / f"tracker-{n_responses}-{GENERATOR}"
    database = directory / "surveyapp.duckdb"
    if database.exists():
        print(f"reusing {database} ({database.stat().st_size / 1e9:.1f} GB)", flush=True)
        return directory
    started = time.monotonic()
    print(f"generating {n_responses:,} responses into {database} (once; reused while the file exists)", flush=True)
    partial_db = database.with_name("building.duckdb")
    partial_db.unlink(missing_ok=True)
    write_store(partial_db, n_responses, n_waves=2, seed=0, chunk=500_000)
    _add_outreach(partial_db)
    partial_db.rename(database)
    print(f"generated in {time.monotonic() - started:.0f} s", flush=True)
    return directory


def main(n_responses: int = 1_000_000) -> None:
    """Open (or first generate) the store, then time the tracker by each breakdown and the page."""
    from surveyapp.actions import tracker
    from surveyapp.domain.services import Services
    from surveyapp.render.tracker import tracker_html
    from surveyapp.settings import from_env

    services = Services(from_env({}, data_dir=ensure_tracker_store(n_responses)))
    print(f"store open, peak RSS so far {_peak_mb():.0f} MB", flush=True)
    try:
        _timed("tracker wave-2 by lad (first: imports scipy, analytics)",
               partial(tracker.tracker, services, "wave-2", by="lad"))
        for by in ("lad", "district", "ethnic_group_broad", "source", "channel"):
            _timed(f"tracker wave-2 by {by}", partial(tracker.tracker, services, "wave-2", by=by))
        wave = services.wave("wave-2")
        result = tracker.tracker(services, "wave-2", by="lad")
        days = result.tables["daily"]
        print(f"  (daily series: {days.height:,} cells over {days['date'].n_unique()} days)", flush=True)
        start = time.perf_counter()
        page = tracker_html(result, wave=wave, levels=tracker.tracker_levels(wave), pack_info=services.areas.info,
                            refresh=False, refresh_seconds=300, now=services.clock(),
                            threshold=services.settings.small_number_threshold)
        print(f"{'tracker page by lad (four charts to SVG, HTML)':<56} {time.perf_counter() - start:6.3f} s  "
              f"{len(page) / 1e3:,.0f} kB", flush=True)
    finally:
        services.close()


if __name__ == "__main__":
    main()

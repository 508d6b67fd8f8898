"""The live tracker: reach so far with each row's shortfall, responses by outreach source and channel, and per day."""

from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.areas import ARRIVAL_LEVELS, NO_SOURCE
from analytics.disclosure import INTERNAL, INTERNAL_FIGURES
from surveyapp.actions.levels import AnalysisError, Breakdown, Result, levels_of, response_wave
from surveyapp.actions.reach import reach_of
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave

OUTREACH = ARRIVAL_LEVELS
# Short enough for a phone's chart; paper and phone answers are entered by staff (docs: staff/tracker.md).
CHANNEL_NAMES = {"form": "Online form", "api": "API", "paper": "Paper", "phone": "Phone"}
NO_SOURCE_NAME = "No outreach link"
NOTES = [
    "shortfall: the fewest more responses that would bring the row up to its expected share, the total growing "
    "with them: the smallest k with (x + k) / (N + k) >= p, i.e. ceil((p N - x) / (1 - p)), from the exact "
    "figures (x the row's responses; N the base; p the expected share). Rows are sorted by it, largest first.",
    "daily: responses per UK day (Europe/London) by channel and by source, exact; a day with fewer than 10, zero "
    "days alike, has publishable false.",
]


def _names(services: Services, wave_id: str, breakdown: str) -> tuple[dict[str, str], dict[str, bool]]:
    """Each code's display name and, for sources, whether it is retired (the wave's sources, oldest first)."""
    if breakdown == "channel":
        return dict(CHANNEL_NAMES), {}
    sources = sorted(services.sources.of_wave(wave_id), key=lambda s: (s.created_at, s.source_id))
    names = {s.source_id: f"{s.name} (retired)" if s.retired else s.name for s in sources}
    return {**names, NO_SOURCE: NO_SOURCE_NAME}, {s.source_id: s.retired for s in sources}


def _codes(services: Services, wave_id: str, breakdown: str, counted: pl.Series) -> list[str]:
    """Every code a table shows: each channel, or each registered source, no source, and any other counted."""
    known = list(CHANNEL_NAMES) if breakdown == "channel" else [*_names(services, wave_id, breakdown)[1], NO_SOURCE]
    return list(dict.fromkeys([*known, *sorted(counted.to_list())]))


def outreach_groups(services: Services, wave_id: str, breakdown: str) -> pl.DataFrame:
    """Responses so far per source (registered ones, retired marked) or channel, exact and flagged, as
    `analytics.tracker.GROUP_COLUMNS` (internal; no population figure, so no shortfall)."""
    from analytics.disclosure import round_response_counts
    from analytics.tracker import group_rows, published
    from surveyapp.store.frames import response_counts

    counted = response_counts(services.store, [wave_id], by=breakdown).drop("wave_id")
    codes = _codes(services, wave_id, breakdown, counted["area_code"])
    every = pl.DataFrame({"area_code": codes}).join(counted, on="area_code", how="left").with_columns(
        pl.col("responses").fill_null(0), wave_id=pl.lit(wave_id))
    rounded = round_response_counts(services.internal, every, by=breakdown)
    names, retired = _names(services, wave_id, breakdown)
    shown = published(rounded, threshold=services.settings.small_number_threshold, internal=True).drop("wave_id")
    return group_rows(shown, wave_id=wave_id, level=breakdown, names=names, retired=retired)


def daily(services: Services, wave: Wave) -> pl.DataFrame:
    """Responses per UK day by channel and by source (`analytics.tracker.DAILY_COLUMNS`), from the day the wave
    opened to today (or the wave's last day), exact, each day flagged under the threshold."""
    from analytics.suppression import internal_columns
    from analytics.tracker import DAILY_COLUMNS, published, uk_days
    from surveyapp.store.tracking import hourly_by

    last = min(services.today(), wave.closes_on)
    parts = []
    for breakdown in OUTREACH[::-1]:  # channel first
        hourly = hourly_by(services.store, wave.wave_id, breakdown)
        days = uk_days(hourly, codes=_codes(services, wave.wave_id, breakdown, hourly["code"].unique()), last=last,
                       first=wave.opens_on)
        cells = days.with_columns(wave_id=pl.lit(wave.wave_id), _level=pl.lit(f"day-{breakdown}"))
        rounded = services.internal.round_cells(cells, count="responses", cell=["wave_id", "_level", "date", "code"],
                                                table="responses")
        names, _ = _names(services, wave.wave_id, breakdown)
        parts.append(published(rounded.drop("_level"), threshold=services.settings.small_number_threshold,
                               internal=True)
                     .with_columns(breakdown=pl.lit(breakdown),
                                   name=pl.col("code").replace_strict(names, default=pl.col("code"),
                                                                      return_dtype=pl.String)))
    return pl.concat([p.select(internal_columns(DAILY_COLUMNS)) for p in parts]) if parts else pl.DataFrame()


def tracker_levels(wave: Wave) -> list[str]:
    """What the tracker can be broken down by: reach's levels (lad, district, a question), source and channel."""
    return list(dict.fromkeys([*(level for level in levels_of(wave) if level != "all"), *OUTREACH]))


def tracker(services: Services, wave_id: str, *, by: str = "lad") -> Result:
    """The live tracker: reach so far by area or group (`reach_of`'s rows, the same tests) with each row's
    shortfall, sorted by it, or responses by outreach `source` or `channel`; and, in `tables["daily"]`,
    responses per UK day by channel and by source. Internal: exact counts, each row flagged with what a
    release could not show."""
    from analytics.tracker import with_shortfall

    wave = response_wave(services, wave_id, "wave")
    if by not in tracker_levels(wave):
        raise AnalysisError("by", f"use one of {', '.join(tracker_levels(wave))}")
    threshold = services.settings.small_number_threshold
    if Breakdown.parse(services, wave, by).levels[0].kind == "arrival":
        groups, base, notes = outreach_groups(services, wave_id, by), None, [INTERNAL_FIGURES]
    else:
        reached = reach_of(services, wave_id, by=by)
        base = int(reached.parameters["base"])
        groups, notes = with_shortfall(reached.frame, total=base, threshold=threshold), reached.notes
    notes = [*notes, *NOTES]
    return Result("tracker", groups, {"wave": wave_id, "by": by, "threshold": threshold, "base": base,
                                      "updated_at": services.clock().astimezone(dt.UTC).isoformat(timespec="seconds")},
                  notes, tables={"daily": daily(services, wave)}, classification=INTERNAL)

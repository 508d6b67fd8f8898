"""The live tracker as a page: a headline naming where to push this week, the tracker chart, responses per day,
and a table of the same figures. English only (an analysts' page). No script: it reloads itself only when
asked to (an HTTP Refresh header, with a link to stop)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import markupsafe
import polars as pl

from analytics.charts.tracker import daily_chart, tracker_chart, tracker_points
from analytics.tracker import tracker_headline
from surveyapp.actions.levels import Result
from surveyapp.domain.waves import UK, Wave
from surveyapp.render.report import chart_svg
from surveyapp.render.templating import render
from waves.areas.pack import PackInfo

LEVEL_NAMES = {"lad": "area (local authority district)", "district": "postcode district", "source": "outreach source",
               "channel": "channel", "ethnic_group_broad": "ethnic group", "ethnic_group": "detailed ethnic group",
               "religion": "religion", "child_age_band": "child's age"}
LINKED = ("lad", "district", "ethnic_group_broad", "religion", "child_age_band", "source", "channel")
MOBILE, DESKTOP = 200, 560  # the tracker chart's plot width, px
CHART_ROWS = 15


def level_name(level: str) -> str:
    """A breakdown in words: "area (local authority district)", "free school meals"."""
    return LEVEL_NAMES.get(level, level.replace("_", " "))


def _svg(chart: Any, slug: str, heading: str) -> markupsafe.Markup:
    return markupsafe.Markup(chart_svg(chart, slug, heading))  # noqa: S704 - vl-convert's SVG; texts escaped


def _cells(groups: pl.DataFrame, outreach: bool) -> list[dict[str, Any]]:
    """The table's rows, as the page says them."""
    rows = []
    for row in groups.iter_rows(named=True):
        if not outreach and row["expected_share"] is None:
            continue
        verdict = row["reach_status"] if row["reach_status"] != "no population figure" else ""
        rows.append({
            "name": row["area_name"], "responses": row["responses_band"],
            "expected": "" if row["expected_responses"] is None else f"{row['expected_responses']:,.0f}",
            "shortfall": "" if row["shortfall"] is None else f"{row['shortfall']:,}",
            "verdict": verdict, "under": bool(row["under_reached"]),
            "share": "" if row["response_share"] is None else f"{row['response_share']:.1%}",
            "expected_share": "" if row["expected_share"] is None else f"{row['expected_share']:.1%}",
            "retired": "retired" if row["retired"] else ""})
    return rows


def _days(daily: pl.DataFrame, per: str) -> dict[str, Any]:
    """Responses per day by channel (or source) as a table: their names, and each day (newest first) with a
    cell each."""
    channels = daily.filter(pl.col("breakdown") == per)
    names = list(dict.fromkeys(channels["name"].to_list()))
    wide: dict[dt.date, dict[str, str]] = {}
    for row in channels.iter_rows(named=True):
        wide.setdefault(row["date"], {})[row["name"]] = row["responses_band"]
    days = [{"day": f"{day:%a %-d %b}", "cells": [cells.get(n, "") for n in names]}
            for day, cells in sorted(wide.items(), reverse=True)]
    return {"names": names, "days": days}


def tracker_html(result: Result, *, wave: Wave, levels: list[str], pack_info: PackInfo, refresh: bool,
                 refresh_seconds: int, now: dt.datetime, threshold: int) -> str:
    """The tracker page for one breakdown (`result` from `tracker.tracker`)."""
    by, groups, daily = str(result.parameters["by"]), _drawn(result.frame), _drawn(result.tables["daily"])
    outreach = by in ("source", "channel")
    word = level_name(by)
    line = tracker_headline(groups, by=by)
    if daily.is_empty():  # no response at all yet: nothing is short of anything
        line = "No responses yet: the tracker fills in as they arrive."
    title = f"Responses so far by {word}" + ("" if outreach else ", largest shortfall first")
    drawn = tracker_points(groups, threshold=threshold).height
    if drawn > CHART_ROWS:  # a chart read at a glance: the rows that matter most, every row in the table
        title += f" (the first {CHART_ROWS} of {drawn}; every one is in the table)"
    charts = {size: _svg(tracker_chart(groups, pack_info=pack_info, threshold=threshold, title=title, width=width,
                                       compact=size == "mobile", most=CHART_ROWS), f"tracker-{size}", title)
              for size, width in (("mobile", MOBILE), ("desktop", DESKTOP))}
    per = "source" if by == "source" else "channel"  # by source, the days by source; else by channel
    has_days = daily.filter(pl.col("breakdown") == per).height > 0
    days_heading = f"Responses per day by {per}"
    days_svg = {size: _svg(daily_chart(daily, breakdown=per, threshold=threshold, width=width), f"daily-{size}",
                           days_heading) for size, width in (("mobile", MOBILE + 60), ("desktop", DESKTOP))} \
        if has_days else None
    local = now.astimezone(UK)

    def link(**changes: str) -> str:
        return f"/tracker/{wave.wave_id}?" + urlencode({"by": by, "refresh": "on" if refresh else "off", **changes})

    return render(
        "tracker/tracker.html.j2",
        wave=wave, title=wave.title.get("en", wave.wave_id), by=by, word=word, headline=line, charts=charts,
        chart_title=title, days_svg=days_svg, days_heading=days_heading, days=_days(daily, per), per=per,
        outreach=outreach,
        rows=_cells(groups, outreach), base=result.parameters.get("base"), threshold=threshold,
        updated=f"{local:%H:%M} on {local:%A %-d %B %Y}", refresh=refresh, minutes=refresh_seconds // 60,
        refresh_link=link(refresh="off" if refresh else "on"),
        levels=[{"id": level, "name": level_name(level), "href": link(by=level), "current": level == by}
                for level in levels if level in LINKED],
        options=[{"id": level, "name": level_name(level), "selected": level == by} for level in levels],
        notes=result.notes, status=_status(wave, local.date()), place=pack_info.place_name,
        internal=result.classification is not None,
        not_publishable=[row["area_name"] for row in result.frame.iter_rows(named=True)
                         if row.get("publishable") is False and (outreach or row["expected_share"] is not None)])


def _drawn(frame: pl.DataFrame) -> pl.DataFrame:
    """Internal rows as the charts draw them: every count shown as it is (exact), none hidden."""
    if "publishable" not in frame.columns:
        return frame
    return frame.with_columns(suppressed=pl.lit(False))


def _status(wave: Wave, today: dt.date) -> str:
    """Whether the wave is open, in a sentence."""
    status = wave.status(today)
    if status == "open":
        return f"The wave is open until {wave.closes_on:%-d %B %Y}."
    if status == "scheduled":
        return f"The wave opens on {wave.opens_on:%-d %B %Y}."
    return "The wave has closed: these are its final figures."

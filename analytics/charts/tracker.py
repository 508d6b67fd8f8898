"""The live tracker's charts: each area's responses so far against its expected number, and responses per day."""

from __future__ import annotations

import textwrap

import altair as alt
import polars as pl

from analytics.charts.common import BETTER, NO_CLEAR, WORSE, configure
from waves.areas.pack import PackInfo

STATUS = ["under-reached", "not under-reached", "cannot yet be assessed"]
OUTREACH_LEVELS = ("source", "channel")
CHANNEL_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7"]  # Okabe-Ito: form, API, paper, phone


def tracker_points(groups: pl.DataFrame, *, threshold: int) -> pl.DataFrame:
    """The rows the tracker chart draws, in the tracker's order (largest shortfall first): groups with an
    expected share (by area or group) or every row (by source or channel), with `status` (reach's verdict,
    or null), `label`, the words beside each bar ("20 of 50 expected: under-reached, about 33 short"; a
    hidden count as "fewer than 10"), and `short`, the same for a phone ("20 of 50 · under-reached · 33 short")."""
    outreach = groups["area_level"].is_in(list(OUTREACH_LEVELS)).any() if groups.height else False
    rows = groups if outreach else groups.filter(pl.col("expected_share").is_not_null())
    count = pl.when(pl.col("suppressed")).then(pl.lit(f"fewer than {threshold}")).otherwise(
        pl.col("responses").cast(pl.String))
    short_by = pl.when(pl.col("shortfall") > 0)
    status = pl.when(pl.col("reach_status").is_in(STATUS)).then(pl.col("reach_status"))
    expected = pl.col("expected_responses").cast(pl.Int64)
    label = pl.when(status.is_null()).then(count).otherwise(pl.format(
        "{} of {} expected: {}{}", count, expected, status,
        short_by.then(pl.format(", about {} short", pl.col("shortfall"))).otherwise(pl.lit(""))))
    short = pl.when(status.is_null()).then(count).otherwise(pl.format(
        "{} of {} · {}{}", count, expected, status,
        short_by.then(pl.format(" · {} short", pl.col("shortfall"))).otherwise(pl.lit(""))))
    return rows.with_columns(status=status, label=label, short=short).select(
        "area_name", "responses", "expected_responses", "shortfall", "status", "label", "short", "suppressed")


def tracker_chart(groups: pl.DataFrame, *, pack_info: PackInfo, threshold: int, title: str,
                  width: int = 560, compact: bool = False, most: int | None = None) -> alt.TopLevelMixin:
    """A horizontal bar per area or group: its responses so far (coloured and labelled by reach's verdict),
    a black tick at the number expected at this total, the words above it; the order is the tracker's, the
    first `most` rows only when given. `compact`: shorter words and a wrapped title, for a phone's width."""
    points = tracker_points(groups, threshold=threshold)
    points = points if most is None else points.head(most)
    order = points["area_name"].to_list()
    y = alt.Y("area_name:N", title=None, sort=order, axis=alt.Axis(labelLimit=100 if compact else 200))
    has_expected = bool(points["expected_responses"].is_not_null().any())
    top = max([10.0, *points["responses"].drop_nulls().to_list(), *points["expected_responses"].drop_nulls().to_list()])
    x = alt.X("responses:Q", title=("Responses (tick: expected)" if compact else
                                    "Responses so far (tick: expected at this total)") if has_expected
              else "Responses so far", scale=alt.Scale(domain=[0, top * 1.05]), axis=alt.Axis(tickCount=4))
    colour = alt.Color("status:N", title=None, sort=STATUS, legend=alt.Legend(orient="top", direction="vertical"
                       if compact else "horizontal"), scale=alt.Scale(domain=STATUS, range=[WORSE, BETTER, NO_CLEAR]))
    bars = alt.Chart().mark_bar(size=14, yOffset=6).encode(
        x=x, y=y, color=colour if has_expected else alt.value(BETTER),
        tooltip=[alt.Tooltip("area_name:N", title="Who"), alt.Tooltip("label:N", title="So far")])
    layers = [bars]
    if has_expected:
        layers.append(alt.Chart().mark_tick(color="#0b0c0c", thickness=3, size=18, yOffset=6).encode(
            x="expected_responses:Q", y=y))
    # The words go above each bar, on white, so that they read whatever the bar's colour.
    layers.append(alt.Chart().mark_text(align="left", baseline="bottom", dx=3, dy=-4, fontSize=12, color="#0b0c0c")
                  .encode(y=y, x=alt.datum(0), text="short:N" if compact else "label:N"))
    wrap = 44 if compact else 110
    lines = [f"Counts rounded to a multiple of 5; fewer than {threshold} shows that band.",
             f"Sources: {pack_info.place_name} SEND survey, this wave so far"
             + ("; " + pack_info.children_source if has_expected else "") + "."]
    chart = alt.layer(*layers, data=points, width=width, height=alt.Step(40)).properties(
        title=alt.Title(textwrap.wrap(title, wrap), anchor="start", fontSize=15 if compact else 16,
                        subtitleFontSize=11 if compact else 12, subtitleColor="#333333",
                        subtitle=[part for line in lines for part in textwrap.wrap(line, wrap + 10)]))
    return configure(chart, _describe(points, title))


def _describe(points: pl.DataFrame, title: str) -> str:
    lines = [f"{r['area_name']}: {r['label']}" for r in points.iter_rows(named=True)]
    return f"Bar chart of responses so far against the number expected. {title}. " + "; ".join(lines) + "."


def daily_chart(daily: pl.DataFrame, *, breakdown: str = "channel", threshold: int, width: int = 560
                ) -> alt.TopLevelMixin:
    """Responses per UK day, one small row of bars per channel (or source), in the daily table's order; a day
    with fewer than `threshold` in a channel has no bar (its count is not published), and a channel without
    a day of `threshold` or more says so in words."""
    rows = daily.filter(pl.col("breakdown") == breakdown).select("date", "name", "responses", "responses_band")
    names = list(dict.fromkeys(rows["name"].to_list()))
    quiet = rows.group_by("name").agg(pl.col("responses").is_null().all().alias("quiet")).filter("quiet")["name"]
    first = rows["date"].min()
    # A hidden day is drawn as nothing (0), so that every channel keeps its row; its tooltip says the band.
    drawn = rows.with_columns(
        pl.col("responses").fill_null(0),
        note=pl.when(pl.col("name").is_in(quiet.to_list()) & (pl.col("date") == first))
        .then(pl.lit(f"no day with {threshold} or more yet")),
    ).with_columns(pl.col("date").cast(pl.String))
    top = max([threshold * 2, *rows["responses"].drop_nulls().to_list()])
    x = alt.X("yearmonthdate(date):T", title="Day (UK)", axis=alt.Axis(format="%-d %b", labelAngle=0))
    bars = alt.Chart().mark_bar().encode(
        x=x, y=alt.Y("responses:Q", title=None, axis=alt.Axis(tickCount=3), scale=alt.Scale(domain=[0, top])),
        color=alt.Color("name:N", legend=None, sort=names,
                        scale=alt.Scale(domain=names, range=(CHANNEL_COLOURS * len(names))[:len(names)] or [BETTER])),
        tooltip=[alt.Tooltip("yearmonthdate(date):T", title="Day", format="%-d %B %Y"),
                 alt.Tooltip("name:N", title=breakdown.title()), alt.Tooltip("responses_band:N", title="Responses")],
    )
    words = alt.Chart().mark_text(align="left", fontSize=12, fontStyle="italic", color="#333333").encode(
        x=x, y=alt.datum(top / 2), text="note:N").transform_filter("isValid(datum.note)")
    chart = alt.layer(bars, words, data=drawn, width=width, height=60).facet(
        row=alt.Row("name:N", sort=names, title=None, header=alt.Header(
            labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top", labelFontWeight="bold")),
        spacing=6).properties(title=alt.Title(
            f"Responses per day by {breakdown}", anchor="start", fontSize=16, subtitleFontSize=12,
            subtitleColor="#333333", subtitle=[f"A day with fewer than {threshold} in a {breakdown} shows no bar."]))
    shown = rows.filter(pl.col("responses").is_not_null())
    counted = ", ".join(f"{n}: {shown.filter(pl.col('name') == n).height} days with {threshold} or more"
                        for n in names)
    return configure(chart, f"Bar charts of responses per day, one per {breakdown}. {counted}.")

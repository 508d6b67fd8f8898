"""Trend: the share agreeing with each statement across every wave, with intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from analytics.charts.common import (
    BASELINE_SOURCE,
    BETTER,
    TOO_FEW,
    agree_words,
    clear_change,
    configure,
    hide_suppressed,
    pct,
    statement_order,
    titled,
    with_statement_label,
)
from analytics.charts.likert import wave_labels
from analytics.scale import Scale
from waves.areas.pack import PackInfo

COLUMNS = ["wave_id", "statement_id", "n_valid", "share_agree", "share_agree_ci_low", "share_agree_ci_high",
           "delta_share_agree", "delta_ci_low", "delta_ci_high", "q_value", "suppressed"]


def baseline_points(overall: pl.DataFrame) -> pl.DataFrame:
    """The baseline's own points, read from later waves' rows when the baseline has none of its own."""
    missing = overall.filter(~pl.col("baseline_id").is_in(overall["wave_id"].unique().to_list()))
    return missing.filter(pl.col("baseline_share_agree").is_not_null()).unique(
        ["baseline_id", "statement_id"], keep="first", maintain_order=True).select(
        pl.col("baseline_id").alias("wave_id"), "statement_id",
        pl.col("baseline_n_valid").alias("n_valid"), pl.col("baseline_share_agree").alias("share_agree"),
        pl.lit(False).alias("suppressed"))


def trend_points(overall: pl.DataFrame, *, scale: Scale, wave_order: Sequence[str],
                 wave_titles: Mapping[str, str], threshold: int) -> pl.DataFrame:
    """One row per wave and statement: share agreeing and its interval, nulled when suppressed.

    Needs compare rows at area_level 'all' for every wave (COLUMNS plus baseline_id, baseline_n_valid,
    baseline_share_agree); returns them with `wave`, `wave_rank`, `statement`, `change` and `note`.
    """
    rows = overall.filter(pl.col("area_level") == "all")
    rows = pl.concat([rows.select(COLUMNS), baseline_points(rows)], how="diagonal_relaxed")
    rows = hide_suppressed(rows, [], size_col="n_valid", threshold=threshold)
    rows = rows.with_columns(clear_change(rows).alias("change"),
                             pl.when(pl.col("suppressed")).then(pl.lit(TOO_FEW)).alias("note"))
    return with_statement_label(wave_labels(rows, wave_order, wave_titles), scale).sort("statement_id", "wave_rank")


def trend_title(points: pl.DataFrame, first: str, scale: Scale) -> str:
    """The finding: the clearest change since the first wave in the latest wave that has figures."""
    shown = points.filter(pl.col("delta_share_agree").is_not_null())
    if shown.is_empty():
        return "Share of families agreeing with each statement, wave by wave"
    latest = shown.filter(pl.col("wave_rank") == shown["wave_rank"].max())
    clear = latest.filter(pl.col("change") != "no clear change")
    if clear.is_empty():
        return f"No clear change since {first} in how many families agree with any statement"
    top = clear.sort(pl.col("delta_share_agree").abs(), descending=True).row(0, named=True)
    more = "More" if top["delta_share_agree"] > 0 else "Fewer"
    return (f"{more} families agree {scale.phrase(top['statement_id'])} than in {first} "
            f"({pct(top['delta_share_agree'], signed=True)} by {top['wave']})")


def trend_chart(overall: pl.DataFrame, *, scale: Scale, pack_info: PackInfo, wave_order: Sequence[str],
                wave_titles: Mapping[str, str], threshold: int) -> alt.TopLevelMixin:
    """Share agreeing per statement across waves: a line with 95% intervals, one panel per statement."""
    points = trend_points(overall, scale=scale, wave_order=wave_order, wave_titles=wave_titles,
                          threshold=threshold)
    waves = [wave_titles.get(w, w) for w in wave_order]
    x = alt.X("wave:N", sort=waves, title=None,
              axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' ')"))
    y = alt.Y("share_agree:Q", title="Share agreeing", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format=".0%", tickCount=5))
    tooltip = [alt.Tooltip("statement:N", title="Statement"), alt.Tooltip("wave:N", title="Wave"),
               alt.Tooltip("share_agree:Q", title="Agree", format=".0%"),
               alt.Tooltip("share_agree_ci_low:Q", title="Interval from", format=".0%"),
               alt.Tooltip("share_agree_ci_high:Q", title="Interval to", format=".0%")]
    shown = alt.datum.share_agree != None  # noqa: E711 - a Vega expression, not a Python comparison
    line = alt.Chart().mark_line(color=BETTER, strokeWidth=2).encode(x=x, y=y).transform_filter(shown)
    band = alt.Chart().mark_rule(color=BETTER, strokeWidth=2, opacity=0.5).encode(
        x=x, y="share_agree_ci_low:Q", y2="share_agree_ci_high:Q")
    dots = alt.Chart().mark_point(filled=True, size=60, color=BETTER, opacity=1).encode(
        x=x, y=y, tooltip=tooltip)
    labels = alt.Chart().mark_text(dy=-12, fontSize=11).encode(
        x=x, y=y, text=alt.Text("share_agree:Q", format=".0%"))
    note = alt.Chart().mark_text(angle=270, fontStyle="italic", fontSize=11, color="#333333").encode(
        x=x, y=alt.datum(0.5), text="note:N").transform_filter("isValid(datum.note)")
    chart = alt.layer(line, band, dots, labels, note, data=points, width=150, height=150).facet(
        facet=alt.Facet("statement:N", sort=statement_order(points["statement_id"], scale), title=None,
                        header=alt.Header(labelFontWeight="bold", labelAnchor="start")), columns=4)
    title = trend_title(points, waves[0] if waves else "the first wave", scale)
    lines = [f"Dot: share of families agreeing ({agree_words(scale)}), out of those who gave an answer; "
             "short vertical bar: its 95% interval."]
    chart = chart.properties(title=titled(title, threshold, pack_info, BASELINE_SOURCE, lines=lines))
    return configure(chart, f"Line charts, one per statement, of the share of families agreeing in each of "
                            f"{len(waves)} wave{'' if len(waves) == 1 else 's'} ({', '.join(waves)}). {title}.")

"""Shift by area: each LAD's share agreeing this wave, with its interval, against the baseline."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from analytics.charts.common import (
    BASELINE,
    BASELINE_SOURCE,
    BETTER,
    NO_CLEAR,
    NOT_AREAS,
    TOO_FEW,
    WIDTH,
    WORSE,
    clear_change,
    configure,
    hide_suppressed,
    pct,
    statement_order,
    titled,
    with_statement_label,
)
from analytics.scale import Scale
from waves.areas.pack import PackInfo

CHANGES = ["more agree", "no clear change", "fewer agree"]


def shift_points(by_area: pl.DataFrame, *, scale: Scale, statement_id: str | None, threshold: int) -> pl.DataFrame:
    """LAD rows of a compare result, figures nulled when suppressed, with `change` and a per-panel `rank`.

    Needs: area_level, area_code, area_name, statement_id, n_valid, share_agree, share_agree_ci_low,
    share_agree_ci_high, baseline_share_agree, delta_share_agree, delta_ci_low, delta_ci_high, q_value,
    suppressed. Areas are ranked by shift, largest rise first; suppressed areas last (`rank`, per panel), and
    by their mean shift over the statements (`area_rank`, the same in every panel of the all-statements chart).
    """
    rows = by_area.filter((pl.col("area_level") == "lad") & ~pl.col("area_code").is_in(NOT_AREAS))
    if statement_id is not None:
        rows = rows.filter(pl.col("statement_id") == statement_id)
    rows = hide_suppressed(rows, [], size_col="n_valid", threshold=threshold)
    rows = rows.with_columns(clear_change(rows).alias("change"))
    rank = pl.col("delta_share_agree").rank("ordinal", descending=True).over("statement_id")
    # One order for every panel of the all-statements chart: by the area's mean change over the statements it
    # has figures for (largest first), areas with none last, then by name.
    mean = pl.col("delta_share_agree").mean().over("area_name")
    area_rank = pl.struct(mean.is_null().alias("_none"), (-mean.fill_null(0)).alias("_mean"),
                          pl.col("area_name")).rank("dense")
    return with_statement_label(rows.with_columns(
        pl.when(pl.col("suppressed")).then(1000).otherwise(rank).alias("rank"),
        area_rank.alias("area_rank"),
        pl.when(pl.col("suppressed")).then(pl.lit(TOO_FEW)).alias("note"),
    ).sort("statement_id", "rank", "area_name"), scale)


def county_wide(points: pl.DataFrame) -> bool:
    """Whether the rows are compared with the baseline's single county-wide figure (it has no area breakdown)."""
    codes = points["baseline_area_code"].drop_nulls() if "baseline_area_code" in points.columns else pl.Series([])
    return codes.len() > 0 and bool((codes == "all").all())


def shift_title(points: pl.DataFrame, *, scale: Scale, baseline_title: str, single: bool,
                baseline_scope: str | None = None, wave_title: str | None = None) -> str:
    """The finding: the clearest area shift, in words. Against a baseline with no area breakdown
    (`county_wide`), it says what each area is compared with ("than Kent-wide in 2019"), not "since"."""
    against = county_wide(points) and baseline_scope is not None
    clear = points.filter(pl.col("change").is_in(CHANGES[::2]))
    if clear.is_empty():
        what = f"how many families agree {scale.phrase(points['statement_id'][0])}" if single and \
            points.height else "any statement"
        if against:
            return f"No area differs clearly from the {baseline_scope} {baseline_title} figure in {what}"
        return f"No area shows a clear change since {baseline_title} in {what}"
    top = clear.sort(pl.col("delta_share_agree").abs(), descending=True).row(0, named=True)
    more = "More" if top["delta_share_agree"] > 0 else "Fewer"
    if against:
        when = f", {wave_title}," if wave_title else ""
        return (f"{more} families agree {scale.phrase(top['statement_id'])} in {top['area_name']}{when} "
                f"than {baseline_scope} in {baseline_title} ({pct(top['delta_share_agree'], signed=True)})")
    return (f"{more} families agree {scale.phrase(top['statement_id'])} in {top['area_name']} "
            f"than in {baseline_title} ({pct(top['delta_share_agree'], signed=True)})")


def shift_chart(by_area: pl.DataFrame, *, scale: Scale, pack_info: PackInfo, threshold: int,
                statement_id: str | None = None, wave_title: str = "this wave",
                baseline_title: str = "2019") -> alt.TopLevelMixin:
    """Share agreeing per LAD with its interval and the baseline mark, areas sorted by shift."""
    points = shift_points(by_area, scale=scale, statement_id=statement_id, threshold=threshold)
    values = [v for c in ("share_agree_ci_low", "share_agree_ci_high", "baseline_share_agree")
              for v in points[c].drop_nulls().to_list()]
    low = math.floor(min([*values, 0.5]) * 10) / 10
    high = math.ceil(max([*values, 0.5]) * 10) / 10
    x = alt.X("share_agree:Q", scale=alt.Scale(domain=[low, high]),
              axis=alt.Axis(format=".0%", title=f"Share agreeing, {wave_title}", tickCount=5))
    single = statement_id is not None
    y = alt.Y("area_name:N", title=None, sort=alt.EncodingSortField("rank" if single else "area_rank", op="min"))
    tooltip = [alt.Tooltip("area_name:N", title="Area"), alt.Tooltip("statement:N", title="Statement"),
               alt.Tooltip("share_agree:Q", title="Agree", format=".0%"),
               alt.Tooltip("share_agree_ci_low:Q", title="Interval from", format=".0%"),
               alt.Tooltip("share_agree_ci_high:Q", title="Interval to", format=".0%"),
               alt.Tooltip("baseline_share_agree:Q", title="Baseline", format=".0%"),
               alt.Tooltip("delta_share_agree:Q", title="Change (points)", format="+.0%")]
    interval = alt.Chart().mark_rule(strokeWidth=2, color="#7f7f7f").encode(
        x="share_agree_ci_low:Q", x2="share_agree_ci_high:Q", y=y)
    baseline = alt.Chart().mark_tick(color=BASELINE, thickness=2, size=16).encode(
        x="baseline_share_agree:Q", y=y)
    point = alt.Chart().mark_point(filled=True, size=90, opacity=1).encode(
        x=x, y=y, tooltip=tooltip,
        color=alt.Color("change:N", title="Compared with the baseline", sort=CHANGES,
                        scale=alt.Scale(domain=CHANGES, range=[BETTER, NO_CLEAR, WORSE])),
        shape=alt.Shape("change:N", sort=CHANGES, title="Compared with the baseline", scale=alt.Scale(
            domain=CHANGES, range=["triangle-right", "circle", "triangle-left"])))
    note = alt.Chart().mark_text(align="left", fontStyle="italic", color="#333333").encode(
        x=alt.datum(low), y=y, text="note:N").transform_filter("isValid(datum.note)")
    layers = alt.layer(interval, baseline, point, note, data=points, height=alt.Step(20 if single else 16),
                       width=WIDTH - 220 if single else (WIDTH - 300) // 2)
    title = shift_title(points, scale=scale, baseline_title=baseline_title, single=single,
                        baseline_scope=pack_info.baseline_scope, wave_title=wave_title)
    lines = [f"Dot: share agreeing with its 95% interval (grey line). Black mark: {baseline_title}. "
             "Areas sorted by change, largest rise first (by mean change when every statement is shown, the same "
             "order in every panel)."]
    if county_wide(points):
        lines = [f"Dot: share agreeing, {wave_title}, with its 95% interval (grey line). Black mark: the "
                 f"{pack_info.baseline_scope} {baseline_title} figure, the same for every area: the {baseline_title} "
                 "survey has no area breakdown, so a gap mixes differences between areas with change over time.",
                 "Areas the baseline did not cover are not compared with it. Areas sorted by difference."]
    chart = layers if single else layers.facet(
        facet=alt.Facet("statement:N", sort=statement_order(points["statement_id"], scale), title=None,
                        header=alt.Header(labelFontWeight="bold", labelAnchor="start")), columns=2
    )
    chart = chart.properties(title=titled(title, threshold, pack_info, BASELINE_SOURCE, lines=lines))
    return configure(chart, f"Dot chart of the share of families agreeing in each local authority district, "
                            f"{wave_title}, against {baseline_title}. {title}.")

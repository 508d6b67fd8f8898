"""Reach: each area's or group's share of responses against its expected share, as a ratio around 1."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from analytics.areas import NOT_ANSWERED
from analytics.charts.common import (
    BETTER,
    NO_CLEAR,
    WIDTH,
    WORSE,
    configure,
    hide_suppressed,
    names,
    titled,
)
from analytics.reach import PREFER_NOT
from waves.areas.pack import UNKNOWN, PackInfo

TOO_FEW_BAND = "fewer than"
STATUS = ["under-reached", "not under-reached", "cannot yet be assessed"]
LEVEL_WORDS = {"lad": "local authority district", "utla": "local authority", "ethnic_group": "ethnic group",
               "ethnic_group_broad": "ethnic group", "religion": "religious group"}


def reach_points(reach: pl.DataFrame, *, area_level: str, threshold: int) -> pl.DataFrame:
    """Rows of one level of a reach result, figures nulled when suppressed, most under-reached first.

    Needs: area_level, area_code, area_name, responses, response_share, expected_share,
    representation_ratio, ratio_ci_low, ratio_ci_high, under_reached, suppressed (and, from
    `analytics.reach`, reach_status and expected_responses). Adds `status`, `note`. Expected shares are never
    hidden: they come from the population, not from responses. A small row keeps its verdict: the test
    behind it runs on "fewer than 10", not on the hidden count, so it is shown with the count as a band
    ("fewer than 10; about 19 expected").
    """
    # Families who did not answer the question, or preferred not to say, have no population to be compared
    # with: a row for them would be an empty bar.
    rows = reach.filter(pl.col("area_level") == area_level).filter(
        ~pl.col("area_code").is_in([UNKNOWN, NOT_ANSWERED, PREFER_NOT]))
    rows = hide_suppressed(rows, ["expected_share", "expected_responses"], size_col="responses", threshold=threshold)
    if "reach_status" not in rows.columns:
        rows = rows.with_columns(
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("under_reached")).alias("under_reached"),
            expected_responses=pl.lit(None, pl.Float64),
        ).with_columns(reach_status=pl.when(pl.col("under_reached")).then(pl.lit(STATUS[0]))
                       .when(pl.col("under_reached").is_not_null()).then(pl.lit(STATUS[1])))
    expected = pl.format(", about {} expected", pl.col("expected_responses").cast(pl.Int64))
    small = pl.format("{} {}{}", pl.lit(TOO_FEW_BAND), pl.lit(threshold), expected.fill_null(""))
    return rows.with_columns(
        status=pl.when(pl.col("reach_status").is_in(STATUS)).then(pl.col("reach_status")),
        note=pl.when(pl.col("suppressed")).then(
            pl.when(pl.col("reach_status") == STATUS[0]).then(pl.format("{}: under-reached", small))
            .when(pl.col("reach_status") == STATUS[2]).then(pl.format("{}: cannot yet be assessed", small))
            .otherwise(small)),
    ).sort(pl.col("suppressed"), pl.col("representation_ratio"), pl.col("area_name"), nulls_last=True)


def reach_title(points: pl.DataFrame, area_level: str) -> str:
    """The finding: who is under-reached, in words; never "no group is under-represented" while some groups
    cannot be assessed yet."""
    under = points.filter(pl.col("status") == STATUS[0])["area_name"].to_list()
    unknown = points.filter(pl.col("status") == STATUS[2])["area_name"].to_list()
    shown = names(under[:3] + ([f"{len(under) - 3} more"] if len(under) > 3 else []))
    pending = names(unknown[:3] + ([f"{len(unknown) - 3} more"] if len(unknown) > 3 else []))
    if area_level == "lad":
        if not under:
            tail = f"; {pending} cannot yet be assessed" if unknown else ""
            return f"No area is shown to be under-reached against its number of children{tail}"
        return f"Responses from {shown} are below {'its' if len(under) == 1 else 'their'} share of children"
    word = LEVEL_WORDS.get(area_level, area_level.replace("_", " "))
    if not under and unknown:
        return f"Too few responses yet to tell whether {pending} families are under-reached ({word})"
    if not under:
        return f"No {word} is shown to be under-reached among responses"
    return f"Responses from {shown} families are below the expected share ({word})"


def expected_sources(points: pl.DataFrame, pack_info: PackInfo) -> tuple[str, ...]:
    """The footnote lines for the rows' expected shares: each source the rows name (`expected_source`), the
    area pack's children and the Census in the pack's words (which say what they cover)."""
    found = sorted({s for s in points["expected_source"].to_list() if s}) if "expected_source" in points.columns \
        else []
    lines = list(dict.fromkeys(f"expected shares: {s}" if s.startswith("DfE") else pack_info.children_source
                               if s.startswith("area pack: children") else pack_info.census_source for s in found))
    return tuple(lines) or (pack_info.census_source,)


def expected_header(points: pl.DataFrame, area_level: str) -> list[str]:
    """The expected-share column's heading: whose share it is."""
    if area_level == "lad":
        return ["Share of", "children"]
    found = {s for s in points["expected_source"].to_list() if s} if "expected_source" in points.columns else set()
    if found and all(s.startswith("DfE EHC plans") for s in found):
        return ["Share of", "EHC plans"]
    return ["Census", "share"]


def reach_chart(reach: pl.DataFrame, *, pack_info: PackInfo, area_level: str = "lad",
                threshold: int) -> alt.TopLevelMixin:
    """Representation ratio per area or group with its interval around 1, under-reached ones marked."""
    points = reach_points(reach, area_level=area_level, threshold=threshold)
    high = max(2, math.ceil(max([0.0, *points["ratio_ci_high"].drop_nulls().to_list()])))
    x = alt.X("representation_ratio:Q", scale=alt.Scale(domain=[0, high]),
              title="Share of responses ÷ expected share (1 = heard in proportion)")
    y = alt.Y("area_name:N", title=None, sort=points["area_name"].to_list())
    tooltip = [alt.Tooltip("area_name:N", title="Who"), alt.Tooltip("responses:Q", title="Responses"),
               alt.Tooltip("response_share:Q", title="Share of responses", format=".1%"),
               alt.Tooltip("expected_share:Q", title="Expected share", format=".1%"),
               alt.Tooltip("representation_ratio:Q", title="Ratio", format=".2f"),
               alt.Tooltip("ratio_ci_low:Q", title="Interval from", format=".2f"),
               alt.Tooltip("ratio_ci_high:Q", title="Interval to", format=".2f")]
    colour = alt.Color("status:N", title=None, sort=STATUS,
                       scale=alt.Scale(domain=STATUS, range=[WORSE, BETTER, NO_CLEAR]))
    interval = alt.Chart().mark_rule(strokeWidth=2, color="#7f7f7f").encode(
        x="ratio_ci_low:Q", x2="ratio_ci_high:Q", y=y)
    point = alt.Chart().mark_point(filled=True, size=90, opacity=1).encode(
        x=x, y=y, color=colour, tooltip=tooltip,
        shape=alt.Shape("status:N", sort=STATUS, title=None,
                        scale=alt.Scale(domain=STATUS, range=["triangle-left", "circle", "square"])))
    one = alt.Chart().mark_rule(color="#1a1a1a", strokeDash=[4, 3]).encode(x=alt.datum(1))
    note = alt.Chart().mark_text(align="left", fontStyle="italic", color="#333333").encode(
        x=alt.datum(0.02), y=y, text="note:N").transform_filter("isValid(datum.note)")
    layers = alt.layer(interval, one, point, note, data=points, width=WIDTH - 300, height=alt.Step(22))
    side = [share_column(points, "response_share", ["Share of", "responses"]),
            share_column(points, "expected_share", expected_header(points, area_level))]
    sources = (pack_info.children_source,) if area_level == "lad" else expected_sources(points, pack_info)
    title = reach_title(points, area_level)
    lines = ["Dot: representation ratio with its 95% interval. Under-reached: an exact one-sided binomial test "
             "of fewer responses than expected, Holm-corrected across the chart's rows, below 0.05.",
             f"Groups of fewer than {threshold} show that band and the expected number; 'cannot yet be assessed': "
             "even no responses at all would not be significant."]
    chart = alt.hconcat(layers, *side, title=titled(title, threshold, pack_info, *sources, lines=lines), spacing=4)
    word = LEVEL_WORDS.get(area_level, area_level)
    return configure(chart, f"Dot chart of each {word}'s share of responses divided by its expected share, "
                            f"1 meaning heard in proportion. {title}.")


def share_column(points: pl.DataFrame, column: str, heading: list[str]) -> alt.Chart:
    """A column of percentages beside the dot chart, one per row, its heading below."""
    column_chart: alt.Chart = alt.Chart(points, width=80, height=alt.Step(22)).mark_text(fontSize=12).encode(
        y=alt.Y("area_name:N", sort=points["area_name"].to_list(), axis=None),
        text="label:N",
    ).transform_calculate(
        label=f"isValid(datum.{column}) ? format(datum.{column}, '.1%') : '–'",
    ).properties(title=alt.Title(heading, fontSize=12, anchor="middle", orient="bottom"))
    return column_chart

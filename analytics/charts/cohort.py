"""Linked cohort: per statement, the share of families whose answer improved, stayed the same or got worse."""

from __future__ import annotations

import altair as alt
import polars as pl

from analytics.charts.common import (
    BETTER,
    NEUTRAL,
    TOO_FEW,
    WIDTH,
    WORSE,
    configure,
    hide_suppressed,
    pct,
    statement_order,
    titled,
    with_statement_label,
)
from analytics.scale import Scale
from waves.areas.pack import PackInfo

OUTCOMES = ("Worse", "Same", "Improved")


def cohort_segments(cohort: pl.DataFrame, *, scale: Scale, threshold: int) -> pl.DataFrame:
    """One row per statement and outcome with the bar's `start`, `end` and `share`, centred on "same".

    Needs: statement_id, n_pairs, share_improved, share_same, share_worse, suppressed. Suppressed rows
    come back once with outcome null and no figures.
    """
    rows = hide_suppressed(cohort, [], size_col="n_pairs", threshold=threshold)
    half = pl.col("share_same") / 2
    bounds = {"Worse": (-(half + pl.col("share_worse")), -half, "share_worse"),
              "Same": (-half, half, "share_same"),
              "Improved": (half, half + pl.col("share_improved"), "share_improved")}
    parts = [rows.filter(~pl.col("suppressed")).select(
        "statement_id", "n_pairs", "suppressed", pl.lit(name).alias("outcome"), pl.lit(rank).alias("rank"),
        pl.col(share).alias("share"), start.alias("start"), end.alias("end"))
        for rank, (name, (start, end, share)) in enumerate(bounds.items())]
    hidden = rows.filter(pl.col("suppressed")).select("statement_id", "n_pairs", "suppressed").with_columns(
        pl.lit(None, dtype=pl.String).alias("outcome"))
    return with_statement_label(pl.concat([*parts, hidden], how="diagonal"), scale)


def cohort_title(segments: pl.DataFrame, scale: Scale) -> str:
    """The finding: the statement where families who answered twice moved most, and which way."""
    shown = segments.filter(pl.col("outcome").is_not_null()).pivot("outcome", index="statement_id",
                                                                      values="share")
    if shown.is_empty():
        return "Too few families answered twice to show how their answers changed"
    net = shown.with_columns((pl.col("Improved") - pl.col("Worse")).alias("net"))
    top = net.sort(pl.col("net").abs(), "statement_id", descending=[True, False]).row(0, named=True)
    way = "towards" if top["net"] > 0 else "away from"
    return (f"Families who answered twice moved {way} agreeing {scale.phrase(top['statement_id'])} "
            f"({pct(top['Improved'])} improved, {pct(top['Worse'])} worse)")


def _excluded_line(cohort: pl.DataFrame, threshold: int) -> list[str]:
    """What pairing left out (the table-wide n_excluded_* columns), in words; nothing when none was."""
    if "n_excluded_ambiguous" not in cohort.columns or cohort.is_empty():
        return []
    row = cohort.row(0, named=True)
    said = []
    for column, what in (("n_excluded_ambiguous", "under a code used for several children that could not be told "
                                                  "apart"),
                         ("n_excluded_other_child", "about another child than before")):
        n = row[column]
        if n != 0:
            said.append(f"{f'fewer than {threshold}' if n is None else f'about {n}'} {what}")
    return [f"Not paired: {'; '.join(said)}."] if said else []


def cohort_chart(cohort: pl.DataFrame, *, scale: Scale, pack_info: PackInfo, threshold: int,
                 waves: str = "both waves") -> alt.TopLevelMixin:
    """Improved / same / worse per statement for the linked cohort, as bars centred on "same"."""
    segments = cohort_segments(cohort, scale=scale, threshold=threshold)
    order = statement_order(segments["statement_id"], scale)
    y = alt.Y("statement:N", sort=order, title=None)
    bars = alt.Chart().mark_bar(height={"band": 0.7}).encode(
        x=alt.X("start:Q", scale=alt.Scale(domain=[-1, 1]), title="← worse   |   improved →",
                axis=alt.Axis(labelExpr="format(abs(datum.value), '.0%')", tickCount=8)),
        x2="end:Q", y=y, order="rank:Q",
        color=alt.Color("outcome:N", title=None, sort=list(OUTCOMES),
                        scale=alt.Scale(domain=list(OUTCOMES), range=[WORSE, NEUTRAL, BETTER])),
        tooltip=[alt.Tooltip("statement:N", title="Statement"), alt.Tooltip("outcome:N", title="Answer"),
                 alt.Tooltip("share:Q", title="Share of families", format=".0%"),
                 alt.Tooltip("n_pairs:Q", title="Families who answered twice")],
    ).transform_filter("isValid(datum.outcome)")
    labels = alt.Chart().mark_text(fontSize=11, color="#111111").encode(
        x=alt.X("middle:Q"), y=y, text=alt.Text("share:Q", format=".0%"),
    ).transform_filter("isValid(datum.outcome) && datum.share >= 0.06").transform_calculate(
        middle="(datum.start + datum.end) / 2")
    note = alt.Chart().mark_text(fontStyle="italic", color="#333333").encode(
        x=alt.datum(0), y=y, text=alt.value(TOO_FEW)).transform_filter("!isValid(datum.outcome)")
    chart = alt.layer(bars, labels, note, data=segments, width=WIDTH - 260, height=alt.Step(30))
    title = cohort_title(segments, scale)
    lines = [f"Families who answered {waves} with the same return code, about the same child: did their answer "
             "move towards agreeing (improved), stay the same, or move away (worse)?",
             *_excluded_line(cohort, threshold)]
    chart = chart.properties(title=titled(title, threshold, pack_info, lines=lines))
    return configure(chart, f"Diverging bar chart of how the answers of families who answered {waves} "
                            f"changed, per statement. {title}.")

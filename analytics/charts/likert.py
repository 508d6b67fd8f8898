"""Question 7 answers per wave: diverging stacked bars centred on "neither", "don't know" apart."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from analytics.charts.common import (
    AGREE_DARK,
    AGREE_LIGHT,
    BASELINE_SOURCE,
    DISAGREE_DARK,
    DISAGREE_LIGHT,
    NEUTRAL,
    TOO_FEW,
    WIDTH,
    configure,
    hide_suppressed,
    pct,
    statement_order,
    statement_phrase,
    titled,
    with_statement_label,
)

ANSWERS = ("strongly_disagree", "tend_to_disagree", "neither", "tend_to_agree", "strongly_agree")
ANSWER_LABELS = ("Strongly disagree", "Tend to disagree", "Neither agree nor disagree", "Tend to agree",
                 "Strongly agree")
COLOURS = (DISAGREE_DARK, DISAGREE_LIGHT, NEUTRAL, AGREE_LIGHT, AGREE_DARK)


def wave_labels(frame: pl.DataFrame, wave_order: Sequence[str],
                wave_titles: Mapping[str, str]) -> pl.DataFrame:
    """Keep the waves in `wave_order` and add `wave` (its title) and `wave_rank`."""
    order = {w: i for i, w in enumerate(wave_order)}
    return frame.filter(pl.col("wave_id").is_in(list(wave_order))).with_columns(
        pl.col("wave_id").replace_strict({w: wave_titles.get(w, w) for w in wave_order}).alias("wave"),
        pl.col("wave_id").replace_strict(order, return_dtype=pl.Int32).alias("wave_rank"),
    )


def likert_segments(overall: pl.DataFrame, *, threshold: int) -> pl.DataFrame:
    """One row per wave, statement and answer with the bar's `start`, `end` and `share` of valid answers.

    Needs compare rows (area_level 'all'): wave_id, statement_id, n_valid, n_dont_know, the five answer
    counts, suppressed. Suppressed rows come back once with answer null and no figures.
    """
    rows = hide_suppressed(overall.filter(pl.col("area_level") == "all"), [], size_col="n_valid",
                           threshold=threshold)
    shares = rows.with_columns(*[(pl.col(a) / pl.col("n_valid")).alias(a) for a in ANSWERS])
    half = pl.col("neither") / 2
    left = half + pl.col("tend_to_disagree")
    right = half + pl.col("tend_to_agree")
    bounds = {
        "strongly_disagree": (-(left + pl.col("strongly_disagree")), -left),
        "tend_to_disagree": (-left, -half),
        "neither": (-half, half),
        "tend_to_agree": (half, right),
        "strongly_agree": (right, right + pl.col("strongly_agree")),
    }
    keys = ["wave_id", "statement_id", "n_valid", "n_dont_know", "suppressed"]
    parts = [
        shares.select(*keys, pl.lit(label).alias("answer"), pl.lit(rank).alias("answer_rank"),
                      pl.col(a).alias("share"), start.alias("start"), end.alias("end"))
        for rank, (a, label) in enumerate(zip(ANSWERS, ANSWER_LABELS, strict=True))
        for start, end in [bounds[a]]
    ]
    segments = pl.concat(parts).filter(~pl.col("suppressed"))
    hidden = rows.filter(pl.col("suppressed")).select(*keys).with_columns(
        pl.lit(None, dtype=pl.String).alias("answer"))
    return with_statement_label(pl.concat([segments, hidden], how="diagonal"))


def likert_title(segments: pl.DataFrame, last_wave: str) -> str:
    """The finding: which statement families in the latest wave agree with least."""
    agree = (segments.filter(pl.col("answer").is_in(ANSWER_LABELS[3:]) & (pl.col("wave") == last_wave))
             .group_by("statement_id").agg(pl.col("share").sum()).sort("share", "statement_id"))
    if agree.is_empty():
        return f"Too few responses in {last_wave} to show how families answered"
    low = agree.row(0, named=True)
    return (f"In {last_wave}, families were least likely to agree {statement_phrase(low['statement_id'])}"
            f" ({pct(low['share'])} agree)")


def likert_chart(overall: pl.DataFrame, *, wave_order: Sequence[str], wave_titles: Mapping[str, str],
                 threshold: int) -> alt.TopLevelMixin:
    """Diverging bars of question 7 answers per statement, one panel per wave, "don't know" counts apart."""
    segments = wave_labels(likert_segments(overall, threshold=threshold), wave_order, wave_titles)
    waves = [wave_titles.get(w, w) for w in wave_order if w in set(segments["wave_id"])]
    order = statement_order(segments["statement_id"])
    y = alt.Y("statement:N", sort=order, title=None)
    panel = WIDTH // max(len(waves), 1) - 70
    reach = max(0.5, *(abs(v) for v in segments["start"].drop_nulls()), *segments["end"].drop_nulls())
    domain = [-math.ceil(reach * 4) / 4, math.ceil(reach * 4) / 4]
    bars = alt.Chart().mark_bar(height={"band": 0.75}).encode(
        x=alt.X("start:Q", title="← disagree   |   agree →",
                axis=alt.Axis(format=".0%", labelExpr="format(abs(datum.value), '.0%')", tickCount=4),
                scale=alt.Scale(domain=domain, nice=False)),
        x2="end:Q", y=y,
        color=alt.Color("answer:N", title=None, sort=list(ANSWER_LABELS),
                        scale=alt.Scale(domain=list(ANSWER_LABELS), range=list(COLOURS))),
        order="answer_rank:Q",
        tooltip=[alt.Tooltip("wave:N", title="Wave"), alt.Tooltip("statement:N", title="Statement"),
                 alt.Tooltip("answer:N", title="Answer"),
                 alt.Tooltip("share:Q", title="Share", format=".0%")],
    ).transform_filter("isValid(datum.answer)")
    hidden = alt.Chart().mark_text(align="center", color="#333333", fontStyle="italic").encode(
        x=alt.datum(0), y=y, text=alt.value(TOO_FEW)).transform_filter("!isValid(datum.answer)")
    centre = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
    diverging = alt.layer(bars, centre, hidden, data=segments, width=panel, height=alt.Step(26)).facet(
        column=alt.Column("wave:N", sort=waves, title=None, header=alt.Header(labelFontWeight="bold")))
    dont_know = dont_know_panel(segments, waves, order)
    title = likert_title(segments, waves[-1] if waves else "the latest wave")
    lines = ["Shares are of families who gave an answer; 'don't know' is counted apart, on the right."]
    chart = alt.hconcat(diverging, dont_know, title=titled(title, threshold, BASELINE_SOURCE, lines=lines))
    return configure(chart, f"Diverging bar chart of question 7 answers for {len(order)} statements in "
                            f"{len(waves)} waves ({', '.join(waves)}). {title}.")


def dont_know_panel(segments: pl.DataFrame, waves: Sequence[str], order: Sequence[str]) -> alt.Chart:
    """A small table-like panel of "don't know" counts per statement and wave."""
    counts = segments.unique(["wave_id", "statement_id"], maintain_order=True).select(
        "wave", "statement", "n_dont_know")
    counts = counts.with_columns(
        pl.col("n_dont_know").cast(pl.String).fill_null("–").alias("label"))
    return alt.Chart(counts, width=alt.Step(70), height=alt.Step(26)).mark_text(fontSize=12).encode(
        x=alt.X("wave:N", sort=list(waves), title="Don't know (number)",
                axis=alt.Axis(orient="bottom", labelAngle=0, domain=False, ticks=False,
                              labelExpr="split(datum.label, ' ')")),
        y=alt.Y("statement:N", sort=list(order), axis=None),
        text="label:N",
    )

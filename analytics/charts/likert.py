"""A Likert question's answers per wave: diverging stacked bars centred on the middle, "don't know" apart.

The answers, their order, colours and labels come from the question's `Scale`: disagreeing answers left
(darkest outermost), answers with no leaning in the middle, agreeing answers right; unscored answers
("don't know") are counted in a panel of their own.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
    ramp,
    statement_order,
    titled,
    unscored_count,
    unscored_label,
    with_statement_label,
)
from analytics.scale import Scale
from waves.areas.pack import PackInfo

NEUTRAL_LIGHT = "#f0f0f0"  # the lightest grey, when a scale has more than one answer in the middle


@dataclass(frozen=True)
class Segment:
    """One scored answer's place in the diverging bar: its side, its label and its colour."""

    answer_id: str
    label: str
    side: int  # -1 disagree (left), 0 middle, 1 agree (right)
    colour: str


def diverging(scale: Scale) -> list[Segment]:
    """The scored answers left to right: disagreeing from the outermost in, the middle, agreeing outwards.

    Within a side, answers are ordered by score, the direction set by which side scores higher.
    """
    def mean(ids: Sequence[str]) -> float:
        return sum(scale.scores[a] for a in ids) / len(ids) if ids else 0.0

    rising = mean(scale.agree) >= mean(scale.disagree)
    by_score = sorted(scale.scores, key=lambda a: scale.scores[a], reverse=not rising)
    left = [a for a in by_score if a in scale.disagree]
    middle = [a for a in by_score if a not in scale.agree and a not in scale.disagree]
    right = [a for a in by_score if a in scale.agree]
    greys = [NEUTRAL] if len(middle) == 1 else ramp(NEUTRAL, NEUTRAL_LIGHT, len(middle))
    colours = [*ramp(DISAGREE_DARK, DISAGREE_LIGHT, len(left)), *greys,
               *ramp(AGREE_DARK, AGREE_LIGHT, len(right))[::-1]]
    sides = [-1] * len(left) + [0] * len(middle) + [1] * len(right)
    return [Segment(a, scale.answer_labels.get(a, a), side, colour)
            for a, side, colour in zip([*left, *middle, *right], sides, colours, strict=True)]


def wave_labels(frame: pl.DataFrame, wave_order: Sequence[str],
                wave_titles: Mapping[str, str]) -> pl.DataFrame:
    """Keep the waves in `wave_order` and add `wave` (its title) and `wave_rank`."""
    order = {w: i for i, w in enumerate(wave_order)}
    return frame.filter(pl.col("wave_id").is_in(list(wave_order))).with_columns(
        pl.col("wave_id").replace_strict({w: wave_titles.get(w, w) for w in wave_order}).alias("wave"),
        pl.col("wave_id").replace_strict(order, return_dtype=pl.Int32).alias("wave_rank"),
    )


def likert_segments(overall: pl.DataFrame, *, scale: Scale, threshold: int) -> pl.DataFrame:
    """One row per wave, statement and answer with the bar's `start`, `end` and `share` of valid answers.

    Needs compare rows (area_level 'all'): wave_id, statement_id, n_valid, one count column per scored
    answer id of the scale, the unscored count (a column per unscored answer id, or UNSCORED_TOTAL),
    suppressed. Returns `answer` (the label), `answer_id`, `answer_rank` (left to right), `n_unscored`.
    Suppressed rows come back once with answer null and no figures.
    """
    rows = hide_suppressed(overall.filter(pl.col("area_level") == "all"), [], size_col="n_valid",
                           threshold=threshold)
    rows = rows.with_columns(unscored_count(rows.columns, scale).alias("n_unscored"))
    order = diverging(scale)
    shares = rows.with_columns(*[(pl.col(s.answer_id) / pl.col("n_valid")).alias(s.answer_id) for s in order])
    middle = [s.answer_id for s in order if s.side == 0]
    half = (functools.reduce(operator.add, [pl.col(a) for a in middle]) / 2) if middle else pl.lit(0.0)
    bounds: dict[str, tuple[pl.Expr, pl.Expr]] = {}
    cursor = -half
    for k, a in enumerate(middle):
        end = half if k == len(middle) - 1 else cursor + pl.col(a)
        bounds[a], cursor = (cursor, end), end
    for side, edge in ((-1, -half), (1, half)):
        cursor = edge
        inwards = [s.answer_id for s in order if s.side == side]
        for a in inwards if side == 1 else inwards[::-1]:  # from the middle outwards
            further = cursor + pl.col(a) * side
            bounds[a], cursor = ((further, cursor) if side < 0 else (cursor, further)), further
    keys = ["wave_id", "statement_id", "n_valid", "n_unscored", "suppressed"]
    parts = [
        shares.select(*keys, pl.lit(s.label).alias("answer"), pl.lit(s.answer_id).alias("answer_id"),
                      pl.lit(rank).alias("answer_rank"), pl.col(s.answer_id).alias("share"),
                      bounds[s.answer_id][0].alias("start"), bounds[s.answer_id][1].alias("end"))
        for rank, s in enumerate(order)
    ]
    segments = pl.concat(parts).filter(~pl.col("suppressed"))
    hidden = rows.filter(pl.col("suppressed")).select(*keys).with_columns(
        pl.lit(None, dtype=pl.String).alias("answer"))
    return with_statement_label(pl.concat([segments, hidden], how="diagonal"), scale)


def likert_title(segments: pl.DataFrame, last_wave: str, scale: Scale) -> str:
    """The finding: which statement families in the latest wave agree with least."""
    agree = (segments.filter(pl.col("answer_id").is_in(list(scale.agree)) & (pl.col("wave") == last_wave))
             .group_by("statement_id").agg(pl.col("share").sum()).sort("share", "statement_id"))
    if agree.is_empty():
        return f"Too few responses in {last_wave} to show how families answered"
    low = agree.row(0, named=True)
    return (f"In {last_wave}, families were least likely to agree {scale.phrase(low['statement_id'])}"
            f" ({pct(low['share'])} agree)")


def likert_chart(overall: pl.DataFrame, *, scale: Scale, pack_info: PackInfo, wave_order: Sequence[str],
                 wave_titles: Mapping[str, str], threshold: int) -> alt.TopLevelMixin:
    """Diverging bars of the question's answers per statement, one panel per wave, "don't know" counts apart."""
    segments = wave_labels(likert_segments(overall, scale=scale, threshold=threshold), wave_order, wave_titles)
    waves = [wave_titles.get(w, w) for w in wave_order if w in set(segments["wave_id"])]
    order = statement_order(segments["statement_id"], scale)
    answers = diverging(scale)
    y = alt.Y("statement:N", sort=order, title=None)
    panel = WIDTH // max(len(waves), 1) - 70
    reach = max(0.5, *(abs(v) for v in segments["start"].drop_nulls()), *segments["end"].drop_nulls())
    domain = [-math.ceil(reach * 4) / 4, math.ceil(reach * 4) / 4]
    labels = [a.label for a in answers]
    bars = alt.Chart().mark_bar(height={"band": 0.75}).encode(
        x=alt.X("start:Q", title="← disagree   |   agree →",
                axis=alt.Axis(format=".0%", labelExpr="format(abs(datum.value), '.0%')", tickCount=4),
                scale=alt.Scale(domain=domain, nice=False)),
        x2="end:Q", y=y,
        color=alt.Color("answer:N", title=None, sort=labels,
                        scale=alt.Scale(domain=labels, range=[a.colour for a in answers])),
        order="answer_rank:Q",
        tooltip=[alt.Tooltip("wave:N", title="Wave"), alt.Tooltip("statement:N", title="Statement"),
                 alt.Tooltip("answer:N", title="Answer"),
                 alt.Tooltip("share:Q", title="Share", format=".0%")],
    ).transform_filter("isValid(datum.answer)")
    hidden = alt.Chart().mark_text(align="center", color="#333333", fontStyle="italic").encode(
        x=alt.datum(0), y=y, text=alt.value(TOO_FEW)).transform_filter("!isValid(datum.answer)")
    centre = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
    bars_by_wave = alt.layer(bars, centre, hidden, data=segments, width=panel, height=alt.Step(26)).facet(
        column=alt.Column("wave:N", sort=waves, title=None, header=alt.Header(labelFontWeight="bold")))
    title = likert_title(segments, waves[-1] if waves else "the latest wave", scale)
    apart = unscored_label(scale)
    lines = ["Shares are of families who gave an answer" +
             (f"; '{apart.lower()}' is counted apart, on the right." if apart else ".")]
    panels = [bars_by_wave, unscored_panel(segments, waves, order, apart)] if apart else [bars_by_wave]
    chart = alt.hconcat(*panels, title=titled(title, threshold, pack_info, BASELINE_SOURCE, lines=lines))
    return configure(chart, f"Diverging bar chart of {scale.question_name} answers for {len(order)} statements "
                            f"in {len(waves)} wave{'' if len(waves) == 1 else 's'} ({', '.join(waves)}). {title}.")


def unscored_panel(segments: pl.DataFrame, waves: Sequence[str], order: Sequence[str], label: str) -> alt.Chart:
    """A small table-like panel of the unscored answers' counts ("don't know") per statement and wave."""
    counts = segments.unique(["wave_id", "statement_id"], maintain_order=True).select(
        "wave", "statement", "n_unscored")
    counts = counts.with_columns(
        pl.col("n_unscored").cast(pl.String).fill_null("–").alias("label"))
    panel: alt.Chart = alt.Chart(counts, width=alt.Step(70), height=alt.Step(26)).mark_text(fontSize=12).encode(
        x=alt.X("wave:N", sort=list(waves), title=f"{label} (number)",
                axis=alt.Axis(orient="bottom", labelAngle=0, domain=False, ticks=False,
                              labelExpr="split(datum.label, ' ')")),
        y=alt.Y("statement:N", sort=list(order), axis=None),
        text="label:N",
    )
    return panel

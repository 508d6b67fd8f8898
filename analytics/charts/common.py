"""Shared pieces of the chart builders: palette, plain-English wording, footnotes, suppression.

Questionnaire facts (statements, answers, labels) come from a `Scale`, area facts (the place, the sources
of population figures) from the active area pack's `PackInfo`: never from constants here.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence
from typing import cast

import altair as alt
import polars as pl

from analytics.scale import Scale
from waves.areas.pack import OUT_OF_AREA, UNKNOWN, PackInfo

# Colour-blind-safe colours: ColorBrewer PuOr for agree/disagree scales, Okabe-Ito for categories.
AGREE_DARK, AGREE_LIGHT, NEUTRAL = "#542788", "#998ec3", "#d9d9d9"
DISAGREE_LIGHT, DISAGREE_DARK = "#f1a340", "#b35806"
BETTER, WORSE, NO_CLEAR = "#0072b2", "#d55e00", "#6b6b6b"
BASELINE = "#1a1a1a"
TOO_FEW = "too few responses"
WIDTH = 760  # rendered at scale 2: about 1600 px wide, an A4 page's width at print resolution
BASELINE_SOURCE = "baseline: 2019 'Your voice' survey"
NOT_AREAS = (OUT_OF_AREA, UNKNOWN)  # LAD-level rows that are not an area of the pack
UNSCORED_TOTAL = "n_dont_know"  # compare's count of unscored answers, when it has no column per answer id


def survey_source(pack_info: PackInfo) -> str:
    """The footnote's first source: the survey waves of the pack's place."""
    return f"{pack_info.place_name} SEND survey waves"


def statement_order(statement_ids: Iterable[str], scale: Scale) -> list[str]:
    """Statement labels in questionnaire order, unknown ids last."""
    return [scale.label(s) for s in scale.order(statement_ids)]


def with_statement_label(frame: pl.DataFrame, scale: Scale) -> pl.DataFrame:
    """Add a `statement` column with the short label of `statement_id`."""
    return frame.with_columns(
        pl.col("statement_id").map_elements(scale.label, return_dtype=pl.String).alias("statement")
    )


def unscored_label(scale: Scale) -> str | None:
    """What the answers counted apart are called ("Don't know"), or None when every answer is scored."""
    return " or ".join(scale.answer_labels[a] for a in scale.unscored) or None


def unscored_count(columns: Sequence[str], scale: Scale) -> pl.Expr:
    """The number of unscored answers ("don't know") of a compare row.

    Read from one column per unscored answer id when the frame has them, else from compare's
    UNSCORED_TOTAL; null when the frame has neither, or a count is null (suppressed).
    """
    present = [a for a in scale.unscored if a in columns]
    if present:
        return functools.reduce(operator.add, [pl.col(a) for a in present])
    if scale.unscored and UNSCORED_TOTAL in columns:
        return pl.col(UNSCORED_TOTAL)
    return pl.lit(None, dtype=pl.Int64)


def agree_words(scale: Scale) -> str:
    """The agreeing answers in words, the word they share left out: "strongly or tend to"."""
    words = [scale.answer_labels[a].split() for a in scale.agree]
    shared = {w[-1].lower() for w in words}
    if len(words) > 1 and len(shared) == 1 and all(len(w) > 1 for w in words):
        words = [w[:-1] for w in words]
    return names([" ".join(w).lower() for w in words], joiner="or")


def ramp(dark: str, light: str, steps: int) -> list[str]:
    """`steps` colours from dark to light (dark alone for one step), evenly spaced in RGB."""
    if steps <= 1:
        return [dark][:steps]
    ends = [[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in (dark, light)]
    return ["#" + "".join(f"{round(a + (b - a) * k / (steps - 1)):02x}" for a, b in zip(*ends, strict=True))
            for k in range(steps)]


def hide_suppressed(frame: pl.DataFrame, keep: Sequence[str], *, size_col: str,
                    threshold: int) -> pl.DataFrame:
    """Null every numeric column of rows that are suppressed or under the threshold; keep labels."""
    small = pl.col(size_col).is_null() | (pl.col(size_col) < threshold)
    hidden = pl.col("suppressed").fill_null(True) | small
    numeric = [c for c, t in frame.schema.items() if t.is_numeric() and c not in keep]
    return frame.with_columns(
        *[pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in numeric],
        hidden.alias("suppressed"),
    )


def footnote(threshold: int, pack_info: PackInfo, *sources: str) -> list[str]:
    """Subtitle lines stating the small-number rule and the sources (the survey's first)."""
    return [
        f"Figures from fewer than {threshold} responses are not shown ('{TOO_FEW}').",
        "Sources: " + "; ".join((survey_source(pack_info), *sources)) + ".",
    ]


def titled(title: str, threshold: int, pack_info: PackInfo, *sources: str, lines: Sequence[str] = ()) -> alt.Title:
    """A chart title stating the finding, with the footnote as its subtitle."""
    return alt.Title(
        title, subtitle=[*lines, *footnote(threshold, pack_info, *sources)], anchor="start",
        fontSize=18, subtitleFontSize=12, subtitleColor="#333333", offset=12,
    )


def names(items: Sequence[str], *, joiner: str = "and") -> str:
    """Join names in plain English: "A", "A and B", "A, B and C" (or "A, B or C")."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {joiner} " + items[-1]


def configure(chart: alt.TopLevelMixin, description: str) -> alt.TopLevelMixin:
    """Set the screen-reader description and the house look of a finished chart."""
    configured: alt.TopLevelMixin = (
        chart.properties(description=description)
        .configure_axis(labelFontSize=12, titleFontSize=13, labelLimit=260)
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="top")
        .configure_view(stroke=None)
        .configure_header(labelFontSize=13, titleFontSize=13)
    )
    return configured


def description_of(chart: alt.TopLevelMixin) -> str:
    """The screen-reader description a builder gave a chart (`configure`), read from the chart itself: building
    and validating its whole spec (`to_dict`) costs about 20 ms."""
    found = getattr(chart, "description", alt.Undefined)
    return "" if found is alt.Undefined else str(found)


def title_text_of(chart: alt.TopLevelMixin) -> str | list[str]:
    """A chart's title text (a line, or its lines), "" without one, read from the chart as `description_of` is."""
    title = getattr(chart, "title", alt.Undefined)
    text = getattr(title, "text", title)  # a TitleParams, or the text itself
    return "" if text is alt.Undefined else cast("str | list[str]", text)


def clear_change(frame: pl.DataFrame) -> pl.Series:
    """'more agree', 'fewer agree' or 'no clear change': q_value under 0.05, else the delta interval."""
    cols = frame.columns
    q = pl.col("q_value") if "q_value" in cols else pl.lit(None, dtype=pl.Float64)
    outside = (pl.col("delta_ci_low") > 0) | (pl.col("delta_ci_high") < 0)
    clear = pl.when(q.is_not_null()).then(q < 0.05).otherwise(outside).fill_null(False)
    expr = (
        pl.when(clear & (pl.col("delta_share_agree") > 0)).then(pl.lit("more agree"))
        .when(clear & (pl.col("delta_share_agree") < 0)).then(pl.lit("fewer agree"))
        .when(pl.col("delta_share_agree").is_not_null()).then(pl.lit("no clear change"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return frame.select(expr.alias("change")).to_series()


def pct(value: float | None, *, signed: bool = False) -> str:
    """A fraction as a whole percentage ("45%"), or points with a sign ("+8 points")."""
    if value is None:
        return TOO_FEW
    if signed:
        return f"{value * 100:+.0f} points"
    return f"{value * 100:.0f}%"

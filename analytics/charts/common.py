"""Shared pieces of the chart builders: palette, plain-English wording, footnotes, suppression."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import altair as alt
import polars as pl

from waves.areas.pack import OUT_OF_AREA, UNKNOWN

# Colour-blind-safe colours: ColorBrewer PuOr for agree/disagree scales, Okabe-Ito for categories.
AGREE_DARK, AGREE_LIGHT, NEUTRAL = "#542788", "#998ec3", "#d9d9d9"
DISAGREE_LIGHT, DISAGREE_DARK = "#f1a340", "#b35806"
BETTER, WORSE, NO_CLEAR = "#0072b2", "#d55e00", "#6b6b6b"
BASELINE = "#1a1a1a"
TOO_FEW = "too few responses"
WIDTH = 760  # rendered at scale 2: about 1600 px wide, an A4 page's width at print resolution
SURVEY_SOURCE = "Kent and Medway SEND survey waves"
BASELINE_SOURCE = "baseline: 2019 'Your voice' survey"
CHILDREN_SOURCE = "children aged 0-17: ONS mid-2020 population estimates"
CENSUS_SOURCE = "expected shares: Census 2021, all ages in Kent and Medway (not children only)"

# After "agree": what each question 7 statement says, in plain English.
STATEMENT_PHRASES = {
    "local_offer_useful": "the Local Offer website is useful",
    "setting_provision": "their school or setting provides the right support",
    "setting_skills": "their school or setting has the skills to meet their child's needs",
    "health_met": "health services meet their child's SEND needs",
    "social_care_met": "social care meets their child's SEND needs",
    "assessment_wait": "they waited a reasonable time for an assessment",
    "included_in_planning": "they were fully included in planning support",
    "making_progress": "their child is making good progress",
}
# Short labels for axes and table rows.
STATEMENT_LABELS = {
    "local_offer_useful": "Local Offer website useful",
    "setting_provision": "School provides right support",
    "setting_skills": "School has the skills",
    "health_met": "Health needs met",
    "social_care_met": "Social care needs met",
    "assessment_wait": "Reasonable wait for assessment",
    "included_in_planning": "Included in planning",
    "making_progress": "Child making progress",
}
NOT_AREAS = (OUT_OF_AREA, UNKNOWN)  # LAD-level rows that are not an area of the pack


def statement_phrase(statement_id: str) -> str:
    """The plain-English phrase for a statement id (its id in words when unknown)."""
    return STATEMENT_PHRASES.get(statement_id, statement_id.replace("_", " "))


def statement_label(statement_id: str) -> str:
    """The short axis label for a statement id."""
    return STATEMENT_LABELS.get(statement_id, statement_id.replace("_", " ").capitalize())


def statement_order(statement_ids: Iterable[str]) -> list[str]:
    """Statement labels in questionnaire order, unknown ids last."""
    known = list(STATEMENT_LABELS)
    ids = sorted(set(statement_ids), key=lambda s: (known.index(s) if s in known else len(known), s))
    return [statement_label(s) for s in ids]


def with_statement_label(frame: pl.DataFrame) -> pl.DataFrame:
    """Add a `statement` column with the short label of `statement_id`."""
    return frame.with_columns(
        pl.col("statement_id").map_elements(statement_label, return_dtype=pl.String).alias("statement")
    )


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


def footnote(threshold: int, *sources: str) -> list[str]:
    """Subtitle lines stating the small-number rule and the sources."""
    return [
        f"Figures from fewer than {threshold} responses are not shown ('{TOO_FEW}').",
        "Sources: " + "; ".join((SURVEY_SOURCE, *sources)) + ".",
    ]


def titled(title: str, threshold: int, *sources: str, lines: Sequence[str] = ()) -> alt.Title:
    """A chart title stating the finding, with the footnote as its subtitle."""
    return alt.Title(
        title, subtitle=[*lines, *footnote(threshold, *sources)], anchor="start",
        fontSize=18, subtitleFontSize=12, subtitleColor="#333333", offset=12,
    )


def names(items: Sequence[str]) -> str:
    """Join names in plain English: "A", "A and B", "A, B and C"."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def configure(chart: alt.TopLevelMixin, description: str) -> alt.TopLevelMixin:
    """Set the screen-reader description and the house look of a finished chart."""
    return (
        chart.properties(description=description)
        .configure_axis(labelFontSize=12, titleFontSize=13, labelLimit=260)
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="top")
        .configure_view(stroke=None)
        .configure_header(labelFontSize=13, titleFontSize=13)
    )


def description_of(chart: alt.TopLevelMixin) -> str:
    """The screen-reader description a builder gave a chart."""
    return str(chart.to_dict().get("description", ""))


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

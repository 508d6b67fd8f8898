"""Every number a chart shows, as long rows: chart, wave_id, area_or_group, statement, measure, value."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from analytics.charts.common import TOO_FEW, unscored_label
from analytics.scale import Scale

FIGURE_COLUMNS = ["chart", "wave_id", "area_or_group", "statement", "measure", "value", "unit", "note"]
# unit: 'share' (a fraction of 1, shown as a percentage), 'points' (a change in share, as a fraction),
# 'ratio' or 'count'.


def long_figures(frame: pl.DataFrame, *, chart: str, measures: Mapping[str, tuple[str, str]],
                 wave_id: str | None = None, area: str | None = None,
                 statement: str | None = "statement_id") -> pl.DataFrame:
    """Unpivot `measures` ({column: (measure, unit)}) of a chart's data; suppressed figures stay empty.

    Needs the named id columns, the measure columns and `suppressed`; returns FIGURE_COLUMNS.
    """
    ids = {"wave_id": wave_id, "area_or_group": area, "statement": statement}
    wide = frame.select(
        *[(pl.col(c) if c else pl.lit(None)).cast(pl.String).alias(k) for k, c in ids.items()],
        pl.col("suppressed").fill_null(True),
        *[pl.col(c).cast(pl.Float64).alias(name) for c, (name, _) in measures.items()],
    )
    units = {name: unit for name, unit in measures.values()}
    long = wide.unpivot(index=[*ids, "suppressed"], variable_name="measure", value_name="value")
    return long.with_columns(
        pl.lit(chart).alias("chart"),
        pl.col("measure").replace_strict(units).alias("unit"),
        pl.when(pl.col("value").is_null() & pl.col("suppressed")).then(pl.lit(TOO_FEW)).alias("note"),
    ).select(FIGURE_COLUMNS)


def likert_figures(segments: pl.DataFrame, scale: Scale) -> pl.DataFrame:
    """Share giving each answer and the unscored ("don't know") count, per wave and statement (from
    likert_segments); answers and the unscored count are named by their labels in the scale."""
    answers = segments.filter(pl.col("answer").is_not_null()).pivot(
        "answer", index=["wave_id", "statement_id"], values="share")
    rows = segments.unique(["wave_id", "statement_id"]).select(
        "wave_id", "statement_id", "n_valid", "n_unscored", "suppressed").join(
        answers, on=["wave_id", "statement_id"], how="left")
    answer_names = [c for c in answers.columns if c not in ("wave_id", "statement_id")]
    measures = {a: (a, "share") for a in answer_names}
    measures |= {"n_valid": ("Answered", "count")}
    apart = unscored_label(scale)
    if apart is not None:
        measures |= {"n_unscored": (apart, "count")}
    return long_figures(rows.sort("wave_id", "statement_id"), chart="likert", measures=measures,
                        wave_id="wave_id")


def trend_figures(points: pl.DataFrame) -> pl.DataFrame:
    """Share agreeing and its interval per wave and statement (from trend_points)."""
    measures = {"share_agree": ("Agree", "share"), "share_agree_ci_low": ("Interval from", "share"),
                "share_agree_ci_high": ("Interval to", "share")}
    return long_figures(points, chart="trend", measures=measures, wave_id="wave_id")


def shift_figures(points: pl.DataFrame, wave_id: str) -> pl.DataFrame:
    """Share agreeing, interval, baseline and change per area and statement (from shift_points)."""
    measures = {"share_agree": ("Agree", "share"), "share_agree_ci_low": ("Interval from", "share"),
                "share_agree_ci_high": ("Interval to", "share"),
                "baseline_share_agree": ("Baseline", "share"),
                "delta_share_agree": ("Change", "points")}
    return long_figures(points.with_columns(pl.lit(wave_id).alias("wave_id")), chart="shift",
                        measures=measures, wave_id="wave_id", area="area_name")


def reach_figures(points: pl.DataFrame, wave_id: str, chart: str) -> pl.DataFrame:
    """Responses, shares and representation ratio per area or group (from reach_points)."""
    measures = {"responses": ("Responses", "count"), "response_share": ("Share of responses", "share"),
                "expected_share": ("Expected share", "share"), "representation_ratio": ("Ratio", "ratio"),
                **({"expected_responses": ("Expected responses", "count")} if "expected_responses" in points.columns
                   else {}),
                "ratio_ci_low": ("Interval from", "ratio"), "ratio_ci_high": ("Interval to", "ratio")}
    return long_figures(points.with_columns(pl.lit(wave_id).alias("wave_id")), chart=chart,
                        measures=measures, wave_id="wave_id", area="area_name", statement=None)


def map_figures(values: pl.DataFrame, wave_id: str, chart: str, *, measure: str,
                statement_id: str | None) -> pl.DataFrame:
    """The mapped value per LAD (from map_values)."""
    named = {"ratio": ("Ratio", "ratio"), "shift": ("Change", "points")}[measure]
    frame = values.with_columns(pl.lit(wave_id).alias("wave_id"), pl.lit(statement_id).alias("statement_id"))
    return long_figures(frame, chart=chart, measures={"value": named}, wave_id="wave_id", area="area_name")


def cohort_figures(segments: pl.DataFrame, wave_id: str) -> pl.DataFrame:
    """Share improved, same and worse and the number of pairs per statement (from cohort_segments)."""
    shares = segments.filter(pl.col("outcome").is_not_null()).pivot("outcome", index="statement_id",
                                                                      values="share")
    rows = segments.unique("statement_id").select("statement_id", "n_pairs", "suppressed").join(
        shares, on="statement_id", how="left").with_columns(pl.lit(wave_id).alias("wave_id"))
    for outcome in ("Improved", "Same", "Worse"):
        if outcome not in rows.columns:
            rows = rows.with_columns(pl.lit(None, dtype=pl.Float64).alias(outcome))
    measures = {o: (o, "share") for o in ("Improved", "Same", "Worse")} | {"n_pairs": ("Pairs", "count")}
    return long_figures(rows.sort("statement_id"), chart="cohort", measures=measures, wave_id="wave_id")

"""Reach: how each area or community's share of responses compares with its share of the population."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from analytics.areas import NOT_ANSWERED, area_names, lad_area
from analytics.stats import wilson_interval
from analytics.suppression import mark_suppressed, null_where_suppressed
from waves.areas.pack import OUT_OF_AREA, UNKNOWN
from waves.model import SingleChoice

PREFER_NOT = "prefer_not_to_say"
OUTSIDE_SHARES = (OUT_OF_AREA, UNKNOWN, NOT_ANSWERED, PREFER_NOT)
LAD_SOURCE = "area pack: children aged 0-17 by LAD"
CENSUS_SOURCE = "Census 2021, all ages"
FIGURES = [
    "responses", "response_share", "representation_ratio", "ratio_ci_low", "ratio_ci_high", "under_reached",
]
COLUMNS = [
    "wave_id", "area_level", "area_code", "area_name", "responses", "response_share", "expected_share",
    "representation_ratio", "ratio_ci_low", "ratio_ci_high", "under_reached", "suppressed", "expected_source",
]


def option_groups(question: SingleChoice) -> dict[str, str]:
    """The option id -> group mapping of a questionnaire question (e.g. detailed to broad ethnic group)."""
    return {o.id: o.group for o in question.options if o.group is not None}


def _codes(responses: pl.DataFrame, by: str, groups: Mapping[str, str] | None) -> pl.Expr:
    if by == "lad":
        return lad_area()
    if by == "ethnic_group_broad" and by not in responses.collect_schema().names():
        if groups is None:
            raise ValueError("reach by ethnic_group_broad needs option_groups (detailed id -> broad group)")
        detailed = pl.col("ethnic_group")
        return detailed.replace_strict(dict(groups), default=detailed, return_dtype=pl.String).fill_null(
            NOT_ANSWERED)
    return pl.col(by).fill_null(NOT_ANSWERED)


def _expected(by: str, lads: pl.DataFrame | None, census: pl.DataFrame | None) -> pl.DataFrame:
    """area_code, expected_share, expected_source for `by`, empty when there is no population figure."""
    schema = {"area_code": pl.String, "expected_share": pl.Float64, "expected_source": pl.String}
    if by == "lad" and lads is not None:
        return lads.select(
            area_code=pl.col("lad_code"),
            expected_share=pl.col("children_0_17") / pl.col("children_0_17").sum(),
            expected_source=pl.lit(LAD_SOURCE),
        )
    if census is not None and by in census["variable"].unique().to_list():
        return census.filter(pl.col("variable") == by).select(
            area_code=pl.col("option_id"),
            expected_share=pl.col("share").cast(pl.Float64),
            expected_source=pl.lit(CENSUS_SOURCE),
        )
    return pl.DataFrame(schema=schema)


def count_responses(responses: pl.DataFrame, by: str = "lad",
                    option_groups: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Needs responses (wave_id and the `by` columns); returns responses per wave and code: wave_id,
    area_code, responses (what `reach_from_counts` takes; the store counts the same in DuckDB)."""
    return responses.group_by("wave_id", _codes(responses, by, option_groups).alias("area_code")).agg(
        responses=pl.len().cast(pl.Int64))


def _counted(counts: pl.DataFrame, by: str, expected: pl.DataFrame) -> pl.DataFrame:
    """Responses per wave and code, with a zero row for every expected code (and the rows outside the
    shares: `out_of_area` and `unknown` for LADs, prefer not to say and not answered for a question)."""
    outside = [OUT_OF_AREA, UNKNOWN] if by == "lad" else [PREFER_NOT, NOT_ANSWERED]
    codes = pl.concat([expected.select("area_code"), pl.DataFrame({"area_code": outside})])
    skeleton = counts.select("wave_id").unique().join(codes, how="cross")
    return (
        pl.concat([counts, skeleton.with_columns(responses=pl.lit(0, pl.Int64))])
        .group_by("wave_id", "area_code").agg(pl.col("responses").sum())
        .join(expected, on="area_code", how="left")
    )


def reach(
    responses: pl.DataFrame,
    *,
    by: str = "lad",
    threshold: int = 10,
    lads: pl.DataFrame | None = None,
    census: pl.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    option_groups: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Needs responses (response_id, wave_id and the `by` columns), `lads` (lad_code, lad_name,
    children_0_17) for by='lad' and `census` (variable, option_id, share) for census questions; returns
    `COLUMNS`, one row per wave and area or group.

    by='lad': shares over responses with a known Kent/Medway LAD, expected = the LAD's share of children
    aged 0-17; `out_of_area` and `unknown` rows are counted but stay outside the shares. By a question
    (ethnic_group, ethnic_group_broad, religion, ...): shares over responses that chose an option other
    than prefer_not_to_say; prefer_not_to_say and not_answered rows stay outside the shares; expected
    shares are Census 2021 all-ages shares (`expected_source`), or null when the census has none.
    ratio = response_share / expected_share, its interval the Wilson interval of the response share
    divided by expected_share; under_reached when the interval's upper end is below 1. Rows with fewer
    than `threshold` responses, and their complements, are suppressed (counts and derived figures null).
    """
    return reach_from_counts(count_responses(responses, by, option_groups), by=by, threshold=threshold,
                             lads=lads, census=census, labels=labels)


def reach_from_counts(
    counts: pl.DataFrame,
    *,
    by: str = "lad",
    threshold: int = 10,
    lads: pl.DataFrame | None = None,
    census: pl.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """`reach` from responses already counted per wave and code (wave_id, area_code, responses)."""
    expected = _expected(by, lads, census)
    table = _counted(counts.select("wave_id", "area_code", pl.col("responses").cast(pl.Int64)), by, expected)
    inside = ~pl.col("area_code").is_in(OUTSIDE_SHARES)
    base = pl.col("responses").filter(inside).sum().over("wave_id")
    share = pl.when(inside & (base > 0)).then(pl.col("responses") / base)
    low, high = wilson_interval(share, base.cast(pl.Float64))
    expected_share = pl.col("expected_share")
    table = table.with_columns(response_share=share).with_columns(
        representation_ratio=share / expected_share,
        ratio_ci_low=low / expected_share,
        ratio_ci_high=high / expected_share,
    ).with_columns(under_reached=pl.col("ratio_ci_high") < 1)
    marked = mark_suppressed(table, size="responses", threshold=threshold, within=["wave_id"],
                             tie_break=["area_code"])
    return (
        null_where_suppressed(marked, FIGURES)
        .with_columns(area_level=pl.lit(by), area_name=area_names(pl.col("area_code"), by, lads=lads,
                                                                 labels=_labels(labels, census, by)))
        .select(COLUMNS)
        .sort("wave_id", "area_code")
    )


def _labels(labels: Mapping[str, str] | None, census: pl.DataFrame | None, by: str) -> dict[str, str]:
    """Caller's labels first, then the census labels for the variable."""
    names: dict[str, str] = {}
    if census is not None:
        rows = census.filter(pl.col("variable") == by)
        names.update(zip(rows["option_id"].to_list(), rows["census_label"].to_list(), strict=True))
    names.update(labels or {})
    return names

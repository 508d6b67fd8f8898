"""Which area or group each response falls in, the parent each group sums to, and display names."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from waves.areas.pack import IN_AREA, OUT_OF_AREA, UNKNOWN

ALL = "all"
NOT_ANSWERED = "not_answered"
NO_SOURCE = "no_source"
# Levels of how a response arrived rather than who sent it: every response has one (no "not answered"), and no
# population figure exists for them.
ARRIVAL_LEVELS = ("source", "channel")
CHANNEL_NAMES = {"form": "Web form", "api": "API (another system)", "paper": "Paper, entered by staff",
                 "phone": "Phone, entered by staff"}
SPECIAL_NAMES = {
    ALL: "All",
    OUT_OF_AREA: "Out of area",
    UNKNOWN: "Unknown",
    NOT_ANSWERED: "Not answered",
    NO_SOURCE: "No source (the plain link, the API without one, or a retired source's link)",
}


def lad_area() -> pl.Expr:
    """A response's LAD-level code: its LAD in the area pack, else 'out_of_area', else 'unknown'."""
    return (
        pl.when((pl.col("area_status") == IN_AREA) & pl.col("lad_code").is_not_null())
        .then(pl.col("lad_code"))
        .when(pl.col("area_status") == OUT_OF_AREA)
        .then(pl.lit(OUT_OF_AREA))
        .otherwise(pl.lit(UNKNOWN))
    )


def area_keys(responses: pl.LazyFrame | pl.DataFrame, by: str) -> pl.LazyFrame:
    """Needs response_id, wave_id and the `by` columns; returns response_id, wave_id, area_code, parent_code.

    `parent_code` is the published total the area's rows sum to: 'all' for LADs and question categories,
    the LAD-level code (LAD, 'out_of_area' or 'unknown') for postcode districts.
    """
    lazy = responses.lazy()
    if by == ALL:
        area, parent = pl.lit(ALL), pl.lit(ALL)
    elif by == "lad":
        area, parent = lad_area(), pl.lit(ALL)
    elif by == "district":
        area, parent = pl.col("postcode_district").fill_null(UNKNOWN), lad_area()
    elif by == "source":
        area, parent = pl.col("source_id").fill_null(NO_SOURCE), pl.lit(ALL)
    else:
        area, parent = pl.col(by).fill_null(NOT_ANSWERED), pl.lit(ALL)
    return lazy.select(
        "response_id", "wave_id", area.alias("area_code"), parent.alias("parent_code")
    )


def area_names(
    codes: pl.Expr, by: str, *, lads: pl.DataFrame | None = None, labels: Mapping[str, str] | None = None
) -> pl.Expr:
    """Display names for area codes: LAD names from `lads`, others from `labels`, else the code itself."""
    names = dict(labels or {})
    if by == "lad" and lads is not None:
        names.update(zip(lads["lad_code"].to_list(), lads["lad_name"].to_list(), strict=True))
    names = {**names, **{k: v for k, v in SPECIAL_NAMES.items() if k not in names}}
    return codes.replace_strict(names, default=codes, return_dtype=pl.String)

"""Disclosure control: primary suppression of small rows and complementary suppression within a group."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def mark_suppressed(
    frame: pl.DataFrame,
    *,
    size: str,
    threshold: int,
    within: Sequence[str],
    holds: pl.Expr | None = None,
    tie_break: Sequence[str] = (),
) -> pl.DataFrame:
    """Add a boolean `suppressed` column: rows with `size` below threshold, plus complements.

    `within` names the columns of a group whose rows sum to a published parent (for example
    statement_id and the parent LAD). When exactly one suppressed row of a group holds anything
    (`holds`, by default size > 0), the parent minus the published rows would give it away, so the
    unsuppressed row with the smallest `size` (ties broken by `tie_break`) is suppressed too. Afterwards
    every group has either no suppressed row holding anything, or at least two.
    """
    holds = (pl.col(size) > 0) if holds is None else holds
    group = list(within) or ["_group"]
    marked = frame.with_row_index("_row").with_columns(_group=pl.lit(0))
    marked = marked.with_columns(
        _primary=pl.col(size).fill_null(0) < threshold, _holds=holds.fill_null(False)
    )
    order = [*group, "_primary", size, *tie_break, "_row"]
    marked = marked.sort(order, nulls_last=True).with_columns(
        _exposed=((pl.col("_primary") & pl.col("_holds")).sum().over(group) == 1),
        _first_open=(~pl.col("_primary")) & ((~pl.col("_primary")).cum_sum().over(group) == 1),
    )
    suppressed = pl.col("_primary") | (pl.col("_exposed") & pl.col("_first_open"))
    return (
        marked.with_columns(suppressed=suppressed)
        .sort("_row")
        .drop("_row", "_group", "_primary", "_holds", "_exposed", "_first_open")
    )


def null_where_suppressed(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Set `columns` to null on every row whose `suppressed` column is true."""
    return frame.with_columns(
        pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) for c in columns
    )

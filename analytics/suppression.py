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


PUBLISHABLE = ["publishable", "publishable_rule"]  # what internal (exact) tables carry instead of `suppressed`


def small_rule(threshold: int, what: str = "responses") -> str:
    return f"fewer than {threshold} {what} (zero alike)"


ONE_ANSWER = "everyone gave the same answer (or all agree, or all disagree)"
ONE_WAY = "every pair changed the same way (all improved, all the same or all worse)"
COMPLEMENT = "complement: with the table's total and its other rows it would give a hidden row away"


def effective_rule(threshold: int) -> str:
    return f"effective base (weighted) under {threshold}"


def flag_publishable(frame: pl.DataFrame, rules: Sequence[tuple[pl.Expr, str]]) -> pl.DataFrame:
    """Add `publishable` (no rule fails) and `publishable_rule` (the first of `rules` a row fails, in order:
    each a boolean expression, true when the row fails it, and the rule's words), keeping every figure."""
    rule = pl.lit(None, pl.String)
    for failed, words in reversed(rules):
        rule = pl.when(failed.fill_null(False)).then(pl.lit(words)).otherwise(rule)
    return frame.with_columns(publishable_rule=rule).with_columns(publishable=pl.col("publishable_rule").is_null())


def internal_columns(columns: Sequence[str]) -> list[str]:
    """`columns` with `suppressed` replaced by `PUBLISHABLE`: the columns of the same table, internal."""
    out: list[str] = []
    for name in columns:
        out.extend(PUBLISHABLE if name == "suppressed" else [name])
    return out

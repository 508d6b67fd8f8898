"""Agreement between two coders who tagged the same comments with themes, blind: Cohen's kappa per theme.

For each theme, each comment is a yes or no from each coder. Kappa is (p_o - p_e) / (1 - p_e): p_o the share
of comments on which they agree, p_e the share they would agree on by chance given how often each ticks the
theme. When both coders give one answer throughout (p_e = 1) kappa is not defined: null, with the agreement.
"""

from __future__ import annotations

import polars as pl


def theme_agreement(ticks: pl.DataFrame) -> pl.DataFrame:
    """Needs theme_id, response_id, first, second (0 or 1: whether each coder ticked the theme for the comment),
    one row per theme and comment both coded. Returns theme_id, comments, ticked_by_first, ticked_by_second,
    agreement (p_o) and kappa (null where not defined), in the order themes first appear."""
    first, second = pl.col("first").cast(pl.Float64), pl.col("second").cast(pl.Float64)
    per_theme = ticks.group_by("theme_id", maintain_order=True).agg(
        pl.len().alias("comments"), pl.col("first").sum().alias("ticked_by_first"),
        pl.col("second").sum().alias("ticked_by_second"), (first == second).mean().alias("agreement"),
        (first.mean() * second.mean() + (1 - first.mean()) * (1 - second.mean())).alias("chance"))
    kappa = pl.when(pl.col("chance") < 1 - 1e-12).then(
        (pl.col("agreement") - pl.col("chance")) / (1 - pl.col("chance"))).otherwise(None)
    return per_theme.with_columns(kappa.alias("kappa")).select(
        "theme_id", pl.col("comments").cast(pl.Int64), pl.col("ticked_by_first").cast(pl.Int64),
        pl.col("ticked_by_second").cast(pl.Int64), "agreement", "kappa")

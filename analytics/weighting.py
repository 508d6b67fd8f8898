"""Post-stratification weights: each wave's in-area responses raked to the LADs' shares of children."""

from __future__ import annotations

import polars as pl


def lad_weights(responses: pl.DataFrame | pl.LazyFrame, lads: pl.DataFrame) -> pl.DataFrame:
    """Needs responses.response_id, wave_id, area_status, lad_code and lads.lad_code, children_0_17;
    returns response_id, wave_id, lad_code, weight.

    One margin (LAD), so raking is post-stratification: within each wave a response in LAD L gets
    weight = (L's share of Kent and Medway children aged 0-17) / (L's share of the wave's in-area
    responses with a known LAD). Weights average 1 within a wave. Out-of-area and unknown responses
    get no row: they have no LAD share to be weighted to, so weighted estimates leave them out. A LAD
    with no responses in a wave cannot be represented; the target shares are rescaled over the LADs
    that have responses.
    """
    children = lads.lazy().select("lad_code", pl.col("children_0_17").cast(pl.Float64))
    placed = (
        responses.lazy()
        .filter((pl.col("area_status") == "in_area") & pl.col("lad_code").is_not_null())
        .select("response_id", "wave_id", "lad_code")
        .join(children, on="lad_code", how="inner")
    )
    cells = (
        placed.group_by("wave_id", "lad_code")
        .agg(n=pl.len(), children=pl.col("children_0_17").first())
        .with_columns(
            sample_share=pl.col("n") / pl.col("n").sum().over("wave_id"),
            target_share=pl.col("children") / pl.col("children").sum().over("wave_id"),
        )
        .select("wave_id", "lad_code", weight=pl.col("target_share") / pl.col("sample_share"))
    )
    return (
        placed.join(cells, on=["wave_id", "lad_code"], how="inner")
        .select("response_id", "wave_id", "lad_code", "weight")
        .collect()
    )

"""Post-stratification weights: each wave's in-area responses raked to the LADs' shares of children, trimmed.

Every response of a wave in one LAD gets the same weight, so weights are worked out per cell (wave, LAD)
from counts (`cell_weights`), and counts of answers per cell carry them (`weigh_counts`): the sums of w and
w^2 over a cell's n answers are n*w and n*w^2. Nothing here needs one row per response.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

CELLS_SCHEMA = {"wave_id": pl.String, "lad_code": pl.String, "n": pl.Int64}


TRIM_CAP = 5.0  # the largest weight, as a multiple of the mean weight (1): DeBell and Krosnick's (2009) cap


def trim(n: Sequence[float], weights: Sequence[float], cap: float = TRIM_CAP) -> list[float]:
    """Cap-and-redistribute trimming of one wave's cell weights (cells of `n` responses each): every weight
    above `cap` is set to `cap` and the others are scaled up together so that the weighted total stays the
    number of responses (weights still average 1), repeated until none is above `cap`."""
    total = sum(n)
    trimmed = list(weights)
    capped: set[int] = set()
    while True:
        over = {i for i, w in enumerate(trimmed) if w > cap + 1e-12} - capped
        if not over:
            return trimmed
        capped |= over
        free = [i for i in range(len(trimmed)) if i not in capped]
        free_total = sum(n[i] * trimmed[i] for i in free)
        if not free or free_total <= 0:  # a cap below the mean: nothing can take the excess
            raise ValueError(f"cannot trim weights to {cap}: the cap must be above the mean weight 1")
        scale = (total - cap * sum(n[i] for i in capped)) / free_total
        trimmed = [cap if i in capped else w * scale for i, w in enumerate(trimmed)]


def cell_weights(cells: pl.DataFrame | pl.LazyFrame, lads: pl.DataFrame, *, cap: float = TRIM_CAP) -> pl.LazyFrame:
    """Needs cells (wave_id, lad_code, n: in-area responses with a known LAD) and lads.lad_code,
    children_0_17; returns wave_id, lad_code, weight, untrimmed_weight (lazy).

    One margin (LAD), so raking is post-stratification: within each wave a response in LAD L gets
    weight = (L's share of the children aged 0-17 of the LADs with responses) / (L's share of the wave's
    in-area responses with a known LAD). Weights average 1 within a wave. A LAD that is not in `lads`, or
    has no responses in a wave, gets no weight there: the target shares are rescaled over the LADs that have.
    Weights are then trimmed at `cap` (`trim`: cap and redistribute), so no LAD's few responses count for
    more than `cap` average responses; trimmed, the weighted LAD shares no longer match the targets exactly.
    """
    children = lads.lazy().select("lad_code", pl.col("children_0_17").cast(pl.Float64))
    raw = (
        cells.lazy()
        .filter(pl.col("n") > 0)
        .join(children, on="lad_code", how="inner")
        .with_columns(
            sample_share=pl.col("n") / pl.col("n").sum().over("wave_id"),
            target_share=pl.col("children_0_17") / pl.col("children_0_17").sum().over("wave_id"),
        )
        .select("wave_id", "lad_code", "n", untrimmed_weight=pl.col("target_share") / pl.col("sample_share"))
        .collect()
    )
    parts = [part.with_columns(weight=pl.Series(trim(part["n"].cast(pl.Float64).to_list(),
                                                     part["untrimmed_weight"].to_list(), cap), dtype=pl.Float64))
             for part in raw.partition_by("wave_id")]
    schema = {"wave_id": pl.String, "lad_code": pl.String, "weight": pl.Float64, "untrimmed_weight": pl.Float64}
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    return frame.select(list(schema)).lazy()


def lad_weights(responses: pl.DataFrame | pl.LazyFrame, lads: pl.DataFrame) -> pl.DataFrame:
    """Needs responses.response_id, wave_id, area_status, lad_code and lads.lad_code, children_0_17;
    returns response_id, wave_id, lad_code, weight: `cell_weights` given to each response.

    Out-of-area and unknown responses get no row: they have no LAD share to be weighted to, so weighted
    estimates leave them out.
    """
    placed = (
        responses.lazy()
        .filter((pl.col("area_status") == "in_area") & pl.col("lad_code").is_not_null())
        .select("response_id", "wave_id", "lad_code")
    )
    cells = placed.group_by("wave_id", "lad_code").agg(n=pl.len())
    return (
        placed.join(cell_weights(cells, lads), on=["wave_id", "lad_code"], how="inner")
        .select("response_id", "wave_id", "lad_code", "weight")
        .collect()
    )


def weigh_counts(counts: pl.DataFrame, weights: pl.DataFrame | pl.LazyFrame, keys: list[str]) -> pl.DataFrame:
    """Needs counts (wave_id, lad_code, n and the `keys` columns) with one row per key and LAD cell, and
    weights (wave_id, lad_code, weight); returns the `keys` columns, n, weight_sum (n*w summed over the
    cells) and weight_sq_sum (n*w^2 summed). Rows without a weight (no LAD, or a LAD without a share) are
    left out, as weighted estimates leave out out-of-area and unknown responses.
    """
    n = pl.col("n")
    return (
        counts.lazy()
        .join(weights.lazy(), on=["wave_id", "lad_code"], how="inner")
        .group_by(keys)
        .agg(n.sum().cast(pl.Int64), *([pl.col("n_true").sum().cast(pl.Int64)] if "n_true" in counts.columns else []),
             weight_sum=(n * pl.col("weight")).sum(),
             weight_sq_sum=(n * pl.col("weight") ** 2).sum())
        .collect()
    )

"""Post-stratification weights: each wave's in-area responses raked to the LADs' shares of children (or of the
SEND population, EHC plans by upper-tier authority), sparse LADs collapsed first, trimmed.

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


MIN_CELL = 10  # a LAD with fewer responses in a wave is collapsed before raking (`collapse`)
CHILDREN_TARGETS = "children"  # each LAD's children aged 0-17
EHC_TARGETS = "ehc_plans"  # each upper-tier authority's EHC plans, split over its LADs by their children
TARGETS = (CHILDREN_TARGETS, EHC_TARGETS)


def lad_targets(lads: pl.DataFrame, ehc_plans: pl.DataFrame | None = None) -> pl.DataFrame:
    """lad_code, target (a population, not a share): the LAD's children aged 0-17 (`lads`); with `ehc_plans`
    (`waves.areas.ehc_plans`: variable "utla", option_id, count), the SEND population where it is published:
    the LAD's upper-tier authority's EHC plans times the LAD's share of that authority's children (DfE
    publishes EHC plans by upper-tier authority only: Kent and Medway, not by district)."""
    children = lads.select("lad_code", pl.col("children_0_17").cast(pl.Float64))
    if ehc_plans is None:
        return children.select("lad_code", target=pl.col("children_0_17"))
    if "utla_code" not in lads.columns:
        raise ValueError("EHC plan targets need each LAD's upper-tier authority (lads.utla_code)")
    plans = ehc_plans.filter(pl.col("variable") == "utla").select(utla_code="option_id",
                                                                   plans=pl.col("count").cast(pl.Float64))
    missing = sorted(set(lads["utla_code"].to_list()) - set(plans["utla_code"].to_list()))
    if missing:
        raise ValueError(f"the EHC plan caseload has no plans for upper-tier authorities {missing}")
    return (lads.select("lad_code", "utla_code", pl.col("children_0_17").cast(pl.Float64)).join(plans, on="utla_code")
            .select("lad_code", target=pl.col("plans") * pl.col("children_0_17")
                    / pl.col("children_0_17").sum().over("utla_code")))


def collapse(n: dict[str, int], tier: dict[str, str], min_cell: int = MIN_CELL) -> dict[str, str]:
    """Each LAD (of `tier`: LAD -> upper-tier authority) -> the weighting cell it is raked in, for one wave's
    responses per LAD `n`. A LAD with `min_cell` responses or more is a cell of its own. The others of one
    upper-tier authority, those without responses included, are pooled into one cell ("<tier>:sparse"); a pool
    with fewer than `min_cell` responses joins the authority's LAD with the most responses, or, when the
    authority has none standing (Medway is one LAD), the wave's; a pool without any response is left out (no
    cell: the targets are rescaled over the cells with responses). Without any LAD of `min_cell` responses the
    wave is one cell (every weight 1)."""
    standing = {lad for lad in tier if n.get(lad, 0) >= min_cell}
    if not standing:
        return dict.fromkeys(tier, "all")
    cells = {lad: lad for lad in standing}
    largest = max(standing, key=lambda lad: (n.get(lad, 0), lad))
    for authority in sorted(set(tier.values())):
        sparse = sorted(lad for lad, t in tier.items() if t == authority and lad not in standing)
        if not sparse:
            continue
        pooled = sum(n.get(lad, 0) for lad in sparse)
        if pooled == 0:  # no responses to carry their population: targets are rescaled over the cells with some
            continue
        own = [lad for lad in standing if tier[lad] == authority]
        into = f"{authority}:sparse" if pooled >= min_cell else (
            max(own, key=lambda lad: (n.get(lad, 0), lad)) if own else largest)
        cells.update(dict.fromkeys(sparse, into))
    return cells


def cell_weights(cells: pl.DataFrame | pl.LazyFrame, lads: pl.DataFrame, *, cap: float = TRIM_CAP,
                 min_cell: int = MIN_CELL, targets: pl.DataFrame | None = None) -> pl.LazyFrame:
    """Needs cells (wave_id, lad_code, n: in-area responses with a known LAD) and lads.lad_code,
    children_0_17 (and utla_code: each LAD's upper-tier authority; without it, one authority); returns wave_id,
    lad_code, weight, untrimmed_weight, weight_cell (lazy).

    Sparse LADs are collapsed first (`collapse`: fewer than `min_cell` responses, pooled within their upper-tier
    authority, or joined to a larger LAD), so no weight rests on a handful of families and no LAD's population
    is dropped. One margin (the cells), so raking is post-stratification: within each wave a response in cell C
    gets weight = (C's share of the target population, `targets` or children 0-17 by LAD: `lad_targets`) / (C's
    share of the wave's in-area responses with a known LAD). Weights average 1 within a wave. A LAD that is not
    in `lads` gets no weight. Weights are then trimmed at `cap` (`trim`: cap and redistribute), so no cell's few
    responses count for more than `cap` average responses; trimmed, the weighted shares no longer match the
    targets exactly.
    """
    population = dict((targets if targets is not None else lad_targets(lads)).select("lad_code", "target").iter_rows())
    tier = dict(zip(lads["lad_code"].to_list(),
                    lads["utla_code"].to_list() if "utla_code" in lads.columns else ["all"] * lads.height,
                    strict=True))
    counted = cells.lazy().filter(pl.col("n") > 0).collect()
    rows: list[tuple[str, str, float, float, str]] = []
    for wave_id in sorted(set(counted["wave_id"].to_list())):
        part = counted.filter(pl.col("wave_id") == wave_id)
        n = {lad: int(k) for lad, k in zip(part["lad_code"].to_list(), part["n"].to_list(), strict=True)
             if lad in tier}
        if not n:
            continue
        cell_of = collapse(n, tier, min_cell)
        cell_n: dict[str, int] = {}
        cell_target: dict[str, float] = {}
        for lad, cell in cell_of.items():
            cell_n[cell] = cell_n.get(cell, 0) + n.get(lad, 0)
            cell_target[cell] = cell_target.get(cell, 0.0) + float(population.get(lad, 0.0))
        used = sorted(c for c, k in cell_n.items() if k > 0)
        total_n, total_target = sum(cell_n[c] for c in used), sum(cell_target[c] for c in used)
        raw = [(cell_target[c] / total_target) / (cell_n[c] / total_n) for c in used]
        trimmed = dict(zip(used, trim([float(cell_n[c]) for c in used], raw, cap), strict=True))
        untrimmed = dict(zip(used, raw, strict=True))
        rows += [(wave_id, lad, trimmed[cell_of[lad]], untrimmed[cell_of[lad]], cell_of[lad]) for lad in sorted(n)]
    schema = {"wave_id": pl.String, "lad_code": pl.String, "weight": pl.Float64, "untrimmed_weight": pl.Float64,
              "weight_cell": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row").lazy()


def lad_weights(responses: pl.DataFrame | pl.LazyFrame, lads: pl.DataFrame, *, min_cell: int = MIN_CELL
                ) -> pl.DataFrame:
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
        placed.join(cell_weights(cells, lads, min_cell=min_cell), on=["wave_id", "lad_code"], how="inner")
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

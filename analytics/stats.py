"""Shared statistics as Polars expressions: Wilson and Newcombe intervals, the two-proportion z test,
Benjamini-Hochberg q-values and Kish's effective sample size."""

from __future__ import annotations

import math
from statistics import NormalDist

import polars as pl

Z95 = NormalDist().inv_cdf(0.975)


def wilson_interval(share: pl.Expr, n: pl.Expr, *, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval (low, high) for a share observed on n (n may be an effective, fractional n).

    Null where n is not positive or the share is null.
    """
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (share + z2 / (2 * n)) / denominator
    half = z * (share * (1 - share) / n + z2 / (4 * n * n)).sqrt() / denominator
    usable = (n > 0) & share.is_not_null()
    low = pl.when(usable).then((centre - half).clip(0.0, 1.0))
    high = pl.when(usable).then((centre + half).clip(0.0, 1.0))
    return low, high


def newcombe_interval(
    share1: pl.Expr, low1: pl.Expr, high1: pl.Expr, share2: pl.Expr, low2: pl.Expr, high2: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """Newcombe's hybrid score interval (method 10) for share1 - share2, from the two Wilson intervals."""
    delta = share1 - share2
    low = delta - ((share1 - low1) ** 2 + (high2 - share2) ** 2).sqrt()
    high = delta + ((high1 - share1) ** 2 + (share2 - low2) ** 2).sqrt()
    return low, high


def normal_sf(z: float | None) -> float | None:
    """The standard normal survival function P(Z > z) = erfc(z / sqrt 2) / 2 (None and NaN give None)."""
    if z is None or math.isnan(z):
        return None
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _normal_sf(z: pl.Expr) -> pl.Expr:
    """The standard normal survival function over a column (the standard library's erfc: no scipy)."""
    return z.map_batches(
        lambda s: pl.Series([normal_sf(v) for v in s.cast(pl.Float64).to_list()], dtype=pl.Float64),
        return_dtype=pl.Float64,
    )


def two_proportion_p(share1: pl.Expr, n1: pl.Expr, share2: pl.Expr, n2: pl.Expr) -> pl.Expr:
    """Two-sided pooled two-proportion z test p-value; 1.0 when the pooled share is 0 or 1."""
    pooled = (share1 * n1 + share2 * n2) / (n1 + n2)
    se = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).sqrt()
    z = ((share1 - share2) / se).abs()
    usable = share1.is_not_null() & share2.is_not_null() & (n1 > 0) & (n2 > 0)
    degenerate = (pooled <= 0) | (pooled >= 1)
    p = pl.when(degenerate).then(pl.lit(1.0)).otherwise(2 * _normal_sf(pl.when(~degenerate).then(z)))
    return pl.when(usable).then(p.clip(0.0, 1.0))


def kish_n_eff(weight_sum: pl.Expr, weight_sq_sum: pl.Expr) -> pl.Expr:
    """Kish's effective sample size (sum w)^2 / sum w^2; equals n when every weight is 1."""
    return pl.when(weight_sq_sum > 0).then(weight_sum * weight_sum / weight_sq_sum)


def with_q_values(frame: pl.DataFrame, *, p: str = "p_value", q: str = "q_value") -> pl.DataFrame:
    """Add Benjamini-Hochberg q-values over every row of `frame` whose `p` is not null (others get null)."""
    indexed = frame.with_row_index("_row")
    ranked = (
        indexed.filter(pl.col(p).is_not_null())
        .select("_row", p)
        .sort(p, descending=True, maintain_order=True)
        .with_columns(_m=pl.len())
        .with_columns(_rank=pl.col("_m") - pl.int_range(pl.len()))
        .with_columns((pl.col(p) * pl.col("_m") / pl.col("_rank")).cum_min().clip(upper_bound=1.0).alias(q))
        .select("_row", q)
    )
    return indexed.join(ranked, on="_row", how="left").sort("_row").drop("_row")

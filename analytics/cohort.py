"""Same-cohort change: families who gave their return code in two waves, statement by statement."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import polars as pl
from scipy.stats import wilcoxon

from analytics.compare import Q7_SCORES

FIGURES = ["n_pairs", "share_improved", "share_same", "share_worse", "mean_change", "p_value"]
COLUMNS = ["later_wave_id", "earlier_wave_id", "statement_id", *FIGURES, "suppressed"]


def _scores_by_key(likert: pl.DataFrame, responses: pl.DataFrame, scores: Mapping[str, int]) -> pl.LazyFrame:
    """One response per cohort key (the greatest response_id), with its scored answers."""
    chosen = (
        responses.lazy()
        .filter(pl.col("cohort_key").is_not_null())
        .group_by("cohort_key")
        .agg(pl.col("response_id").max())
    )
    scored = likert.lazy().select(
        "response_id", "statement_id",
        score=pl.col("answer_id").replace_strict(dict(scores), default=None, return_dtype=pl.Int64),
    ).filter(pl.col("score").is_not_null())
    return chosen.join(scored, on="response_id", how="inner").select("cohort_key", "statement_id", "score")


def _wave_id(responses: pl.DataFrame) -> str | None:
    waves = responses["wave_id"].unique().sort().to_list()
    return ",".join(waves) if waves else None


def _wilcoxon_p(differences: np.ndarray) -> float | None:
    """scipy.stats.wilcoxon with its defaults (zero differences dropped, 'auto' method)."""
    if differences.size == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(wilcoxon(differences).pvalue)
    return None if np.isnan(p) else p


def cohort_change(
    later_likert: pl.DataFrame,
    later_responses: pl.DataFrame,
    earlier_likert: pl.DataFrame,
    earlier_responses: pl.DataFrame,
    *,
    threshold: int = 10,
    scores: Mapping[str, int] = Q7_SCORES,
) -> pl.DataFrame:
    """Needs likert (response_id, statement_id, answer_id) and responses (response_id, wave_id, cohort_key)
    for two waves; returns later_wave_id, earlier_wave_id, statement_id, n_pairs, share_improved,
    share_same, share_worse, mean_change, p_value, suppressed.

    Responses are linked by cohort_key; where a key has several responses in one wave, the one with the
    greatest response_id is used. A pair counts for a statement when both answers are scored (not don't
    know, not unanswered); change = later score - earlier score, so "improved" means more positive.
    Rows with fewer than `threshold` pairs are suppressed (every figure null).
    """
    later = _scores_by_key(later_likert, later_responses, scores)
    earlier = _scores_by_key(earlier_likert, earlier_responses, scores)
    pairs = later.join(earlier, on=["cohort_key", "statement_id"], how="inner", suffix="_earlier").select(
        "statement_id", change=pl.col("score") - pl.col("score_earlier")).collect()
    statements = pl.concat([later_likert.select("statement_id"),
                            earlier_likert.select("statement_id")]).unique()
    change = pl.col("change")
    summary = pairs.group_by("statement_id").agg(
        n_pairs=pl.len().cast(pl.Int64),
        share_improved=(change > 0).mean(), share_same=(change == 0).mean(), share_worse=(change < 0).mean(),
        mean_change=change.cast(pl.Float64).mean(),
    )
    p_values = pl.DataFrame(
        [(key[0], _wilcoxon_p(part["change"].to_numpy())) for key, part in pairs.partition_by(
            "statement_id", as_dict=True).items()],
        schema={"statement_id": pl.String, "p_value": pl.Float64}, orient="row")
    table = statements.join(summary, on="statement_id", how="left").join(
        p_values, on="statement_id", how="left")
    table = table.with_columns(pl.col("n_pairs").fill_null(0)).with_columns(
        suppressed=pl.col("n_pairs") < threshold)
    return table.with_columns(
        *(pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) for c in FIGURES),
        later_wave_id=pl.lit(_wave_id(later_responses), dtype=pl.String),
        earlier_wave_id=pl.lit(_wave_id(earlier_responses), dtype=pl.String),
    ).select(COLUMNS).sort("statement_id")

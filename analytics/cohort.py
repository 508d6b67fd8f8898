"""Same-cohort change: families who gave their return code in two waves, statement by statement.

The figures come from how many pairs changed by each amount on each statement (a histogram of score
changes), so the pairing can happen wherever the answers are: in Polars (`cohort_change`) or in the
database (`surveyapp.store.frames.cohort_change_counts`), and only the histogram reaches `cohort_table`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

import polars as pl

from analytics.scale import Scale
from analytics.stats import with_q_values

if TYPE_CHECKING:
    import numpy as np

FIGURES = ["n_pairs", "share_improved", "share_same", "share_worse", "mean_change", "p_value"]
COLUMNS = ["later_wave_id", "earlier_wave_id", "statement_id", *FIGURES, "q_value", "suppressed"]
CHANGES_SCHEMA = {"statement_id": pl.String, "change": pl.Int64, "n": pl.Int64}


def _scores_by_key(likert: pl.DataFrame, responses: pl.DataFrame, scale: Scale) -> pl.LazyFrame:
    """One response per cohort key (the greatest response_id), with its scored answers."""
    chosen = (
        responses.lazy()
        .filter(pl.col("cohort_key").is_not_null())
        .group_by("cohort_key")
        .agg(pl.col("response_id").max())
    )
    scored = likert.lazy().select(
        "response_id", "statement_id",
        score=pl.col("answer_id").replace_strict(dict(scale.scores), default=None, return_dtype=pl.Int64),
    ).filter(pl.col("score").is_not_null())
    return chosen.join(scored, on="response_id", how="inner").select("cohort_key", "statement_id", "score")


def _wave_id(responses: pl.DataFrame) -> str | None:
    waves = responses["wave_id"].unique().sort().to_list()
    return ",".join(waves) if waves else None


def wilcoxon_p(changes: np.ndarray, counts: np.ndarray) -> float | None:
    """The p-value of scipy.stats.wilcoxon with its defaults (zero differences dropped, two-sided, 'auto'
    method, no continuity correction) on the paired changes that `changes`/`counts` tally.

    Over 50 pairs scipy uses the normal approximation with its tie correction, which needs only the
    histogram: each distinct |change| takes the mid-rank of its tie group, so the cost grows with the number
    of distinct changes, not of pairs. Up to 50 pairs (an exact or permutation distribution) the histogram is
    expanded and handed to scipy itself. tests/test_scale.py checks both against scipy."""
    import numpy as np

    total = int(counts.sum())
    if total == 0:
        return None
    if total > _ASYMPTOTIC_OVER:
        nonzero = changes != 0
        values, weights = changes[nonzero].astype(np.float64), counts[nonzero].astype(np.float64)
        n = float(weights.sum())
        if n == 0:
            return None
        sizes = np.abs(values)
        distinct, group = np.unique(sizes, return_inverse=True)
        ties = np.bincount(group, weights=weights, minlength=distinct.size)  # pairs per distinct |change|
        midrank = np.cumsum(ties) - (ties - 1) / 2
        r_plus = float((weights * midrank[group])[values > 0].sum())
        variance = (n * (n + 1) * (2 * n + 1) - float((ties**3 - ties).sum()) / 2) / 24
        if variance <= 0:
            return None
        z = (r_plus - n * (n + 1) / 4) / math.sqrt(variance)
        return math.erfc(abs(z) / math.sqrt(2))  # 2 * P(Z > |z|)
    from scipy.stats import wilcoxon  # scipy takes seconds to import: only for a small cohort

    order = np.lexsort((changes, np.abs(changes)))
    differences = np.repeat(changes[order].astype(np.float64), counts[order])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(wilcoxon(differences).pvalue)
    return None if np.isnan(p) else p


_ASYMPTOTIC_OVER = 50  # scipy's 'auto' method: the normal approximation for more than 50 differences


def change_counts(
    later_likert: pl.DataFrame,
    later_responses: pl.DataFrame,
    earlier_likert: pl.DataFrame,
    earlier_responses: pl.DataFrame,
    *,
    scale: Scale | None = None,
) -> pl.DataFrame:
    """Pairs per statement and score change (later - earlier): statement_id, change, n (`CHANGES_SCHEMA`)."""
    from analytics.compare import default_scale

    scale = scale or default_scale()
    later = _scores_by_key(later_likert, later_responses, scale)
    earlier = _scores_by_key(earlier_likert, earlier_responses, scale)
    return (
        later.join(earlier, on=["cohort_key", "statement_id"], how="inner", suffix="_earlier")
        .group_by("statement_id", change=pl.col("score") - pl.col("score_earlier"))
        .agg(n=pl.len())
        .select(**{c: pl.col(c).cast(t) for c, t in CHANGES_SCHEMA.items()})
        .collect()
    )


def cohort_table(
    changes: pl.DataFrame,
    statements: Iterable[str],
    *,
    later_wave_id: str | None,
    earlier_wave_id: str | None,
    threshold: int = 10,
) -> pl.DataFrame:
    """Needs `changes` (statement_id, change, n: pairs per score change) and the statements to show;
    returns `COLUMNS`, one row per statement, sorted by statement_id.

    change = later score - earlier score, so "improved" means more positive. Rows with fewer than
    `threshold` pairs are suppressed (every figure null).
    """
    change, n = pl.col("change"), pl.col("n")
    exact = pl.col("n_true") if "n_true" in changes.columns else n  # rounded counts carry the exact ones
    summary = changes.group_by("statement_id").agg(
        _size=exact.sum().cast(pl.Int64),
        _one_way=(exact.filter(change > 0).sum() == exact.sum()) | (exact.filter(change == 0).sum() == exact.sum())
        | (exact.filter(change < 0).sum() == exact.sum()),
        n_pairs=n.sum().cast(pl.Int64),
        _improved=n.filter(change > 0).sum(), _same=n.filter(change == 0).sum(),
        _worse=n.filter(change < 0).sum(), _total=(change * n).sum(),
    ).select(
        "statement_id", "n_pairs", "_size", "_one_way",
        share_improved=pl.col("_improved") / pl.col("n_pairs"), share_same=pl.col("_same") / pl.col("n_pairs"),
        share_worse=pl.col("_worse") / pl.col("n_pairs"),
        mean_change=pl.col("_total").cast(pl.Float64) / pl.col("n_pairs"),
    )
    p_values = pl.DataFrame(
        [(key[0], wilcoxon_p(part["change"].to_numpy(), part["n"].to_numpy()))
         for key, part in changes.partition_by("statement_id", as_dict=True).items()],
        schema={"statement_id": pl.String, "p_value": pl.Float64}, orient="row")
    shown = pl.DataFrame({"statement_id": sorted(set(statements))}, schema={"statement_id": pl.String})
    table = shown.join(summary, on="statement_id", how="left").join(p_values, on="statement_id", how="left")
    rounded = "n_true" in changes.columns
    table = table.with_columns(pl.col("n_pairs", "_size").fill_null(0)).with_columns(
        suppressed=(pl.col("_size") < threshold) | (pl.col("_one_way").fill_null(False) & rounded))
    published = table.with_columns(
        *(pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) for c in FIGURES),
        later_wave_id=pl.lit(later_wave_id, dtype=pl.String),
        earlier_wave_id=pl.lit(earlier_wave_id, dtype=pl.String),
    )
    # Benjamini-Hochberg across the statements shown (the family: one cohort table).
    return with_q_values(published).select(COLUMNS).sort("statement_id")


def cohort_change(
    later_likert: pl.DataFrame,
    later_responses: pl.DataFrame,
    earlier_likert: pl.DataFrame,
    earlier_responses: pl.DataFrame,
    *,
    threshold: int = 10,
    scale: Scale | None = None,
) -> pl.DataFrame:
    """Needs likert (response_id, statement_id, answer_id) and responses (response_id, wave_id, cohort_key)
    for two waves; returns later_wave_id, earlier_wave_id, statement_id, n_pairs, share_improved,
    share_same, share_worse, mean_change, p_value, suppressed: one row per statement answered in either.

    Responses are linked by cohort_key; where a key has several responses in one wave, the one with the
    greatest response_id is used. A pair counts for a statement when both answers are scored (not don't
    know, not unanswered); change = later score - earlier score, so "improved" means more positive.
    Rows with fewer than `threshold` pairs are suppressed (every figure null).
    """
    changes = change_counts(later_likert, later_responses, earlier_likert, earlier_responses, scale=scale)
    statements = pl.concat([later_likert["statement_id"], earlier_likert["statement_id"]]).unique().to_list()
    return cohort_table(changes, statements, later_wave_id=_wave_id(later_responses),
                        earlier_wave_id=_wave_id(earlier_responses), threshold=threshold)

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
from analytics.suppression import ONE_WAY, flag_publishable, internal_columns, small_rule

if TYPE_CHECKING:
    import numpy as np

FIGURES = ["n_pairs", "n_ties", "share_improved", "share_same", "share_worse", "mean_change", "p_value",
           "p_value_pratt"]
EXCLUDED = ["n_excluded_ambiguous", "n_excluded_other_child"]
COLUMNS = ["later_wave_id", "earlier_wave_id", "statement_id", *FIGURES, "q_value", "q_value_pratt", *EXCLUDED,
           "suppressed"]
CHANGES_SCHEMA = {"statement_id": pl.String, "change": pl.Int64, "n": pl.Int64}
ZERO_METHODS = ("wilcox", "pratt")  # p_value: zero changes dropped (scipy's default); p_value_pratt: Pratt's


def _uses(responses: pl.DataFrame) -> pl.LazyFrame:
    """Responses with a cohort key, with `child` (their child key, or null), `uses` (responses of the wave with
    that cohort key) and `child_uses` (those with the same child key too; null without one)."""
    child = pl.col("child_key") if "child_key" in responses.columns else pl.lit(None, pl.String)
    return (responses.lazy().filter(pl.col("cohort_key").is_not_null())
            .select("response_id", "cohort_key", child=child)
            .with_columns(uses=pl.len().over("cohort_key"),
                          child_uses=pl.when(pl.col("child").is_not_null()).then(pl.len().over("cohort_key", "child"))))


def _candidates(later: pl.DataFrame, earlier: pl.DataFrame) -> pl.LazyFrame:
    """Every later response against every earlier one with its cohort key, with `single` (each is its key's only
    response in its wave and their child markers do not differ) and `marked` (the same child marker, which no other
    response of the key has in either wave)."""
    joined = _uses(later).join(_uses(earlier), on="cohort_key", how="inner", suffix="_earlier")
    child, child_earlier = pl.col("child"), pl.col("child_earlier")
    return joined.with_columns(
        single=(pl.col("uses") == 1) & (pl.col("uses_earlier") == 1)
        & (child.is_null() | child_earlier.is_null() | (child == child_earlier)).fill_null(False),
        marked=((pl.col("child_uses") == 1) & (pl.col("child_uses_earlier") == 1) & (child == child_earlier))
        .fill_null(False),
        clear=((pl.col("child_uses") == 1) & (pl.col("child_uses_earlier") == 1)).fill_null(False))


def pair_responses(later: pl.DataFrame, earlier: pl.DataFrame, *, later_ids: pl.Series | None = None
                   ) -> tuple[pl.DataFrame, dict[str, int]]:
    """Which later response is the same child as which earlier one: (response_id, response_id_earlier), and how
    many later responses with a cohort key found in the earlier wave could not be paired, and why.

    The rule (docs/analysts/methods/cohort.md): a code used once in each wave is one child, unless both
    responses name the child and name different ones; a code used more than once in a wave pairs only responses
    whose child marker is the only one of its kind under that code in each wave. Unpaired later responses are
    `n_excluded_other_child` when both sides are marked and none matches (another child), else
    `n_excluded_ambiguous` (responses under one code that no marker tells apart). `later_ids` keeps only those
    later responses (a filter or an area), the uses still counted over the whole wave."""
    candidates = _candidates(later, earlier)
    if later_ids is not None:
        candidates = candidates.filter(pl.col("response_id").is_in(later_ids.implode()))
    found = candidates.collect()
    pairs = found.filter(pl.col("single") | pl.col("marked")).select("response_id", "response_id_earlier")
    unpaired = (found.filter(~pl.col("single")).group_by("response_id")
                .agg(paired=pl.col("marked").any(), clear=pl.col("clear").all()).filter(~pl.col("paired")))
    return pairs, {"n_excluded_ambiguous": unpaired.filter(~pl.col("clear")).height,
                   "n_excluded_other_child": unpaired.filter(pl.col("clear")).height}


def _scores(likert: pl.DataFrame, scale: Scale) -> pl.LazyFrame:
    return likert.lazy().select(
        "response_id", "statement_id",
        score=pl.col("answer_id").replace_strict(dict(scale.scores), default=None, return_dtype=pl.Int64),
    ).filter(pl.col("score").is_not_null())


def _wave_id(responses: pl.DataFrame) -> str | None:
    waves = responses["wave_id"].unique().sort().to_list()
    return ",".join(waves) if waves else None


def wilcoxon_p(changes: np.ndarray, counts: np.ndarray, zero_method: str = "wilcox") -> float | None:
    """The p-value of scipy.stats.wilcoxon with its defaults (two-sided, 'auto' method, no continuity
    correction) on the paired changes that `changes`/`counts` tally, zero differences treated by `zero_method`:
    "wilcox" (scipy's default: dropped) or "pratt" (ranked with the others, then their ranks dropped; Pratt 1959,
    with Cureton's normal approximation, as scipy does).

    Over 50 pairs scipy uses the normal approximation with its tie correction, which needs only the
    histogram: each distinct |change| takes the mid-rank of its tie group, so the cost grows with the number
    of distinct changes, not of pairs. Up to 50 pairs (an exact or permutation distribution) the histogram is
    expanded and handed to scipy itself, except where scipy would enumerate every sign (13 or fewer pairs with
    ties or zeros): those signs are counted from the histogram (_every_sign_p), to the same float.
    tests/analytics/test_scale.py and tests/analytics/test_cohort.py check both against scipy."""
    import numpy as np

    total = int(counts.sum())
    if total == 0:
        return None
    if total > _ASYMPTOTIC_OVER:
        pratt = zero_method == "pratt"
        kept = np.ones(changes.size, dtype=bool) if pratt else changes != 0
        values, weights = changes[kept].astype(np.float64), counts[kept].astype(np.float64)
        n = float(weights.sum())
        zeros = float(weights[values == 0].sum())
        if n - zeros == 0:
            return None
        sizes = np.abs(values)
        distinct, group = np.unique(sizes, return_inverse=True)
        ties = np.bincount(group, weights=weights, minlength=distinct.size)  # pairs per distinct |change|
        midrank = np.cumsum(ties) - (ties - 1) / 2
        r_plus = float((weights * midrank[group])[values > 0].sum())
        ties = np.where(distinct == 0, 0.0, ties)  # Pratt: the zeros' tie group is not in the tie correction
        mean = (n * (n + 1) - zeros * (zeros + 1)) / 4
        variance = (n * (n + 1) * (2 * n + 1) - zeros * (zeros + 1) * (2 * zeros + 1)
                    - float((ties**3 - ties).sum()) / 2) / 24
        if variance <= 0:
            return None
        z = (r_plus - mean) / math.sqrt(variance)
        return math.erfc(abs(z) / math.sqrt(2))  # 2 * P(Z > |z|)
    enumerated = _every_sign_p(changes, counts, zero_method)
    if enumerated is not None:
        return enumerated
    from scipy.stats import wilcoxon  # scipy takes seconds to import: only for a small cohort

    order = np.lexsort((changes, np.abs(changes)))
    differences = np.repeat(changes[order].astype(np.float64), counts[order])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # scipy: "Sample size too small for normal approximation"
        try:
            p = float(wilcoxon(differences, zero_method=zero_method).pvalue)
        except ValueError:  # too few differences for any test (one pair, or one left once ties are dropped)
            return None
    return None if np.isnan(p) else p


_ASYMPTOTIC_OVER = 50  # scipy's 'auto' method: the normal approximation for more than 50 differences
_ENUMERATED_UP_TO = 13  # scipy's 'auto' method: every one of the 2**n signs, for ties or zeros in 13 or fewer


def _every_sign_p(changes: np.ndarray, counts: np.ndarray, zero_method: str) -> float | None:
    """scipy's p-value where scipy enumerates every sign (13 or fewer differences, some tied or zero: a permutation
    test over all 2**n signs, about a tenth of a second each), counted from the histogram in microseconds; None
    where scipy does something else (exactly, or by the normal approximation, both quick) or has no nonzero
    difference to rank. Under the null each nonzero difference is positive for half the signs (a zero's sign
    changes nothing), so the count of signs whose sum of positive ranks is at most (at least) the observed one
    is the number of subsets of the midranks with that sum. Ranks are halves, so they are counted doubled as
    integers: the counts, and so the p-value min(1, 2 * min(at most, at least) / 2**n), are exactly scipy's."""
    pairs = [(float(change), int(n)) for change, n in zip(changes, counts, strict=True) if n > 0]
    total, zeros = sum(n for _, n in pairs), sum(n for change, n in pairs if change == 0)
    sizes = [abs(change) for change, n in pairs if change != 0 for _ in range(n)]
    tied = len(set(sizes)) < len(sizes)
    if total > _ENUMERATED_UP_TO or not sizes or not (zeros or tied):
        return None
    ranked = sorted(sizes + ([0.0] * zeros if zero_method == "pratt" else []))  # Pratt ranks the zeros too
    doubled = {size: 2 * ranked.index(size) + ranked.count(size) + 1 for size in set(sizes)}  # twice the midrank
    signs = [1]  # signs[s]: how many subsets of the ranks so far have doubled sum s
    for size in sizes:
        step = doubled[size]
        signs = [a + b for a, b in zip([*signs, *[0] * step], [0] * step + signs, strict=True)]
    observed = sum(doubled[abs(change)] * n for change, n in pairs if change > 0)
    at_most, at_least = sum(signs[: observed + 1]), sum(signs[observed:])
    return min(1.0, 2 * min(at_most, at_least) / (1 << len(sizes)))


def change_counts(
    later_likert: pl.DataFrame,
    later_responses: pl.DataFrame,
    earlier_likert: pl.DataFrame,
    earlier_responses: pl.DataFrame,
    *,
    scale: Scale | None = None,
    later_ids: pl.Series | None = None,
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Pairs per statement and score change (later - earlier): statement_id, change, n (`CHANGES_SCHEMA`), and
    the later responses left unpaired, by reason (`pair_responses`)."""
    from analytics.compare import default_scale

    scale = scale or default_scale()
    pairs, excluded = pair_responses(later_responses, earlier_responses, later_ids=later_ids)
    later = _scores(later_likert, scale)
    earlier = _scores(earlier_likert, scale).rename({"response_id": "response_id_earlier"})
    changes = (
        pairs.lazy().join(later, on="response_id", how="inner")
        .join(earlier, on=["response_id_earlier", "statement_id"], how="inner", suffix="_earlier")
        .group_by("statement_id", change=pl.col("score") - pl.col("score_earlier"))
        .agg(n=pl.len())
        .select(**{c: pl.col(c).cast(t) for c, t in CHANGES_SCHEMA.items()})
        .collect()
    )
    return changes, excluded


def with_cohort_q_values(frame: pl.DataFrame) -> pl.DataFrame:
    """`q_value` and `q_value_pratt`: Benjamini-Hochberg over every row of `frame` with a p-value (the family:
    one whole cohort table, every statement and, by area or group, every area or group)."""
    return with_q_values(with_q_values(frame.drop("q_value", "q_value_pratt", strict=False)),
                         p="p_value_pratt", q="q_value_pratt")


def published_exclusions(excluded: dict[str, int], rounded: dict[str, int] | None = None, *, threshold: int
                         ) -> dict[str, int | None]:
    """The exclusion counts as published: the rounded ones (`rounded`, else the exact ones); a count under
    `threshold`, 0 included, is null ("fewer than 10"), so the band never says "at least one" (a filter narrowing
    the pairs to a few families would otherwise tell whether any of them answered about another child)."""
    shown = rounded if rounded is not None else excluded
    return {k: (shown[k] if excluded[k] >= threshold else None) for k in EXCLUDED}


def cohort_table(
    changes: pl.DataFrame,
    statements: Iterable[str],
    *,
    later_wave_id: str | None,
    earlier_wave_id: str | None,
    threshold: int = 10,
    excluded: dict[str, int | None] | None = None,
    internal: bool = False,
) -> pl.DataFrame:
    """Needs `changes` (statement_id, change, n: pairs per score change) and the statements to show;
    returns `COLUMNS`, one row per statement, sorted by statement_id; `excluded` (`published_exclusions`) fills
    the table-wide `EXCLUDED` columns.

    change = later score - earlier score, so "improved" means more positive. Rows with fewer than
    `threshold` pairs are suppressed (every figure null). `internal` (exact counts): nothing is nulled, and
    `publishable`/`publishable_rule` take `suppressed`'s place: fewer than `threshold` pairs, or every pair
    changed the same way.
    """
    change, n = pl.col("change"), pl.col("n")
    exact = pl.col("n_true") if "n_true" in changes.columns else n  # rounded counts carry the exact ones
    summary = changes.group_by("statement_id").agg(
        _size=exact.sum().cast(pl.Int64),
        _one_way=(exact.filter(change > 0).sum() == exact.sum()) | (exact.filter(change == 0).sum() == exact.sum())
        | (exact.filter(change < 0).sum() == exact.sum()),
        n_pairs=n.sum().cast(pl.Int64), n_ties=n.filter(change == 0).sum().cast(pl.Int64),
        _improved=n.filter(change > 0).sum(),
        _worse=n.filter(change < 0).sum(), _total=(change * n).sum(),
    ).select(
        "statement_id", "n_pairs", "n_ties", "_size", "_one_way",
        share_improved=pl.col("_improved") / pl.col("n_pairs"), share_same=pl.col("n_ties") / pl.col("n_pairs"),
        share_worse=pl.col("_worse") / pl.col("n_pairs"),
        mean_change=pl.col("_total").cast(pl.Float64) / pl.col("n_pairs"),
    )
    p_values = pl.DataFrame(
        [(key[0], *(wilcoxon_p(part["change"].to_numpy(), part["n"].to_numpy(), method) for method in ZERO_METHODS))
         for key, part in changes.partition_by("statement_id", as_dict=True).items()],
        schema={"statement_id": pl.String, "p_value": pl.Float64, "p_value_pratt": pl.Float64}, orient="row")
    shown = pl.DataFrame({"statement_id": sorted(set(statements))}, schema={"statement_id": pl.String})
    table = shown.join(summary, on="statement_id", how="left").join(p_values, on="statement_id", how="left")
    rounded = "n_true" in changes.columns
    table = table.with_columns(pl.col("n_pairs", "_size").fill_null(0)).with_columns(
        suppressed=(pl.col("_size") < threshold) | (pl.col("_one_way").fill_null(False) & rounded))
    if internal:
        flagged = flag_publishable(table, [(pl.col("_size") < threshold, small_rule(threshold, "pairs")),
                                           (pl.col("_one_way") & (pl.col("_size") > 0), ONE_WAY)])
        return with_cohort_q_values(flagged.with_columns(
            later_wave_id=pl.lit(later_wave_id, dtype=pl.String),
            earlier_wave_id=pl.lit(earlier_wave_id, dtype=pl.String),
            **{c: pl.lit((excluded or {}).get(c, 0), dtype=pl.Int64) for c in EXCLUDED},
        )).select(internal_columns(COLUMNS)).sort("statement_id")
    published = table.with_columns(
        *(pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) for c in FIGURES),
        later_wave_id=pl.lit(later_wave_id, dtype=pl.String),
        earlier_wave_id=pl.lit(earlier_wave_id, dtype=pl.String),
        **{c: pl.lit((excluded or {}).get(c, 0), dtype=pl.Int64) for c in EXCLUDED},
    )
    # Benjamini-Hochberg across the statements shown (the family: one cohort table).
    return with_cohort_q_values(published).select(COLUMNS).sort("statement_id")


def cohort_change(
    later_likert: pl.DataFrame,
    later_responses: pl.DataFrame,
    earlier_likert: pl.DataFrame,
    earlier_responses: pl.DataFrame,
    *,
    threshold: int = 10,
    scale: Scale | None = None,
    later_ids: pl.Series | None = None,
    internal: bool = False,
) -> pl.DataFrame:
    """Needs likert (response_id, statement_id, answer_id) and responses (response_id, wave_id, cohort_key,
    optionally child_key) for two waves; returns `COLUMNS`: one row per statement answered in either.

    Responses are paired when they are the same child (`pair_responses`): the same cohort key, used once in
    each wave or told apart by the child key; the later responses left unpaired are counted by reason. A pair
    counts for a statement when both answers are scored (not don't know, not unanswered); change = later score
    - earlier score, so "improved" means more positive. `later_ids` keeps only those later responses (the uses
    of a code still counted over the whole wave). Rows with fewer than `threshold` pairs are suppressed (every
    figure null); `internal`: flagged instead, the exclusions exact (`cohort_table`).
    """
    changes, excluded = change_counts(later_likert, later_responses, earlier_likert, earlier_responses, scale=scale,
                                      later_ids=later_ids)
    statements = pl.concat([later_likert["statement_id"], earlier_likert["statement_id"]]).unique().to_list()
    return cohort_table(changes, statements, later_wave_id=_wave_id(later_responses),
                        earlier_wave_id=_wave_id(earlier_responses), threshold=threshold,
                        excluded=dict(excluded) if internal else published_exclusions(excluded, threshold=threshold),
                        internal=internal)

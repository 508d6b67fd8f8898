"""A Likert question by area or group, compared with a baseline wave (issue 4).

Every fact about the question (its id, the scored answers and their scores, which answers count as agreeing,
disagreeing or "don't know") comes from a `Scale` read from the questionnaire's definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import polars as pl

from analytics.areas import ALL, area_keys, area_names
from analytics.disclosure import TRUE_SUFFIX
from analytics.scale import Scale
from analytics.stats import kish_n_eff, newcombe_interval, two_proportion_p, wilson_interval, with_q_values
from analytics.suppression import (
    COMPLEMENT,
    ONE_ANSWER,
    effective_rule,
    flag_publishable,
    internal_columns,
    mark_suppressed,
    null_where_suppressed,
    small_rule,
)
from analytics.weighting import MIN_CELL, lad_weights
from waves.areas.pack import OUT_OF_AREA, UNKNOWN

TRUE_N = "n" + TRUE_SUFFIX  # the exact count beside a rounded one (`analytics.disclosure`), for suppression only
COUNTS_SCHEMA = {
    "wave_id": pl.String, "question_id": pl.String, "statement_id": pl.String, "answer_id": pl.String,
    "area_level": pl.String, "area_code": pl.String, "parent_code": pl.String, "n": pl.Int64,
}
_SHARES = ["share_agree", "share_disagree", "net_agree", "mean_score", "share_agree_ci_low", "share_agree_ci_high",
           "effective_base", "design_effect"]
WEIGHT_N = "weight_n"  # the responses the weight sums were made over, when not `n` itself (the service's rounding)
_DELTAS = ["baseline_n_valid", "baseline_share_agree", "delta_share_agree", "delta_ci_low", "delta_ci_high",
           "p_value"]


@cache
def default_scale() -> Scale:
    """The scale of the questionnaire of the last responses wave defined on disk (the shipped repeat survey),
    for callers that pass no `scale` (tests, notebooks). The service always passes its wave's own scale."""
    from waves.loader import load_catalogue

    catalogue = load_catalogue()
    wave = [w for w in catalogue.waves if w.kind == "responses"][-1]
    return Scale.for_questionnaire(catalogue.questionnaire(wave.questionnaire, wave.questionnaire_version))


def count_columns(scale: Scale) -> list[str]:
    """n_valid, n_dont_know, then one count per scored answer in the questionnaire's order."""
    return ["n_valid", "n_dont_know", *scale.scores]


def figure_columns(scale: Scale) -> list[str]:
    """Every column a suppressed row shows as null."""
    return [*count_columns(scale), *_SHARES, *_DELTAS]


def columns(scale: Scale) -> list[str]:
    """The output columns of `compare_waves`, in order."""
    return ["wave_id", "baseline_id", "area_level", "area_code", "area_name", "statement_id",
            *count_columns(scale), *_SHARES, "baseline_area_code", *_DELTAS, "q_value", "suppressed"]


def count_answers(
    likert: pl.DataFrame | pl.LazyFrame,
    responses: pl.DataFrame | pl.LazyFrame,
    *,
    by: str,
    weights: pl.DataFrame | None = None,
    scale: Scale | None = None,
) -> pl.DataFrame:
    """Needs likert.response_id, statement_id, answer_id and responses.response_id, wave_id plus the `by`
    columns; returns wave_id, question_id, statement_id, answer_id, area_level, area_code, parent_code, n
    (and weight_sum, weight_sq_sum when `weights` (response_id, weight) is given).

    The wave comes from the response, joined on response_id. With weights, responses without a weight
    (out-of-area and unknown ones, from `lad_weights`) are left out. question_id is the scale's question.
    """
    scale = scale or default_scale()
    keys = area_keys(responses, by)
    sums = [pl.len().cast(pl.Int64).alias("n")]
    if weights is not None:
        keys = keys.join(weights.lazy().select("response_id", "weight"), on="response_id", how="inner")
        sums += [pl.col("weight").sum().alias("weight_sum"),
                 (pl.col("weight") ** 2).sum().alias("weight_sq_sum")]
    answers = likert.lazy().select("response_id", "statement_id", "answer_id")
    counted = (
        answers.join(keys, on="response_id", how="inner")
        .group_by("wave_id", "area_code", "parent_code", "statement_id", "answer_id")
        .agg(sums)
        .with_columns(question_id=pl.lit(scale.question_id), area_level=pl.lit(by))
    )
    weight_columns = ["weight_sum", "weight_sq_sum"] if weights is not None else []
    return counted.select(*COUNTS_SCHEMA, *weight_columns).collect()


def _standard_counts(counts: pl.DataFrame) -> pl.LazyFrame:
    """Fill in parent_code ('all') and unit weights for counts that lack them (aggregate waves)."""
    lazy = counts.lazy()
    if "parent_code" not in counts.columns:
        lazy = lazy.with_columns(parent_code=pl.lit(ALL))
    if "weight_sum" not in counts.columns:
        unit = pl.col("n").cast(pl.Float64)
        lazy = lazy.with_columns(weight_sum=unit, weight_sq_sum=unit)
    return lazy


def _summarise(counts: pl.LazyFrame, scale: Scale, *, exact_counts: bool = False) -> pl.LazyFrame:
    """One row per area and statement: answer counts, shares, mean score and (Kish) effective n; whether every
    member gave one answer (`_one_answer`) from the exact counts beside rounded ones, or from the counts
    themselves when `exact_counts`."""
    answer, n, w = pl.col("answer_id"), pl.col("n"), pl.col("weight_sum")
    scores = dict(scale.scores)
    scored = answer.is_in(list(scores))
    score = answer.replace_strict(scores, default=None, return_dtype=pl.Float64)
    exact = pl.col(TRUE_N) if TRUE_N in counts.collect_schema().names() else n if exact_counts else None
    protection = [] if exact is None else [
        exact.filter(scored).sum().alias("_size"),
        pl.max_horizontal(*(exact.filter(answer == a).sum() for a in scores)).alias("_top"),
        exact.filter(answer.is_in(list(scale.agree))).sum().alias("_agree_n"),
        exact.filter(answer.is_in(list(scale.disagree))).sum().alias("_disagree_n"),
    ]
    grouped = counts.group_by("area_code", "parent_code", "statement_id").agg(
        *protection,
        *(n.filter(answer == a).sum().alias(a) for a in scores),
        n_valid=n.filter(scored).sum(), n_dont_know=n.filter(answer.is_in(list(scale.unscored))).sum(),
        _w=w.filter(scored).sum(), _w2=pl.col("weight_sq_sum").filter(scored).sum(),
        _wn=(pl.col(WEIGHT_N) if WEIGHT_N in counts.collect_schema().names() else n).filter(scored).sum(),
        _agree=w.filter(answer.is_in(list(scale.agree))).sum(),
        _disagree=w.filter(answer.is_in(list(scale.disagree))).sum(),
        _score=(w * score).filter(scored).sum(),
    )
    some = pl.col("_w") > 0
    if exact is None:
        grouped = grouped.with_columns(_size=pl.col("n_valid"), _one_answer=pl.lit(False))
    else:
        size = pl.col("_size")
        grouped = grouped.with_columns(_one_answer=(size > 0) & (
            (pl.col("_top") == size) | (pl.col("_agree_n") == size) | (pl.col("_disagree_n") == size)),
        ).drop("_top", "_agree_n", "_disagree_n")
    return grouped.with_columns(
        share_agree=pl.when(some).then(pl.col("_agree") / pl.col("_w")),
        share_disagree=pl.when(some).then(pl.col("_disagree") / pl.col("_w")),
        mean_score=pl.when(some).then(pl.col("_score") / pl.col("_w")),
        n_eff=kish_n_eff(pl.col("_w"), pl.col("_w2")),
    ).with_columns(
        # Kish: deff = n * sum(w^2) / (sum w)^2 = n / n_eff; published as a whole effective base and 2 decimals
        effective_base=pl.col("n_eff").round(0),
        design_effect=pl.when(pl.col("n_eff") > 0).then(pl.col("_wn") / pl.col("n_eff")).round(2),
    ).drop("_w", "_w2", "_wn", "_agree", "_disagree", "_score")


# Kish's n_eff to 6 decimals: equal weights give exactly n, whichever order the weights were summed in (a
# sum over responses and one over counted cells can differ in the last bits, either side of the threshold).
_n_eff = pl.col("n_eff").round(6)


def _suppress(table: pl.LazyFrame, threshold: int, *, rounded: bool = False) -> pl.DataFrame:
    """Primary suppression on the true base (and of rows where every member gave the same answer) when the
    counts are rounded (`analytics.disclosure`); else, on exact counts, primary and complementary suppression."""
    if rounded:  # a weighted row on an effective base under the threshold is not published either
        return table.with_columns(
            suppressed=(pl.col("_size").fill_null(0) < threshold) | pl.col("_one_answer").fill_null(False)
            | (_n_eff.fill_null(0) < threshold)
        ).collect()
    holds = (pl.col("n_valid") + pl.col("n_dont_know")) > 0
    marked = mark_suppressed(table.collect(), size="n_valid", threshold=threshold,
                             within=["statement_id", "parent_code"], holds=holds, tie_break=["area_code"])
    return marked.with_columns(suppressed=pl.col("suppressed") | (_n_eff.fill_null(threshold) < threshold))


def _flag(table: pl.LazyFrame, threshold: int) -> pl.DataFrame:
    """Exact counts, internal: every row kept with its figures, `publishable` false and `publishable_rule` on a
    row a release could not show (too few responses, one answer, a weighted base too small, or the complement
    that would give one of those away by subtraction within its statement and parent)."""
    small = pl.col("n_valid").fill_null(0) < threshold
    one = pl.col("_one_answer").fill_null(False)
    thin = _n_eff.fill_null(threshold) < threshold
    holds = (pl.col("n_valid") + pl.col("n_dont_know")) > 0
    hidden = table.with_columns(_hide=pl.when(one | thin).then(0).otherwise(pl.col("n_valid"))).collect()
    marked = mark_suppressed(hidden, size="_hide", threshold=threshold, within=["statement_id", "parent_code"],
                             holds=holds, tie_break=["area_code"]).drop("_hide")
    return flag_publishable(marked, [(small, small_rule(threshold)), (one, ONE_ANSWER),
                                     (thin, effective_rule(threshold)), (pl.col("suppressed"), COMPLEMENT)]
                            ).with_columns(suppressed=pl.lit(False))


def _every_lad(table: pl.LazyFrame, lads: pl.DataFrame, scale: Scale, *, weighted: bool) -> pl.LazyFrame:
    """Add zero rows so every LAD in `lads` (and, unweighted, out-of-area and unknown) appears."""
    extra = [] if weighted else [OUT_OF_AREA, UNKNOWN]
    codes = pl.DataFrame({"area_code": [*lads["lad_code"].to_list(), *extra]}).lazy()
    statements = table.select("statement_id").unique()
    skeleton = codes.join(statements, how="cross").with_columns(parent_code=pl.lit(ALL))
    return skeleton.join(table, on=["area_code", "parent_code", "statement_id"], how="left").with_columns(
        pl.col(*count_columns(scale), "_size").fill_null(0), pl.col("_one_answer").fill_null(False)
    )


def _every_code(table: pl.LazyFrame, codes: Sequence[str], scale: Scale,
                parents: Mapping[str, str] | None = None) -> pl.LazyFrame:
    """Add zero rows so every one of `codes` appears for every statement of the table (a group nobody answered
    from is a hidden row like one of 1 to 9, so a hidden row's presence never says "at least one"), under its
    parent in `parents` (a postcode district's LAD), else under 'all'."""
    schema = table.collect_schema()
    statements = table.select("statement_id").unique()
    missing = (pl.DataFrame({"area_code": list(dict.fromkeys(codes))}, schema={"area_code": pl.String}).lazy()
               .join(statements, how="cross")
               .join(table.select("area_code", "statement_id"), on=["area_code", "statement_id"], how="anti"))
    if parents is not None:
        missing = missing.join(pl.DataFrame({"area_code": list(parents), "_parent": list(parents.values())},
                                            schema={"area_code": pl.String, "_parent": pl.String}).lazy(),
                               on="area_code", how="left")
    parent = pl.col("_parent").fill_null(ALL) if parents is not None else pl.lit(ALL)
    zero = [parent.cast(schema["parent_code"]).alias("parent_code")] if "parent_code" in schema else []
    for name, dtype in schema.items():
        if name in ("area_code", "statement_id", "parent_code"):
            continue
        value = False if dtype == pl.Boolean else 0 if dtype.is_numeric() else None
        zero.append(pl.lit(value, dtype).alias(name))
    return pl.concat([table, missing.with_columns(zero).select(schema.names())])


BASELINE = {"n_valid": "baseline_n_valid", "share_agree": "baseline_share_agree", "n_eff": "_b_n_eff"}


def _baseline_rows(
    counts: pl.LazyFrame, by: str, threshold: int, scale: Scale
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The baseline's own unsuppressed rows at level `by`, and its `all` rows (summed from `by` if absent)."""
    rounded = TRUE_N in counts.collect_schema().names()
    marked = _suppress(_summarise(counts.filter(pl.col("area_level") == by), scale), threshold, rounded=rounded)
    own = marked.lazy().filter(~pl.col("suppressed")).select(
        "area_code", "statement_id", *(pl.col(k).alias(f"{v}_own") for k, v in BASELINE.items()))
    has_all = counts.filter(pl.col("area_level") == ALL).select(pl.len()).collect().item() > 0
    all_counts = counts.filter(pl.col("area_level") == (ALL if has_all else by))
    overall = _summarise(all_counts.with_columns(area_code=pl.lit(ALL), parent_code=pl.lit(ALL)), scale)
    overall = overall.filter((pl.col("_size") >= threshold) & ~pl.col("_one_answer")).select(
        "statement_id", *(pl.col(k).alias(f"{v}_all") for k, v in BASELINE.items()))
    return own, overall


def _join_baseline(wave: pl.LazyFrame, own: pl.LazyFrame, overall: pl.LazyFrame) -> pl.LazyFrame:
    """Use the baseline's own row for the area when it has a published one, else its `all` row."""
    joined = wave.join(own, on=["area_code", "statement_id"], how="left").join(
        overall, on="statement_id", how="left")
    use_own = pl.col("baseline_n_valid_own").is_not_null()
    chosen = [pl.when(use_own).then(pl.col(f"{v}_own")).otherwise(pl.col(f"{v}_all")).alias(v)
              for v in BASELINE.values()]
    return joined.with_columns(
        *chosen, baseline_area_code=pl.when(use_own).then(pl.col("area_code")).otherwise(pl.lit(ALL)),
    ).drop(*(f"{v}_{s}" for v in BASELINE.values() for s in ("own", "all")))


def _statistics(table: pl.LazyFrame) -> pl.LazyFrame:
    """Net agreement, the Wilson interval, the change from baseline with Newcombe's interval and p."""
    share, n_eff = pl.col("share_agree"), pl.col("n_eff")
    base, base_n = pl.col("baseline_share_agree"), pl.col("_b_n_eff")
    low, high = wilson_interval(share, n_eff)
    base_low, base_high = wilson_interval(base, base_n)
    table = table.with_columns(
        net_agree=share - pl.col("share_disagree"),
        share_agree_ci_low=low, share_agree_ci_high=high,
        _b_low=base_low, _b_high=base_high,
        delta_share_agree=share - base,
        p_value=two_proportion_p(share, n_eff, base, base_n),
    )
    d_low, d_high = newcombe_interval(share, pl.col("share_agree_ci_low"), pl.col("share_agree_ci_high"),
                                      base, pl.col("_b_low"), pl.col("_b_high"))
    return table.with_columns(delta_ci_low=d_low, delta_ci_high=d_high)


def compare_waves(
    wave_counts: pl.DataFrame,
    baseline_counts: pl.DataFrame,
    *,
    wave_id: str,
    baseline_id: str,
    by: str,
    threshold: int = 10,
    lads: pl.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    every_lad: bool = False,
    every: Sequence[str] = (),
    every_parent: Mapping[str, str] | None = None,
    scale: Scale | None = None,
    internal: bool = False,
) -> pl.DataFrame:
    """Needs counts frames (wave_id, statement_id, answer_id, area_level, area_code, n; optionally
    parent_code, weight_sum, weight_sq_sum); returns `columns(scale)`, one row per area and statement.

    `internal` (exact counts): no figure is nulled; `suppressed` gives way to `publishable` and
    `publishable_rule`, the rule a row fails that a release would hide it for (`_flag`).

    Counts with weight sums (from `count_answers(..., weights=...)`) give weighted shares and intervals
    on Kish's effective n; the count columns are always the unweighted counts. `every_lad` (with `lads`)
    adds a row for every LAD, out-of-area and unknown even without answers; `every` a row for each of these
    codes (of any level) for every statement, suppressed when nobody answered, under its parent in
    `every_parent` (else 'all').
    """
    scale = scale or default_scale()
    wave = _standard_counts(wave_counts).filter((pl.col("wave_id") == wave_id) & (pl.col("area_level") == by))
    table = _summarise(wave, scale, exact_counts=internal)
    if every_lad and by == "lad" and lads is not None:
        table = _every_lad(table, lads, scale, weighted="weight_sum" in wave_counts.columns)
    if every:
        table = _every_code(table, every, scale, every_parent)
    marked = (_flag(table, threshold) if internal else
              _suppress(table, threshold, rounded=TRUE_N in wave_counts.columns)).lazy()
    base = _standard_counts(baseline_counts).filter(pl.col("wave_id") == baseline_id)
    own, overall = _baseline_rows(base, by, threshold, scale)
    result = _statistics(_join_baseline(marked, own, overall)).with_columns(
        wave_id=pl.lit(wave_id), baseline_id=pl.lit(baseline_id), area_level=pl.lit(by),
        area_name=area_names(pl.col("area_code"), by, lads=lads, labels=labels),
        **{c: pl.col(c).cast(pl.Int64) for c in count_columns(scale)},
    ).collect()
    ordered = columns(scale)
    if internal:
        ordered = internal_columns(ordered)
    else:
        result = null_where_suppressed(result, figure_columns(scale))
    return with_q_values(result.select(c for c in ordered if c != "q_value")).select(ordered).sort(
        "area_code", "statement_id")


def compare_responses(
    likert: pl.DataFrame,
    responses: pl.DataFrame,
    *,
    wave_id: str,
    baseline_id: str,
    by: str,
    baseline_counts: pl.DataFrame | None = None,
    weighted: bool = False,
    lads: pl.DataFrame | None = None,
    scale: Scale | None = None,
    collapse_below: int = MIN_CELL,
    **options: object,
) -> pl.DataFrame:
    """Needs the likert and responses frames (and `lads` when weighted); returns `compare_waves`' columns.

    The baseline is counted from the same frames unless `baseline_counts` (an aggregate wave) is given.
    With `weighted`, each response wave is weighted to the LADs' shares of children (`lad_weights`, LADs with
    fewer than `collapse_below` responses collapsed first), so out-of-area and unknown responses are left out of
    every weighted row.
    """
    waves = [wave_id] if baseline_counts is not None else [wave_id, baseline_id]
    picked = responses.lazy().filter(pl.col("wave_id").is_in(waves))
    answers = likert.lazy().filter(pl.col("wave_id").is_in(waves))
    if weighted and lads is None:
        raise ValueError("weighted comparisons need the area pack's lads frame")
    weights = lad_weights(picked, lads, min_cell=collapse_below) if weighted and lads is not None else None
    scale = scale or default_scale()
    counts = count_answers(answers, picked, by=by, weights=weights, scale=scale)
    baseline = counts if baseline_counts is None else baseline_counts
    return compare_waves(counts, baseline, wave_id=wave_id, baseline_id=baseline_id, by=by, lads=lads,
                         scale=scale, **options)  # type: ignore[arg-type]

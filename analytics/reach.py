"""Reach: how each area or community's share of responses compares with its share of the population."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from analytics.areas import ARRIVAL_LEVELS, NOT_ANSWERED, area_names, lad_area
from analytics.stats import wilson_interval
from analytics.suppression import (
    COMPLEMENT,
    flag_publishable,
    internal_columns,
    mark_suppressed,
    null_where_suppressed,
    small_rule,
)
from waves.areas.pack import OUT_OF_AREA, UNKNOWN
from waves.model import SingleChoice

PREFER_NOT = "prefer_not_to_say"
OUTSIDE_SHARES = (OUT_OF_AREA, UNKNOWN, NOT_ANSWERED, PREFER_NOT)
LAD_SOURCE = "area pack: children aged 0-17 by LAD"
UTLA_SOURCE = "area pack: children aged 0-17 by upper-tier authority"
PLACES = ("lad", "district", "utla")  # levels of place: out_of_area and unknown rows, outside the shares
CENSUS_SOURCE = "Census 2021, all ages"
FIGURES = ["responses", "response_share", "representation_ratio", "ratio_ci_low", "ratio_ci_high"]
COLUMNS = [
    "wave_id", "area_level", "area_code", "area_name", "responses", "responses_band", "response_share",
    "expected_share", "expected_responses", "representation_ratio", "ratio_ci_low", "ratio_ci_high", "p_value",
    "p_adjusted", "under_reached", "reach_status", "suppressed", "expected_source",
]


def option_groups(question: SingleChoice) -> dict[str, str]:
    """The option id -> group mapping of a questionnaire question (e.g. detailed to broad ethnic group)."""
    return {o.id: o.group for o in question.options if o.group is not None}


def _codes(responses: pl.DataFrame, by: str, groups: Mapping[str, str] | None) -> pl.Expr:
    if by == "lad":
        return lad_area()
    if by == "utla" and "utla" not in responses.collect_schema().names():
        if groups is None:
            raise ValueError("reach by utla needs option_groups: LAD code -> upper-tier authority code")
        area = lad_area()
        return pl.when(area.is_in([OUT_OF_AREA, UNKNOWN])).then(area).otherwise(
            area.replace_strict(dict(groups), default=pl.lit(UNKNOWN), return_dtype=pl.String))
    if by == "ethnic_group_broad" and by not in responses.collect_schema().names():
        if groups is None:
            raise ValueError("reach by ethnic_group_broad needs option_groups (detailed id -> broad group)")
        detailed = pl.col("ethnic_group")
        return detailed.replace_strict(dict(groups), default=detailed, return_dtype=pl.String).fill_null(
            NOT_ANSWERED)
    return pl.col(by).fill_null(NOT_ANSWERED)


def expected_shares(by: str, *, lads: pl.DataFrame | None = None, census: pl.DataFrame | None = None,
                    ehc_plans: pl.DataFrame | None = None) -> pl.DataFrame:
    """area_code, expected_share, expected_source for `by` from the population that fits best, empty when
    there is none: children aged 0-17 for LADs (`lads`); the DfE EHC plan caseload where it has `by`
    (`ehc_plans`: variable, option_id, share, source; `waves.areas.ehc_plans`): ethnic group, broad or
    detailed, the child's age band and the upper-tier authority (`utla`: Kent, Medway); children aged 0-17 for
    upper-tier authorities without it; else Census 2021, all ages (`census`), e.g. religion."""
    schema = {"area_code": pl.String, "expected_share": pl.Float64, "expected_source": pl.String}
    if ehc_plans is not None and by != "lad" and by in ehc_plans["variable"].unique().to_list():
        return ehc_plans.filter(pl.col("variable") == by).select(
            area_code=pl.col("option_id"), expected_share=pl.col("share").cast(pl.Float64),
            expected_source=pl.col("source"))
    if by == "utla" and lads is not None and "utla_code" in lads.columns:
        return lads.group_by("utla_code").agg(pl.col("children_0_17").sum()).sort("utla_code").select(
            area_code=pl.col("utla_code"),
            expected_share=pl.col("children_0_17") / pl.col("children_0_17").sum(),
            expected_source=pl.lit(UTLA_SOURCE),
        )
    if by == "lad" and lads is not None:
        return lads.select(
            area_code=pl.col("lad_code"),
            expected_share=pl.col("children_0_17") / pl.col("children_0_17").sum(),
            expected_source=pl.lit(LAD_SOURCE),
        )
    if census is not None and by in census["variable"].unique().to_list():
        return census.filter(pl.col("variable") == by).select(
            area_code=pl.col("option_id"),
            expected_share=pl.col("share").cast(pl.Float64),
            expected_source=pl.lit(CENSUS_SOURCE),
        )
    return pl.DataFrame(schema=schema)


def count_responses(responses: pl.DataFrame, by: str = "lad",
                    option_groups: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Needs responses (wave_id and the `by` columns); returns responses per wave and code: wave_id,
    area_code, responses (what `reach_from_counts` takes; the store counts the same in DuckDB)."""
    return responses.group_by("wave_id", _codes(responses, by, option_groups).alias("area_code")).agg(
        responses=pl.len().cast(pl.Int64))


def _counted(counts: pl.DataFrame, by: str, expected: pl.DataFrame) -> pl.DataFrame:
    """Responses per wave and code, with a zero row for every expected code (and the rows outside the
    shares: `out_of_area` and `unknown` for LADs and districts, prefer not to say and not answered for a
    question; none by source or channel, which every response has)."""
    outside = [OUT_OF_AREA, UNKNOWN] if by in PLACES else [] if by in ARRIVAL_LEVELS else [PREFER_NOT, NOT_ANSWERED]
    codes = pl.concat([expected.select("area_code"),
                       pl.DataFrame({"area_code": outside}, schema={"area_code": pl.String})])
    skeleton = counts.select("wave_id").unique().join(codes, how="cross")
    return (
        pl.concat([counts, skeleton.with_columns(responses=pl.lit(0, pl.Int64))])
        .group_by("wave_id", "area_code").agg(pl.col("responses").sum())
        .join(expected, on="area_code", how="left")
    )


def reach(
    responses: pl.DataFrame,
    *,
    by: str = "lad",
    threshold: int = 10,
    lads: pl.DataFrame | None = None,
    census: pl.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    option_groups: Mapping[str, str] | None = None,
    ehc_plans: pl.DataFrame | None = None,
    internal: bool = False,
) -> pl.DataFrame:
    """Needs responses (response_id, wave_id and the `by` columns), `lads` (lad_code, lad_name,
    children_0_17) for by='lad' and `census` (variable, option_id, share) for census questions; returns
    `COLUMNS`, one row per wave and area or group.

    by='lad': shares over responses with a known Kent/Medway LAD, expected = the LAD's share of children
    aged 0-17; `out_of_area` and `unknown` rows are counted but stay outside the shares. By a question
    (ethnic_group, ethnic_group_broad, religion, ...): shares over responses that chose an option other
    than prefer_not_to_say; prefer_not_to_say and not_answered rows stay outside the shares; expected
    shares from `expected_shares` (the DfE EHC plan caseload where `ehc_plans` has the question, else
    Census 2021 all ages), each row naming its source (`expected_source`), or null when there is none.
    ratio = response_share / expected_share, its interval the Wilson interval of the response share
    divided by expected_share. under_reached: the exact one-sided binomial test of fewer responses than
    expected, Holm-adjusted across the rows of the wave with an expected share, below `ALPHA` (`_under_reach`);
    reach_status says so in words, and "cannot yet be assessed" when even no responses at all would not be
    significant. Rows with fewer than `threshold` responses, and their complements, are suppressed (counts
    and derived figures null; the flag, expected_responses and responses_band stay); `internal`: flagged
    instead (`reach_from_counts`).
    """
    if by == "utla" and option_groups is None and lads is not None and "utla_code" in lads.columns:
        option_groups = dict(zip(lads["lad_code"].to_list(), lads["utla_code"].to_list(), strict=True))
    return reach_from_counts(count_responses(responses, by, option_groups), by=by, threshold=threshold,
                             lads=lads, census=census, labels=labels,
                             expected=expected_shares(by, lads=lads, census=census, ehc_plans=ehc_plans),
                             internal=internal)


ALPHA = 0.05
REACH_STATUS = ("under-reached", "not under-reached", "cannot yet be assessed", "no population figure")


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values (family-wise error control) over the non-null p-values."""
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m, adjusted, running = len(present), list[float | None]([None] * len(p_values)), 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def _under_reach(table: pl.DataFrame, *, threshold: int, slack: int, alpha: float, banded: bool) -> pl.DataFrame:
    """Add expected_responses, p_value, p_adjusted (Holm within each wave) and reach_status to `table`
    (wave_id, responses, _base, expected_share, suppressed).

    The test is the exact one-sided binomial test of "fewer responses than the population share would
    give": P(X <= x) for X ~ Binomial(base, expected share). It is run on what is published, never on more:
    x is the published count plus `slack` (the most the true count can exceed it: base - 1 when counts are
    rounded, 0 when exact), or threshold - 1 for a row shown as "fewer than 10" (`banded`: rounded counts,
    where only rows under the threshold are suppressed); the base is the published base less `slack`. Both
    make the test conservative, so the error rate stays at most `alpha`.
    """
    from scipy.stats import binom  # scipy takes seconds to import: only when reach is asked for

    rows = table.with_row_index("_row")
    inside = rows.filter(pl.col("expected_share").is_not_null() & (pl.col("_base") > 0))
    observed = pl.when(pl.col("suppressed") & banded).then(pl.lit(threshold - 1)).otherwise(pl.col("responses") + slack)
    inside = inside.with_columns(_n=(pl.col("_base") - slack).clip(lower_bound=1)).with_columns(
        _x=pl.min_horizontal(observed, pl.col("_n")))
    p = binom.cdf(inside["_x"].to_numpy(), inside["_n"].to_numpy(), inside["expected_share"].to_numpy())
    inside = inside.with_columns(p_value=pl.Series(p, dtype=pl.Float64))
    adjusted = pl.concat([
        part.with_columns(p_adjusted=pl.Series(holm(part["p_value"].to_list()), dtype=pl.Float64),
                          _m=pl.len(),
                          _zero=pl.Series(binom.cdf(0, part["_n"].to_numpy(), part["expected_share"].to_numpy())))
        for part in inside.partition_by("wave_id")
    ]) if inside.height else inside.with_columns(p_adjusted=pl.lit(None, pl.Float64), _m=pl.lit(0, pl.UInt32),
                                                 _zero=pl.lit(None, pl.Float64))
    found = adjusted.select("_row", "p_value", "p_adjusted", "_m", "_zero")
    out = rows.join(found, on="_row", how="left").sort("_row")
    status = (
        pl.when(pl.col("expected_share").is_null()).then(pl.lit(REACH_STATUS[3]))
        .when(pl.col("p_adjusted") < alpha).then(pl.lit(REACH_STATUS[0]))
        .when(pl.col("_zero") * pl.col("_m") >= alpha).then(pl.lit(REACH_STATUS[2]))
        .otherwise(pl.lit(REACH_STATUS[1]))
    )
    return out.with_columns(
        expected_responses=(pl.col("expected_share") * pl.col("_base")).round(0),
        reach_status=status, under_reached=pl.col("p_adjusted") < alpha,
    ).drop("_row", "_m", "_zero")


def reach_from_counts(
    counts: pl.DataFrame,
    *,
    by: str = "lad",
    threshold: int = 10,
    lads: pl.DataFrame | None = None,
    census: pl.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    totals: Mapping[str, int] | None = None,
    rounding_base: int = 1,
    expected: pl.DataFrame | None = None,
    alpha: float = ALPHA,
    internal: bool = False,
) -> pl.DataFrame:
    """`reach` from responses already counted per wave and code (wave_id, area_code, responses).

    `internal` (exact counts): nothing is nulled or banded, and `publishable`/`publishable_rule` take
    `suppressed`'s place: fewer than `threshold` responses, or the complement that would give one away.

    With rounded counts (`analytics.disclosure`: a `responses_true` column beside them, `totals` the
    independently rounded base of each wave, `rounding_base` 5), shares come from the rounded figures,
    only rows with fewer than `threshold` true responses are suppressed (no complements: rounding protects
    them), and the under-reach test runs on the published figures (see `_under_reach`). `expected`
    (area_code, expected_share, expected_source) overrides the population figures of `lads`/`census`.
    """
    expected = expected_shares(by, lads=lads, census=census) if expected is None else expected
    rounded = "responses_true" in counts.columns
    exact_counts = counts.select("wave_id", "area_code", pl.col("responses_true" if rounded else "responses")
                                 .cast(pl.Int64).alias("responses"))
    table = _counted(counts.select("wave_id", "area_code", pl.col("responses").cast(pl.Int64)), by, expected)
    table = table.join(_counted(exact_counts, by, expected).select("wave_id", "area_code", _true="responses"),
                       on=["wave_id", "area_code"], how="left")
    inside = ~pl.col("area_code").is_in(OUTSIDE_SHARES)
    summed = pl.col("responses").filter(inside).sum().over("wave_id")
    base = summed if totals is None else pl.col("wave_id").replace_strict(dict(totals), default=None,
                                                                           return_dtype=pl.Int64)
    table = table.with_columns(_base=base)
    share = pl.when(inside & (pl.col("_base") > 0)).then(pl.col("responses") / pl.col("_base"))
    low, high = wilson_interval(share, pl.col("_base").cast(pl.Float64))
    expected_share = pl.col("expected_share")
    table = table.with_columns(response_share=share).with_columns(
        representation_ratio=share / expected_share,
        ratio_ci_low=low / expected_share,
        ratio_ci_high=high / expected_share,
    )
    marked = _marked(table, rounded=rounded, threshold=threshold)
    slack = rounding_base - 1 if rounded else 0
    tested = _under_reach(marked.with_columns(expected_share=pl.when(inside).then(expected_share)),
                          threshold=threshold, slack=slack, alpha=alpha, banded=rounded)
    if internal:
        return _internal(tested, by=by, threshold=threshold, lads=lads, labels=_labels(labels, census, by))
    return (
        null_where_suppressed(tested, FIGURES)
        .with_columns(area_level=pl.lit(by), area_name=area_names(pl.col("area_code"), by, lads=lads,
                                                                 labels=_labels(labels, census, by)),
                      responses_band=pl.when(pl.col("suppressed")).then(pl.lit(f"fewer than {threshold}"))
                      .otherwise(pl.col("responses").cast(pl.String)))
        .select(COLUMNS)
        .sort("wave_id", "area_code")
    )


def _marked(table: pl.DataFrame, *, rounded: bool, threshold: int) -> pl.DataFrame:
    """`suppressed`: on rounded counts, rows under the threshold (true count); on exact ones, their complements
    too."""
    if rounded:
        return table.with_columns(suppressed=pl.col("_true") < threshold)
    return mark_suppressed(table, size="responses", threshold=threshold, within=["wave_id"], tie_break=["area_code"])


def _internal(tested: pl.DataFrame, *, by: str, threshold: int, lads: pl.DataFrame | None,
              labels: Mapping[str, str]) -> pl.DataFrame:
    """Reach rows with every exact figure, flagged instead of hidden (`reach_from_counts`' `internal`)."""
    small = pl.col("responses") < threshold
    flagged = flag_publishable(tested, [(small, small_rule(threshold)), (pl.col("suppressed"), COMPLEMENT)])
    return (flagged.with_columns(area_level=pl.lit(by), area_name=area_names(pl.col("area_code"), by, lads=lads,
                                                                             labels=labels),
                                 responses_band=pl.col("responses").cast(pl.String))
            .select(internal_columns(COLUMNS)).sort("wave_id", "area_code"))


def _labels(labels: Mapping[str, str] | None, census: pl.DataFrame | None, by: str) -> dict[str, str]:
    """Caller's labels first, then the census labels for the variable."""
    names: dict[str, str] = {}
    if census is not None:
        rows = census.filter(pl.col("variable") == by)
        names.update(zip(rows["option_id"].to_list(), rows["census_label"].to_list(), strict=True))
    names.update(labels or {})
    return names

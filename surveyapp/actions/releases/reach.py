"""A release's reach tables: responses by area or equality group against the population, from the published
counts (reach_from_counts), and the tracker's shortfalls by source."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from analytics.areas import NOT_ANSWERED
from analytics.reach import COLUMNS, OUTSIDE_SHARES, expected_shares, reach_from_counts
from surveyapp.actions.releases.cells import Count, Decision
from surveyapp.actions.releases.inputs import Inputs
from surveyapp.domain.release import TableSpec

INSIDE = "inside"  # the row holding the responses inside the shares (the reach table's base)


def reach_codes(inputs: Inputs, spec: TableSpec, lads: pl.DataFrame, labels: Mapping[str, str]) -> list[str]:
    """Every row a reach table shows: the places, or the question's options (or groups) and not answered."""
    if spec.level == "utla":
        return sorted(set(lads["utla_code"].to_list()))
    if spec.level == "lad":
        return sorted(lads["lad_code"].to_list())
    if spec.level == "source":
        return sorted(set(inputs.sources))
    return [*labels, NOT_ANSWERED]


def reach_counts(inputs: Inputs, spec: TableSpec, codes: list[str]) -> list[Count]:
    """Responses per code (a cell each), and the responses inside the shares (a cell of its own)."""
    wave = inputs.wave.wave_id
    responses, _ = inputs.of(wave)
    column = spec.level
    found = dict(responses.group_by(column).len().iter_rows()) if column in responses.columns else {}
    counts = []
    inside = [c for c in codes if c not in OUTSIDE_SHARES]
    for code in codes:
        value = found.get(None if code == NOT_ANSWERED else code, 0)
        where = ((column, None if code == NOT_ANSWERED else code),)
        counts.append(Count(spec.table_id, (("area_code", code),), "responses", value, wave, where))
    total = sum(found.get(c, 0) for c in inside)
    counts.append(Count(spec.table_id, (("area_code", INSIDE),), "responses", total, wave,
                        ((column, tuple(inside)),)))
    return counts


def reach_table(inputs: Inputs, spec: TableSpec, counts: list[Count], decide: Callable[[Count], Decision], *,
                lads: pl.DataFrame, census: pl.DataFrame, labels: Mapping[str, str],
                threshold: int) -> pl.DataFrame:
    """The reach rows (analytics.reach.COLUMNS and `hidden`) worked out from the published counts only."""
    wave = inputs.wave.wave_id
    shown: dict[str, int | None] = {}
    hidden: dict[str, str] = {}
    for count in counts:
        decision = decide(count)
        code = count.row[0][1]
        shown[code] = decision.value
        if decision.value is None:
            hidden[code] = decision.rule or "threshold"
    total = shown.pop(INSIDE, None)
    frame = pl.DataFrame({"wave_id": wave, "area_code": list(shown),
                          "responses": [v or 0 for v in shown.values()],
                          "responses_true": [v if v is not None else 0 for v in shown.values()]},
                         schema={"wave_id": pl.String, "area_code": pl.String, "responses": pl.Int64,
                                 "responses_true": pl.Int64})
    expected = expected_shares(spec.level, lads=lads, census=census)
    table = reach_from_counts(frame, by=spec.level, threshold=threshold, lads=lads, census=census, labels=labels,
                              totals={wave: total} if total is not None else {wave: 0}, rounding_base=5,
                              expected=expected)
    reasons = pl.DataFrame({"area_code": list(hidden), "hidden": list(hidden.values())},
                           schema={"area_code": pl.String, "hidden": pl.String})
    kept = ("wave_id", "area_level", "area_code", "area_name", "expected_share", "expected_source", "hidden")
    joined = table.join(reasons, on="area_code", how="left")
    return joined.with_columns(*(pl.when(pl.col("hidden").is_null()).then(pl.col(c)).alias(c)
                                 for c in COLUMNS if c not in kept)).select(*COLUMNS, "hidden")

"""A release's reach tables: responses by area or equality group against the population, from the published
counts (reach_from_counts), and the tracker's shortfalls by source."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from analytics.areas import NO_SOURCE, NOT_ANSWERED
from analytics.reach import COLUMNS, expected_shares, reach_from_counts
from surveyapp.actions.releases.cells import Count, Decision
from surveyapp.actions.releases.inputs import Inputs
from surveyapp.domain.release import TableSpec

OUTSIDE = "unknown"  # the row of responses outside the area or without a postcode, in a table by place


def reach_codes(inputs: Inputs, spec: TableSpec, lads: pl.DataFrame, labels: Mapping[str, str]) -> list[str]:
    """Every row a reach table shows: the places, or the question's options (or groups) and not answered."""
    if spec.level == "utla":
        return [*sorted(set(lads["utla_code"].to_list())), OUTSIDE]
    if spec.level == "lad":
        return [*sorted(lads["lad_code"].to_list()), OUTSIDE]
    if spec.level == "source":
        return [*sorted(set(inputs.sources)), NO_SOURCE]
    return [*labels, NOT_ANSWERED]


def reach_counts(inputs: Inputs, spec: TableSpec, codes: list[str]) -> list[Count]:
    """Responses per code, a cell each (the rows add up to the wave's responses: the unknown place, no source and
    not answered are rows too)."""
    wave = inputs.wave.wave_id
    responses, _ = inputs.of(wave)
    column = spec.level
    found = dict(responses.group_by(column).len().iter_rows()) if column in responses.columns else {}
    counts = []
    for code in codes:
        missing = code in (NOT_ANSWERED, OUTSIDE, NO_SOURCE)
        value = found.get(None if missing else code, 0)
        counts.append(Count(spec.table_id, (("area_code", code),), "responses", value, wave,
                            ((column, None if missing else code),)))
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
    frame = pl.DataFrame({"wave_id": wave, "area_code": list(shown),
                          "responses": [v or 0 for v in shown.values()],
                          "responses_true": [v if v is not None else 0 for v in shown.values()]},
                         schema={"wave_id": pl.String, "area_code": pl.String, "responses": pl.Int64,
                                 "responses_true": pl.Int64})
    expected = expected_shares(spec.level, lads=lads, census=census)
    # Shares are of the responses the table shows inside the shares (a hidden row adds nothing to them).
    table = reach_from_counts(frame, by=spec.level, threshold=threshold, lads=lads, census=census, labels=labels,
                              rounding_base=5, expected=expected)
    reasons = pl.DataFrame({"area_code": list(hidden), "hidden": list(hidden.values())},
                           schema={"area_code": pl.String, "hidden": pl.String})
    kept = ("wave_id", "area_level", "area_code", "area_name", "expected_share", "expected_source", "hidden")
    joined = table.filter(pl.col("area_code").is_in(list(shown))).join(reasons, on="area_code", how="left")
    return joined.with_columns(*(pl.when(pl.col("hidden").is_null()).then(pl.col(c)).alias(c)
                                 for c in COLUMNS if c not in kept)).select(*COLUMNS, "hidden")

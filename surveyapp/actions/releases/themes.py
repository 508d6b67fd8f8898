"""A release's themes table (issue 26 item 3): coded comments with each theme by area, every count a cell of the
release's check like any other (the coded comments in a row are its base, a cell too), so a theme in a small area
is a small cell."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import polars as pl

from surveyapp.actions.releases.cells import Count, Decision
from surveyapp.actions.releases.inputs import Inputs
from surveyapp.domain.release import TableSpec
from surveyapp.domain.services import Services

CODED = "coded"  # the microdata's dimension: "1" for a coded comment, null otherwise
PREFIX = "theme:"  # the microdata's dimension per theme: "1" when the comment carries it, null otherwise
YES = "1"
COLUMNS = ["wave_id", "area_code", "area_name", "theme_id", "theme_label", "responses", "coded", "share", "hidden"]


def with_themes(services: Services, inputs: Inputs) -> Inputs:
    """The release's rows with the wave's codings as they stand (`coded`, and `theme:<id>` per theme of the
    codebook), for responses stored before the cut-off; the rows as they were when there is no codebook."""
    from surveyapp.store.themes import codebook, coded_themes

    book = codebook(services.store, inputs.wave.questionnaire.id)
    if book.is_empty():
        return inputs
    tagged = coded_themes(services.store, [inputs.wave.wave_id], by="all", before=inputs.cutoff)
    flags = [pl.when(pl.col("response_id").is_in(tagged["response_id"].implode())).then(pl.lit(YES)).alias(CODED)]
    for theme in book["theme_id"]:
        having = tagged.filter(pl.col("theme_id") == theme)["response_id"]
        flags.append(pl.when(pl.col("response_id").is_in(having.implode())).then(pl.lit(YES)).alias(PREFIX + theme))
    return dataclasses.replace(inputs, responses=inputs.responses.with_columns(flags))


def dimensions(inputs: Inputs) -> list[str]:
    """The themes' dimensions the check's microdata needs (none without a codebook)."""
    return [c for c in inputs.responses.columns if c == CODED or c.startswith(PREFIX)]


def _codes(services: Services, spec: TableSpec) -> list[str | None]:
    lads = services.areas.lads
    if spec.level == "utla":
        return sorted(set(lads["utla_code"].to_list()))
    if spec.level == "lad":
        return sorted(lads["lad_code"].to_list())
    return [None]  # all


def theme_counts(services: Services, inputs: Inputs, spec: TableSpec) -> list[Count]:
    """Per area (or all) and theme: the coded comments with the theme, and the coded comments (the row's base)."""
    wave = inputs.wave.wave_id
    responses, _ = inputs.of(wave)
    themes = [c.removeprefix(PREFIX) for c in dimensions(inputs) if c != CODED]
    counts = []
    for code in _codes(services, spec):
        inside = responses if code is None else responses.filter(pl.col(spec.level) == code)
        place = () if code is None else ((spec.level, code),)
        coded = inside.filter(pl.col(CODED) == YES)
        for theme in themes:
            row = (("area_code", code or "all"), ("theme_id", theme))
            counts.append(Count(spec.table_id, row, "coded", coded.height, wave, (*place, (CODED, YES))))
            counts.append(Count(spec.table_id, row, "responses", coded.filter(pl.col(PREFIX + theme) == YES).height,
                                wave, (*place, (PREFIX + theme, YES))))
    return counts


def theme_table(services: Services, inputs: Inputs, counts: list[Count], decide: Callable[[Count], Decision],
                labels: dict[str, str]) -> pl.DataFrame:
    """The themes rows (`COLUMNS`) from the published counts only: a row whose count or base the check hid shows
    neither, nor its share, and says why in `hidden`."""
    from surveyapp.store.themes import codebook

    book = codebook(services.store, inputs.wave.questionnaire.id)
    names = dict(zip(book["theme_id"].to_list(), book["label"].to_list(), strict=True))
    cells: dict[tuple[str, str], dict[str, object]] = {}
    for count in counts:
        key = (count.row[0][1], count.row[1][1])
        decision = decide(count)
        row = cells.setdefault(key, {"hidden": None})
        row[count.column] = decision.value
        if decision.value is None and row["hidden"] is None:
            row["hidden"] = decision.rule or "threshold"
    rows = []
    for (area, theme), row in cells.items():
        shown = row["hidden"] is None
        n, base = row.get("responses"), row.get("coded")
        rows.append({"wave_id": inputs.wave.wave_id, "area_code": area, "area_name": labels.get(area, area),
                     "theme_id": theme, "theme_label": names.get(theme, theme),
                     "responses": n if shown else None, "coded": base if shown else None,
                     "share": n / base if shown and isinstance(n, int) and isinstance(base, int) and base else None,
                     "hidden": row["hidden"]})
    schema = {"wave_id": pl.String, "area_code": pl.String, "area_name": pl.String, "theme_id": pl.String,
              "theme_label": pl.String, "responses": pl.Int64, "coded": pl.Int64, "share": pl.Float64,
              "hidden": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row").select(COLUMNS)


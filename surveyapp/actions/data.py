"""Data out: exports of one or many waves with their dictionary, and backups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from surveyapp.actions.levels import AnalysisError
from surveyapp.actions.schemas import BackupOut
from surveyapp.domain.backups import backup_name
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave

if TYPE_CHECKING:
    from collections.abc import Sequence

    from surveyapp.render.exports import Column, Filter


ExportFormat = Literal["csv", "parquet", "xlsx", "sav", "dta"]


def export_waves(services: Services, waves: str | Sequence[str], field: str = "waves") -> list[Wave]:
    """The response waves an export asks for: `all` (every response wave, oldest first), or wave ids, given
    as a list or comma-separated, in that order. AnalysisError names `field` for an unknown or aggregate one."""
    ids = [w.strip() for w in waves.split(",")] if isinstance(waves, str) else list(waves)
    ids = [w for w in dict.fromkeys(ids) if w]
    if ids == ["all"]:
        found = [w for w in services.waves.all() if w.kind == "responses"]
        if not found:
            raise AnalysisError(field, "there is no wave with responses yet")
        return found
    if not ids or "all" in ids:
        raise AnalysisError(field, "use all on its own, or wave ids separated by commas, e.g. "
                                   "waves=2026-autumn,2027-spring")
    chosen = []
    for wave_id in ids:
        wave = services.waves.get(wave_id)
        if wave is None:
            known = ", ".join(w.wave_id for w in services.waves.all() if w.kind == "responses")
            raise AnalysisError(field, f"there is no wave {wave_id!r}; use all, or some of {known}")
        if wave.kind != "responses":
            raise AnalysisError(field, f"{wave_id} holds aggregate counts only; choose waves with responses")
        chosen.append(wave)
    return chosen


def _export_parts(services: Services, waves: str | Sequence[str], filters: Sequence[str],
                  field: str) -> tuple[list[Wave], list[Column], list[Filter]]:
    from surveyapp.render.exports import ExportError, columns_of, parse_filter

    chosen = export_waves(services, waves, field)
    try:
        columns = columns_of({w.questionnaire.key: w.questionnaire for w in chosen}.values())
        return chosen, [*columns, *_theme_columns(services, chosen)], [parse_filter(f, columns) for f in filters]
    except ExportError as exc:
        raise AnalysisError(exc.field, exc.message) from exc


def _theme_columns(services: Services, chosen: Sequence[Wave]) -> list[Column]:
    """A 0/1 column per theme of each questionnaire's current codebook (one per theme id across them)."""
    from surveyapp.actions.comments import codebook
    from surveyapp.render.exports import theme_column

    found: dict[str, Column] = {}
    for questionnaire_id in dict.fromkeys(w.questionnaire.id for w in chosen):
        book = codebook(services, questionnaire_id)
        for t in book.themes:
            found.setdefault(f"theme_{t.id}", theme_column(t.id, t.label, t.description, questionnaire_id,
                                                           book.version))
    return list(found.values())


@dataclass
class ExportTable:
    """Responses as the exports hold them: the rows, the columns that describe them, the waves they are from."""

    frame: pl.DataFrame
    columns: list[Column]
    wave_ids: list[str]


def export_table(services: Services, waves: str | Sequence[str], *, filters: Sequence[str] = (),
                 field: str = "waves") -> ExportTable:
    """The responses of the waves (`all` or ids), stacked, one row per response, filtered by
    `<question>:<option>[,<option>]` (all must hold), with the columns that describe them."""
    from surveyapp.actions.comments import theme_flags
    from surveyapp.render.exports import export_frame

    chosen, columns, parsed = _export_parts(services, waves, filters, field)
    ids = [w.wave_id for w in chosen]
    answers = [c for c in columns if c.kind != "theme"]
    frame = export_frame(services.store, ids, answers, services.areas, parsed)
    themes = [c.option_id for c in columns if c.kind == "theme" and c.option_id]
    frame = frame.join(theme_flags(services, ids, themes), on="response_id", how="left", maintain_order="left")
    return ExportTable(frame.select(c.name for c in columns), columns, ids)


def export(services: Services, waves: str | Sequence[str], fmt: ExportFormat, *, filters: Sequence[str] = (),
           field: str = "waves") -> bytes:
    """The waves' responses, one row per response, as CSV, Parquet (dictionary in its metadata), XLSX, SPSS
    or Stata (labelled); the same columns whether one wave or several."""
    from analytics.disclosure import INTERNAL
    from surveyapp.render.exports import serialise

    table = export_table(services, waves, filters=filters, field=field)
    readme = [f"{INTERNAL}.", f"The responses of {', '.join(table.wave_ids)}, one row per response, exact.",
              "Every family's answers: keep this file inside the council, and publish only from a checked release.",
              "The dictionary sheet says what each column holds; codes lists every coded answer."]
    return serialise(table.frame, table.columns, fmt, readme=readme,
                     title=file_title(services, f"{INTERNAL}: surveyapp responses: {', '.join(table.wave_ids)}"))


def file_title(services: Services, title: str) -> str:
    """A file's title (label, properties, metadata): marked when the service holds demo data."""
    return f"DEMO DATA (invented): {title}" if services.settings.demo else title


def baseline(services: Services) -> pl.DataFrame:
    """The published Q7 counts of the aggregate-only waves (the 2019 baseline): one row per wave, statement and
    answer, with the answer's words and score."""
    from surveyapp.render.exports import baseline_frame
    from surveyapp.store.exports import overall_counts

    aggregate = {w.wave_id: w.questionnaire for w in services.waves.all() if w.kind == "aggregate"}
    return baseline_frame(overall_counts(services.store, list(aggregate)), aggregate)


def baseline_file(services: Services, fmt: Literal["csv", "parquet", "xlsx"]) -> bytes:
    """`baseline` as CSV, Parquet or XLSX."""
    from surveyapp.render.exports import serialise_table

    return serialise_table(baseline(services), fmt, title=file_title(services, "surveyapp: the baseline's counts"))


def dictionary(services: Services, waves: str | Sequence[str], field: str = "waves") -> pl.DataFrame:
    """The export's data dictionary: each column's question, wording, values, codes and names in SPSS and
    Stata."""
    from surveyapp.render.exports import dictionary_frame

    return dictionary_frame(_export_parts(services, waves, (), field)[1])


def dictionary_workbook(services: Services, waves: str | Sequence[str], field: str = "waves") -> bytes:
    """The export's dictionary as XLSX: the dictionary, the codes of every coded column, and the baseline's
    published counts."""
    from surveyapp.render import exports

    columns = _export_parts(services, waves, (), field)[1]
    return exports.dictionary_workbook(columns, baseline(services),
                                       title=file_title(services, "surveyapp: the exports' data dictionary"))


def backup(services: Services, out: Path | None = None) -> BackupOut:
    """A consistent copy of the database (while serving, too), by default under <data dir>/backups/, with the
    return-code key it needs beside it (`<backup>.return-code.key`, 0600): restoring one without the other
    would leave the codes in it unlinkable. A full disk raises StorageFull; nothing unfinished is left."""
    target = out or services.settings.data_dir / "backups" / backup_name(dt.datetime.now(dt.UTC))
    path = services.store.backup(target, key=services.settings.secret_key_path)
    from surveyapp.store.frames import responses_stored

    return BackupOut(str(path), responses_stored(services.store))

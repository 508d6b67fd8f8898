"""Exports for analysts: one row per response (of one wave, or stacked across waves), with a data dictionary.

Columns, in order: the response's own (`response_id`, `wave_id`, ...); then per question its answer code
(multiple choice `;`-joined), per multiple-choice option a 0/1 column `<question>__<option>`, per Likert
statement its answer and its score `<question>_<statement>_score` (from the questionnaire's TOML; empty for
"don't know" and not answered), and free text; then a 0/1 column `theme_<id>` per theme of the comments'
current codebook. Every column is described by `dictionary_frame`.

Formats: CSV (answer ids), Parquet (answer ids as ordered, dictionary-encoded Enum columns, the hour UTC-aware,
the dictionary in its metadata), XLSX (answers in words; dictionary and codes sheets; real date cells, frozen
header, filters), SPSS `.sav` and Stata `.dta` (answers as numbers with value labels: Likert items by their
score, "Don't know" and not answered declared missing; one variable name in both; SPSS multiple response
sets). Text a spreadsheet would run as a formula is neutralised in every format a person opens (all but
Parquet).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from surveyapp.render.exports.columns import (
    CHOSEN_LABELS,
    TAGGED_LABELS,
    Column,
    ExportError,
    Filter,
    Missing,
    columns_of,
    parse_filter,
    theme_column,
    variable_names,
)
from surveyapp.render.exports.dictionary import baseline_frame, codes_frame, dictionary_frame
from surveyapp.render.exports.frame import export_frame
from surveyapp.render.exports.safe import FORMULA_STARTS, XLSX_OPTIONS, neutral, neutralise
from surveyapp.render.exports.spreadsheet import in_words, parquet, table_parquet, xlsx
from surveyapp.render.exports.stats import stats_package

FORMATS = {
    "csv": ("text/csv", "csv"),  # Litestar adds "; charset=utf-8" to every text/ type
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sav": ("application/x-spss-sav", "sav"),
    "dta": ("application/x-stata-dta", "dta"),
}

__all__ = ["CHOSEN_LABELS", "FORMATS", "FORMULA_STARTS", "TAGGED_LABELS", "XLSX_OPTIONS", "Column", "ExportError",
           "Filter", "Missing", "baseline_frame", "codes_frame", "columns_of", "dictionary_frame",
           "dictionary_workbook", "export_frame", "neutral", "neutralise", "parse_filter", "serialise",
           "serialise_table", "theme_column", "variable_names"]


def serialise(frame: pl.DataFrame, columns: Sequence[Column], fmt: str, *, title: str = "surveyapp export",
              readme: Sequence[str] = ()) -> bytes:
    """The frame as CSV (UTF-8 with a header), Parquet (dictionary in its metadata), XLSX (responses in words,
    dictionary and codes sheets), SPSS `.sav` or Stata `.dta` (labelled); `title` as the file's label or title.

    Every format a person opens (CSV, XLSX, SPSS, Stata, which export onward to spreadsheets) has its text
    cells and labels neutralised (`neutralise`); Parquet is read by code (R, Python, DuckDB) and keeps the text
    exactly as stored. `readme` lines (what the file is: "Internal: not for publication") make XLSX's first
    sheet, README, which the workbook opens on; the other formats carry them in `title`."""
    if fmt == "csv":
        return neutralise(frame).write_csv().encode("utf-8")
    if fmt == "parquet":
        return parquet(frame, columns, dictionary_frame(columns), title=title)
    if fmt == "xlsx":
        first = {"README": pl.DataFrame({readme[0]: list(readme[1:])})} if readme else {}
        return xlsx({**first, "responses": in_words(frame, columns), "dictionary": dictionary_frame(columns),
                     "codes": codes_frame(columns)}, title=title)
    if fmt in ("sav", "dta"):
        return stats_package(frame, columns, fmt, title)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def dictionary_workbook(columns: Sequence[Column], baseline: pl.DataFrame, *, title: str) -> bytes:
    """The stacked export's dictionary as a workbook: the dictionary, the codes, and the baseline's published
    counts (one row per statement and answer)."""
    return xlsx({"dictionary": dictionary_frame(columns), "codes": codes_frame(columns), "baseline": baseline},
                title=title)


def serialise_table(frame: pl.DataFrame, fmt: str, *, title: str) -> bytes:
    """A small table (the baseline's counts) as CSV, Parquet or XLSX."""
    if fmt == "csv":
        return neutralise(frame).write_csv().encode("utf-8")
    if fmt == "parquet":
        return table_parquet(frame, title=title)
    if fmt == "xlsx":
        return xlsx({"baseline": frame}, title=title)
    raise ValueError(f"format must be csv, parquet or xlsx, not {fmt!r}")

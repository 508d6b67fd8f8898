"""Exports for analysts: one row per response, one column per question or statement, with a dictionary."""

from __future__ import annotations

import io
from dataclasses import dataclass

import polars as pl
import pyarrow.parquet as pq

from surveyapp.store import Store
from waves.areas.pack import AreaPack
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, Questionnaire, SingleChoice

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
_META_COLUMNS = [
    ("response_id", "Random id of the response"),
    ("wave_id", "The wave"),
    ("submitted_hour", "Hour the response was received (UTC); no finer time is kept"),
    ("channel", "api or form"),
    ("language", "Language the questionnaire was answered in"),
    ("postcode_district", "Outward code of the postcode (the full postcode is never kept)"),
    ("area_status", "in_area (Kent and Medway), out_of_area, or unknown (not given)"),
    ("lad_code", "Majority local authority district (ONS code) of the postcode district"),
    ("lad_name", "Name of that district"),
    ("cohort_key", "Keyed hash of the return code: equal in two waves = the same family"),
]


@dataclass(frozen=True)
class Column:
    name: str
    question_id: str | None
    statement_id: str | None
    kind: str
    text: str
    values: str


def dictionary(questionnaire: Questionnaire) -> list[Column]:
    """Every column of the export with its question, wording and allowed values."""
    columns = [Column(name, None, None, "meta", text, "") for name, text in _META_COLUMNS]
    for q in questionnaire.questions:
        if isinstance(q, PartPostcode):
            continue
        if isinstance(q, Likert):
            values = "; ".join(f"{a.id} = {a.text['en']}" + (f" (score {a.score})" if a.score else "")
                               for a in q.answers)
            columns += [Column(f"{q.id}_{s.id}", q.id, s.id, "likert", s.text["en"], values) for s in q.statements]
        elif isinstance(q, SingleChoice | MultipleChoice):
            values = "; ".join(f"{o.id} = {o.text['en']}" for o in q.options)
            if isinstance(q, MultipleChoice):
                values = "option ids separated by ';': " + values
            columns.append(Column(q.id, q.id, None, "single" if isinstance(q, SingleChoice) else "multiple",
                                  q.text["en"], values))
        elif isinstance(q, FreeText):
            columns.append(Column(q.id, q.id, None, "text", q.text["en"], "free text (analysts only)"))
    return columns


def dictionary_frame(questionnaire: Questionnaire) -> pl.DataFrame:
    return pl.DataFrame([c.__dict__ for c in dictionary(questionnaire)],
                        schema={"name": pl.String, "question_id": pl.String, "statement_id": pl.String,
                                "kind": pl.String, "text": pl.String, "values": pl.String})


def export_frame(store: Store, wave_id: str, questionnaire: Questionnaire, areas: AreaPack) -> pl.DataFrame:
    """One row per response of the wave, one column per question or Likert statement."""
    base = store.frame(
        "SELECT response_id, wave_id, submitted_hour, channel, language, postcode_district, area_status, "
        "lad_code, cohort_key FROM responses WHERE wave_id = ? ORDER BY submitted_hour, response_id", [wave_id])
    base = base.join(areas.lads.select("lad_code", "lad_name"), on="lad_code", how="left")
    answers = store.frame(
        "SELECT a.response_id, CASE WHEN a.statement_id IS NULL THEN a.question_id "
        "ELSE a.question_id || '_' || a.statement_id END AS name, "
        "string_agg(coalesce(a.option_id, a.text), ';' ORDER BY a.option_id) AS value "
        "FROM answers a JOIN responses r USING (response_id) WHERE r.wave_id = ? GROUP BY ALL", [wave_id])
    columns = dictionary(questionnaire)
    names = [c.name for c in columns if c.kind != "meta"]
    wide = answers.pivot(on="name", index="response_id", values="value") if answers.height else \
        pl.DataFrame(schema={"response_id": pl.String})
    missing = [pl.lit(None, dtype=pl.String).alias(n) for n in names if n not in wide.columns]
    wide = wide.with_columns(missing).select("response_id", *names)
    meta = [c.name for c in columns if c.kind == "meta"]
    return base.join(wide, on="response_id", how="left").select(*meta, *names)


# OWASP's CSV injection guidance: a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Text is text: never a formula or a link, whatever it starts with.
XLSX_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell that a spreadsheet would run as a formula, prefixed with a single quote (OWASP).

    The quote shows in the cell, so what the family typed is still there to read, but nothing runs."""
    risky = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    pattern = "^[" + "".join(FORMULA_STARTS).replace("-", "\\-") + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in risky)


def _xlsx(frame: pl.DataFrame, dictionary: pl.DataFrame) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, XLSX_OPTIONS) as workbook:
        frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:00")).write_excel(
            workbook=workbook, worksheet="responses", autofit=True)
        dictionary.write_excel(workbook=workbook, worksheet="dictionary", autofit=True)
    return buffer.getvalue()


def _parquet(frame: pl.DataFrame, dictionary: pl.DataFrame) -> bytes:
    table = frame.to_arrow()
    notes = {f"dictionary:{row['name']}": f"{row['text']} | {row['values']}"
             for row in dictionary.iter_rows(named=True)}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **notes})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def serialise(frame: pl.DataFrame, dictionary: pl.DataFrame, fmt: str) -> bytes:
    """The frame as CSV (UTF-8 with a header), Parquet (dictionary in its metadata) or XLSX (two sheets).

    CSV and XLSX are opened in spreadsheets, so their text cells are neutralised (`neutralise`); Parquet is
    read by code (R, Python, DuckDB) and keeps the text exactly as stored."""
    if fmt == "csv":
        return neutralise(frame).write_csv().encode("utf-8")
    if fmt == "parquet":
        return _parquet(frame, dictionary)
    if fmt == "xlsx":
        return _xlsx(neutralise(frame), dictionary)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")

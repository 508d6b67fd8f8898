"""Exports for analysts: one row per response (of one wave, or stacked across waves), with a data dictionary.

Columns, in order: the response's own (`response_id`, `wave_id`, ...); then per question its answer code
(multiple choice `;`-joined), per multiple-choice option a 0/1 column `<question>__<option>`, per Likert
statement its answer code and its score `<question>_<statement>_score` (from the questionnaire's TOML; empty
for "don't know" and not answered), and free text. Every column is described by `dictionary`.

Formats: CSV, Parquet (answer codes as dictionary-encoded Enum columns, the dictionary in its metadata), XLSX
(a dictionary sheet, real date cells, frozen header, filters), SPSS `.sav` and Stata `.dta` (through pyreadstat,
answer codes as numbers with value labels, questions as variable labels, names fitted to each package's rules).
Text a spreadsheet would run as a formula is neutralised in every format a person opens (all but Parquet).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import polars.selectors as cs
import pyarrow.parquet as pq

from analytics.scale import Scale
from surveyapp.store import Store
from waves.areas.pack import AreaPack
from waves.model import FreeText, Likert, MultipleChoice, Questionnaire, SingleChoice

FORMATS = {
    "csv": ("text/csv", "csv"),  # Litestar adds "; charset=utf-8" to every text/ type
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sav": ("application/x-spss-sav", "sav"),
    "dta": ("application/x-stata-dta", "dta"),
}
_META_COLUMNS = [
    ("response_id", "Random id of the response"),
    ("wave_id", "The wave the response belongs to"),
    ("submitted_hour", "Hour the response was received (UTC); no finer time is kept"),
    ("channel", "How it arrived: form (the families' web form), api, paper or phone (paper and phone: entered by "
                "staff)"),
    ("source_id", "The outreach source whose link, QR code or poster it came through (8 characters; the admin API "
                  "lists a wave's sources); empty: none (the plain link, the API without one, a retired source)"),
    ("source_name", "That source's name, as it is now (e.g. Oakfield School SENCO)"),
    ("language", "Language the questionnaire was answered in"),
    ("postcode_district", "Outward code of the postcode (the full postcode is never kept)"),
    ("area_status", "in_area (Kent and Medway), out_of_area, or unknown (not given)"),
    ("lad_code", "Majority local authority district (ONS code) of the postcode district"),
    ("lad_name", "Name of that district"),
    ("cohort_key", "Keyed hash of the return code: equal in two waves = the same family"),
    ("child_key", "Keyed hash of the return code and which child the answers are about: equal in two waves = "
                  "the same child; empty when no child was named"),
]
_META_ENUMS = {"channel": ["api", "form", "paper", "phone"], "area_status": ["in_area", "out_of_area", "unknown"]}
CHOSEN_LABELS = {0: "Not chosen", 1: "Chosen"}
# Longest variable names: SPSS allows 64 bytes; Stata 32 characters, less the digits pyreadstat appends to a
# variable's name to name its value labels (which Stata also limits to 32), hence 28.
NAME_LIMITS = {"sav": 64, "dta": 28}
# Longest labels: SPSS variable labels 256 bytes and value labels 120 bytes; Stata variable labels 80 characters.
_RESERVED = {"sav": {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"},
             "dta": {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
                     "_pi", "_pred", "_rc", "_skip", "str", "strl", "using", "with"}}


class ExportError(ValueError):
    """An export that cannot be made as asked; names the parameter and how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Column:
    """One column of the export. `labels` are (answer or option id, number, text): for answer codes the number
    is the code in SPSS and Stata (its place in the questionnaire's list), for scores it is the score."""

    name: str
    question_id: str | None
    statement_id: str | None
    option_id: str | None
    kind: str  # meta, single, multiple, option, likert, score, text
    text: str  # the full wording
    label: str  # the variable label in SPSS and Stata
    values: str  # what the values mean
    labels: tuple[tuple[str, int, str], ...] = ()
    source: str | None = None  # option and score columns: the answer column they are made from

    @property
    def coded(self) -> bool:
        """A text column holding answer ids, written as numbers with value labels in SPSS and Stata."""
        return self.kind in ("single", "likert")


def _question_columns(questionnaire: Questionnaire) -> list[Column]:
    columns: list[Column] = []
    for q in questionnaire.questions:
        text = q.text["en"]
        if isinstance(q, Likert):
            scale = Scale.of(q)
            answers = tuple((a.id, i, a.text["en"]) for i, a in enumerate(q.answers, 1))
            scores = tuple((a.id, scale.scores[a.id], a.text["en"]) for a in q.answers if a.id in scale.scores)
            values = "; ".join(f"{a.id} = {a.text['en']}" + (f" (score {a.score})" if a.score else "")
                               for a in q.answers) + ("; empty = not answered (left out, or \"Does not apply to me\" "
                                                      "on the form: never stored, so comparable with 2019)")
            low, high = min(scale.scores.values(), default=0), max(scale.scores.values(), default=0)
            unscored = ", ".join(a.text["en"] for a in q.answers if a.id in scale.unscored)
            for s in q.statements:
                name, short = f"{q.id}_{s.id}", (s.short or s.text)["en"]
                columns.append(Column(name, q.id, s.id, None, "likert", s.text["en"], f"{q.id} {short}", values,
                                      answers))
                columns.append(Column(
                    f"{name}_score", q.id, s.id, None, "score", f"Score of {name}: {s.text['en']}",
                    f"{q.id} {short}: score", f"{low} to {high} ("
                    + "; ".join(f"{score} = {label}" for _, score, label in scores)
                    + f"); empty for {unscored or 'unscored answers'} and when not answered", scores, source=name))
        elif isinstance(q, SingleChoice):
            options = tuple((o.id, i, o.text["en"]) for i, o in enumerate(q.options, 1))
            columns.append(Column(q.id, q.id, None, None, "single", text, text,
                                  "; ".join(f"{o.id} = {o.text['en']}" for o in q.options), options))
        elif isinstance(q, MultipleChoice):
            columns.append(Column(q.id, q.id, None, None, "multiple", text, text,
                                  "option ids separated by ';': " + "; ".join(f"{o.id} = {o.text['en']}"
                                                                              for o in q.options)))
            columns += [Column(f"{q.id}__{o.id}", q.id, None, o.id, "option", f"{text}: {o.text['en']}",
                               f"{o.text['en']} ({q.id})", "1 = chosen; 0 = the question answered without "
                               "choosing it; empty = the question not answered", source=q.id)
                        for o in q.options]
        elif isinstance(q, FreeText):
            columns.append(Column(q.id, q.id, None, None, "text", text, text, "free text (analysts only)"))
    return columns


def _merge(column: Column, other: Column) -> Column:
    if other.kind != column.kind:
        raise ExportError("waves", f"{column.name} is a {column.kind} column in one questionnaire and a "
                                   f"{other.kind} column in another; export those waves separately")
    known = {label[0]: label for label in column.labels}
    for answer_id, number, _ in other.labels:
        if column.kind == "score" and answer_id in known and known[answer_id][1] != number:
            raise ExportError("waves", f"the questionnaires score {answer_id} in {column.source} differently "
                                       f"({known[answer_id][1]} and {number}); export those waves separately")
    start = max((n for _, n, _ in column.labels), default=0)
    added = [label for label in other.labels if label[0] not in known]
    if column.kind == "score":
        return replace(column, labels=(*column.labels, *added))
    return replace(column, labels=(*column.labels, *((a, start + i, t) for i, (a, _, t) in enumerate(added, 1))))


def columns_of(questionnaires: Iterable[Questionnaire]) -> list[Column]:
    """Every column of an export of waves with these questionnaires: the response's own, then each
    questionnaire's in order, a column two questionnaires share taken once (its answers and options joined,
    labels from the first)."""
    merged: dict[str, Column] = {name: Column(name, None, None, None, "meta", text, text, "")
                                 for name, text in _META_COLUMNS}
    for questionnaire in questionnaires:
        for column in _question_columns(questionnaire):
            merged[column.name] = _merge(merged[column.name], column) if column.name in merged else column
    return list(merged.values())


# --- Names for SPSS and Stata ---------------------------------------------------------------------------------


def _fitted(name: str, tail: str, limit: int) -> str:
    head = name[: len(name) - len(tail)] if tail else name
    return head[: limit - len(tail)] + tail


def _hashed(name: str, limit: int) -> str:
    return name[: limit - 7] + "_" + hashlib.blake2s(name.encode(), digest_size=3).hexdigest()


def package_names(columns: Sequence[Column], fmt: str) -> dict[str, str]:
    """Each column's variable name in SPSS (`sav`) or Stata (`dta`): the name itself when it fits; else its
    start cut so that the option or `_score` at its end stays; else (or when that clashes) its start and a
    short hash of the whole name."""
    limit, reserved = NAME_LIMITS[fmt], _RESERVED[fmt]
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        tail = f"__{column.option_id}" if column.kind == "option" else "_score" if column.kind == "score" else ""
        name = column.name + "_" if column.name in reserved else column.name
        if len(name) > limit and len(tail) <= limit - 8:
            name = _fitted(column.name, tail, limit)
        if len(name) > limit or name in taken:
            name = _hashed(column.name, limit)
        names[column.name] = name
        taken.add(name)
    return names


# --- The dictionary -------------------------------------------------------------------------------------------

DICTIONARY_SCHEMA = {"name": pl.String, "sav_name": pl.String, "dta_name": pl.String, "question_id": pl.String,
                     "statement_id": pl.String, "option_id": pl.String, "kind": pl.String, "text": pl.String,
                     "label": pl.String, "values": pl.String, "codes": pl.String}


def _codes(column: Column) -> str:
    if column.kind == "option":
        return "; ".join(f"{n} = {t}" for n, t in reversed(CHOSEN_LABELS.items()))
    if column.kind == "score":
        return "; ".join(f"{n} = {t}" for _, n, t in column.labels)
    return "; ".join(f"{n} = {t} ({a})" for a, n, t in column.labels)


def dictionary_frame(columns: Sequence[Column]) -> pl.DataFrame:
    """The data dictionary: one row per column with its question, wording, values, the codes SPSS and Stata
    files use for it and its variable name in each."""
    sav, dta = package_names(columns, "sav"), package_names(columns, "dta")
    return pl.DataFrame([{"name": c.name, "sav_name": sav[c.name], "dta_name": dta[c.name],
                          "question_id": c.question_id, "statement_id": c.statement_id, "option_id": c.option_id,
                          "kind": c.kind, "text": c.text, "label": c.label, "values": c.values,
                          "codes": _codes(c)} for c in columns], schema=DICTIONARY_SCHEMA)


# --- The rows -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """Keep responses whose answer to `question_id` is one of `option_ids` (for multiple choice: chose one)."""

    question_id: str
    option_ids: tuple[str, ...]


def parse_filter(text: str, columns: Sequence[Column]) -> Filter:
    """`<question>:<option>[,<option>]`, checked against the questions of the waves exported."""
    question_id, colon, options = text.partition(":")
    choices = {c.name: c for c in columns if c.kind in ("single", "multiple")}
    example = "e.g. filter=respondent_role:parent_carer,young_person"
    if not colon or not options.strip(","):
        raise ExportError("filter", f"write it as <question>:<option>[,<option>], {example}; not {text!r}")
    column = choices.get(question_id)
    if column is None:
        raise ExportError("filter", f"{question_id!r} is not a single or multiple choice question of these "
                                    f"waves; use one of {', '.join(choices)}")
    wanted = tuple(dict.fromkeys(o for o in options.split(",") if o))
    known = [a for a, _, _ in column.labels] if column.kind == "single" else \
        [c.option_id for c in columns if c.kind == "option" and c.source == question_id]
    unknown = [o for o in wanted if o not in known]
    if unknown:
        raise ExportError("filter", f"{question_id} has no option {', '.join(map(repr, unknown))}; "
                                    f"use {', '.join(str(k) for k in known)}")
    return Filter(question_id, wanted)


def _responses_sql(filters: Sequence[Filter]) -> tuple[str, list[object]]:
    sql = ("SELECT response_id, wave_id, submitted_hour, channel, source_id, language, postcode_district, "
           "area_status, lad_code, cohort_key, child_key FROM responses r WHERE list_contains(?, r.wave_id)")
    params: list[object] = []
    for f in filters:
        sql += (" AND EXISTS (SELECT 1 FROM answers f WHERE f.response_id = r.response_id AND f.question_id = ? "
                "AND list_contains(?, f.option_id))")
        params += [f.question_id, list(f.option_ids)]
    return sql, params


def export_frame(store: Store, wave_ids: Sequence[str], columns: Sequence[Column], areas: AreaPack,
                 filters: Sequence[Filter] = ()) -> pl.DataFrame:
    """One row per response of the waves (in their order, then by hour), one column per `columns`."""
    responses, params = _responses_sql(filters)
    base = store.frame(responses, [list(wave_ids), *params])
    order = {w: i for i, w in enumerate(wave_ids)}
    base = base.sort(pl.col("wave_id").replace_strict(order, return_dtype=pl.Int32), "submitted_hour",
                     "response_id")
    base = base.join(areas.lads.select("lad_code", "lad_name"), on="lad_code", how="left", maintain_order="left")
    names = store.frame("SELECT source_id, name AS source_name FROM sources").cast(
        {"source_id": pl.String, "source_name": pl.String})
    base = base.join(names, on="source_id", how="left", maintain_order="left")
    answers = store.frame(
        "SELECT a.response_id, CASE WHEN a.statement_id IS NULL THEN a.question_id "
        "ELSE a.question_id || '_' || a.statement_id END AS name, "
        "string_agg(coalesce(a.option_id, a.text), ';' ORDER BY a.option_id) AS value "
        f"FROM answers a JOIN ({responses}) r USING (response_id) GROUP BY ALL", [list(wave_ids), *params])
    stored = [c.name for c in columns if c.kind in ("single", "multiple", "likert", "text")]
    wide = answers.pivot(on="name", index="response_id", values="value") if answers.height else \
        pl.DataFrame(schema={"response_id": pl.String})
    wide = wide.with_columns(pl.lit(None, dtype=pl.String).alias(n) for n in stored if n not in wide.columns)
    frame = base.join(wide.select("response_id", *stored), on="response_id", how="left", maintain_order="left")
    made = []
    for c in columns:
        if c.kind == "option" and c.source is not None:
            made.append(pl.when(pl.col(c.source).is_null()).then(None)
                        .otherwise(pl.col(c.source).str.split(";").list.contains(c.option_id)).cast(pl.Int8)
                        .alias(c.name))
        elif c.kind == "score" and c.source is not None:
            made.append(pl.col(c.source).replace_strict({a: n for a, n, _ in c.labels}, default=None,
                                                        return_dtype=pl.Int8).alias(c.name))
    return frame.with_columns(made).select(c.name for c in columns)


# --- Formats --------------------------------------------------------------------------------------------------

# OWASP's CSV injection guidance: a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Text is text: never a formula or a link, whatever it starts with.
XLSX_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}
_RISKY = "^[" + "".join(FORMULA_STARTS).replace("-", "\\-") + "]"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell that a spreadsheet would run as a formula, prefixed with a single quote (OWASP).

    The quote shows in the cell, so what the family typed is still there to read, but nothing runs."""
    risky = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_RISKY)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in risky)


def neutral(text: str) -> str:
    """One text (a label) as `neutralise` leaves a cell."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _xlsx(frame: pl.DataFrame, dictionary: pl.DataFrame) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, XLSX_OPTIONS) as workbook:
        frame.write_excel(workbook=workbook, worksheet="responses", autofit=True, freeze_panes=(1, 0),
                          autofilter=True, column_formats={cs.datetime(): "yyyy-mm-dd hh:mm"})
        dictionary.write_excel(workbook=workbook, worksheet="dictionary", autofit=True, freeze_panes=(1, 0),
                               autofilter=True)
    return buffer.getvalue()


def _enum(series: pl.Series, categories: list[str]) -> pl.Series:
    seen = [v for v in series.unique(maintain_order=True).drop_nulls().to_list() if v not in categories]
    return series.cast(pl.Enum([*categories, *seen]))


def _parquet(frame: pl.DataFrame, columns: Sequence[Column], dictionary: pl.DataFrame) -> bytes:
    """Answer codes as Enum columns (dictionary-encoded, categories in the questionnaire's order); the meta
    columns with few values as Enum or Categorical; the dictionary in the file's metadata."""
    enums = {c.name: [a for a, _, _ in c.labels] for c in columns if c.coded}
    enums |= _META_ENUMS | {"wave_id": frame["wave_id"].unique(maintain_order=True).to_list()}
    frame = frame.with_columns(
        *(_enum(frame[name], categories) for name, categories in enums.items()),
        *(pl.col(name).cast(pl.Categorical) for name in ("language", "lad_code", "lad_name", "postcode_district",
                                                         "source_id", "source_name")))
    table = frame.to_arrow()
    notes = {f"dictionary:{row['name']}": f"{row['text']} | {row['values']}"
             for row in dictionary.iter_rows(named=True)}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **notes})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _cut(text: str, *, chars: int | None = None, utf8_bytes: int | None = None) -> str:
    """A label within a file format's limit, cut at a character and ending in '…' when cut."""
    if chars is not None and len(text) > chars:
        text = text[: chars - 1] + "…"
    if utf8_bytes is not None and len(text.encode()) > utf8_bytes:
        while len((text + "…").encode()) > utf8_bytes:
            text = text[:-1]
        text += "…"
    return text


def _stats_package(frame: pl.DataFrame, columns: Sequence[Column], fmt: str, title: str) -> bytes:
    """SPSS (`sav`) or Stata (`dta`) through pyreadstat: answer codes as numbers with value labels, variable
    labels from the questions, names as `package_names` gives them; every text neutralised."""
    import pyreadstat

    names = package_names(columns, fmt)
    if fmt == "dta":
        variable, value = {"chars": 80}, {"chars": 32000}
    else:
        variable, value = {"utf8_bytes": 256}, {"utf8_bytes": 120}
    coded = {c.name: {a: n for a, n, _ in c.labels} for c in columns if c.coded}
    frame = neutralise(frame).with_columns(
        pl.col(name).replace_strict(codes, default=None, return_dtype=pl.Int16) for name, codes in coded.items())
    if fmt == "dta":  # Stata has no missing text; pyreadstat cannot write a missing long text
        frame = frame.with_columns(pl.col(pl.String).fill_null(""))
    frame = frame.rename(names)
    labels: dict[str, str | None] = {names[c.name]: _cut(neutral(c.label), **variable) for c in columns}
    value_labels: dict[str, dict[int | float, str]] = {}
    for c in columns:
        pairs = CHOSEN_LABELS.items() if c.kind == "option" else ((n, t) for _, n, t in c.labels)
        if c.kind in ("option", "score") or c.coded:
            value_labels[names[c.name]] = {n: _cut(neutral(t), **value) for n, t in pairs}
    with tempfile.TemporaryDirectory(prefix="surveyapp-export-") as folder:
        path = Path(folder) / f"export.{fmt}"
        if fmt == "sav":
            measure = {names[c.name]: "ordinal" if c.kind == "score" else "nominal"
                       for c in columns if c.kind in ("option", "score") or c.coded}
            pyreadstat.write_sav(frame, path, file_label=_cut(neutral(title), utf8_bytes=64),
                                 column_labels=labels, variable_value_labels=value_labels, variable_measure=measure)
        else:
            pyreadstat.write_dta(frame, path, file_label=_cut(neutral(title), chars=80), column_labels=labels,
                                 variable_value_labels=value_labels)
        return path.read_bytes()


def serialise(frame: pl.DataFrame, columns: Sequence[Column], fmt: str, *, title: str = "surveyapp export") -> bytes:
    """The frame as CSV (UTF-8 with a header), Parquet (dictionary in its metadata), XLSX (two sheets), SPSS
    `.sav` or Stata `.dta` (labelled).

    Every format a person opens (CSV, XLSX, SPSS, Stata, which export onward to spreadsheets) has its text
    cells and labels neutralised (`neutralise`); Parquet is read by code (R, Python, DuckDB) and keeps the text
    exactly as stored."""
    dictionary = dictionary_frame(columns)
    if fmt == "csv":
        return neutralise(frame).write_csv().encode("utf-8")
    if fmt == "parquet":
        return _parquet(frame, columns, dictionary)
    if fmt == "xlsx":
        return _xlsx(neutralise(frame), neutralise(dictionary))
    if fmt in ("sav", "dta"):
        return _stats_package(frame, columns, fmt, title)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")

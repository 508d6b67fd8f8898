"""Analysts' exports: one row per response, one column per question or statement, with a dictionary."""

from __future__ import annotations

import io

import polars as pl
import pyarrow.parquet as pq
import pytest

from tests.support import Service

ONE = {"answers": {"respondent_role": "parent_carer", "health_services": ["therapy", "camhs"],
                   "q7": {"local_offer_useful": "tend_to_agree", "health_met": "dont_know"},
                   "q7a": "Comment, with a comma; and \"quotes\"", "religion": "muslim"},
       "postcode": "ME14 5AB"}
TWO = {"answers": {"q7": {"making_progress": "strongly_disagree"}}, "postcode": "SW1A 1AA"}


@pytest.fixture
def filled(http, server: Service) -> dict[str, str]:
    first = http.post("/api/v1/waves/2026-autumn/responses", json=ONE).json()["response_id"]
    second = http.post("/api/v1/waves/2026-autumn/responses", json=TWO).json()["response_id"]
    return {"one": first, "two": second}


def _check(frame: pl.DataFrame, ids: dict[str, str]) -> None:
    assert frame.height == 2
    assert "q7_local_offer_useful" in frame.columns and "q7_making_progress" in frame.columns
    one = frame.filter(pl.col("response_id") == ids["one"]).row(0, named=True)
    two = frame.filter(pl.col("response_id") == ids["two"]).row(0, named=True)
    assert one["respondent_role"] == "parent_carer"
    assert set(one["health_services"].split(";")) == {"therapy", "camhs"}
    assert one["q7_local_offer_useful"] == "tend_to_agree" and one["q7_health_met"] == "dont_know"
    assert one["q7_making_progress"] is None  # not answered stays empty, never "dont_know"
    assert one["q7a"] == "Comment, with a comma; and \"quotes\""
    assert (one["postcode_district"], one["lad_name"], one["area_status"]) == ("ME14", "Maidstone", "in_area")
    assert (two["postcode_district"], two["lad_code"], two["area_status"]) == ("SW1A", None, "out_of_area")
    assert two["q7_making_progress"] == "strongly_disagree"


def test_csv_export_is_utf8_with_a_header_and_a_dictionary(analyst, filled: dict[str, str]) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    frame = pl.read_csv(io.BytesIO(r.content), infer_schema=False)
    _check(frame, filled)
    dictionary = pl.read_csv(io.BytesIO(analyst.get("/api/v1/waves/2026-autumn/dictionary",
                                                    params={"format": "csv"}).content))
    assert set(frame.columns) == set(dictionary["name"])
    q7 = dictionary.filter(pl.col("name") == "q7_assessment_wait").row(0, named=True)
    assert q7["text"].startswith("I was happy with the length of time")
    assert "strongly_agree = Strongly agree (score 5)" in q7["values"]


def test_parquet_export_carries_the_dictionary_in_its_metadata(analyst, filled: dict[str, str]) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "parquet"})
    assert r.status_code == 200
    table = pq.read_table(io.BytesIO(r.content))
    _check(pl.from_arrow(table), filled)  # type: ignore[arg-type]
    metadata = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert "Education, Health and Care Plan" in metadata["dictionary:send_status"]


def test_xlsx_export_has_responses_in_words_and_dictionary_and_codes_sheets(analyst, filled: dict[str, str]) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "xlsx"})
    assert r.status_code == 200
    sheets = pl.read_excel(io.BytesIO(r.content), sheet_id=0, infer_schema_length=0)
    assert list(sheets) == ["README", "responses", "dictionary", "codes"]  # it opens on what it is
    assert sheets["README"].columns == ["Internal: not for publication."]
    assert "keep this file inside the council" in " ".join(sheets["README"].to_series().to_list())
    responses = sheets["responses"]
    one = responses.filter(pl.col("response_id") == filled["one"]).row(0, named=True)
    two = responses.filter(pl.col("response_id") == filled["two"]).row(0, named=True)
    assert one["respondent_role"] == "Parent or carer"  # the answer's words, not its id
    assert set(one["health_services"].split("; ")) == {
        "Therapy (speech and language, occupational, physiotherapy)", "Children's mental health (CAMHS)"}
    assert (one["q7_local_offer_useful"], one["q7_health_met"]) == ("Tend to agree", "Don't know")
    assert one["q7_local_offer_useful_score"] == "4" and one["q7_health_met_score"] is None
    assert one["q7_making_progress"] is None  # not answered stays empty
    assert one["q7a"] == "Comment, with a comma; and \"quotes\""
    assert (one["postcode_district"], one["lad_name"], one["area_status"]) == ("ME14", "Maidstone", "in_area")
    assert (two["postcode_district"], two["lad_code"], two["area_status"]) == ("SW1A", None, "out_of_area")
    assert two["q7_making_progress"] == "Strongly disagree"
    assert "q7a" in sheets["dictionary"]["name"].to_list()
    codes = sheets["codes"].filter(pl.col("name") == "q7_health_met")
    assert codes.select("answer_id", "words", "sav_code", "dta_code").rows()[-2:] == [
        ("dont_know", "Don't know", "98", ".a"), (None, "Not answered", "99", ".b")]


def test_an_empty_wave_exports_a_header_only(analyst) -> None:
    frame = pl.read_csv(io.BytesIO(analyst.get("/api/v1/waves/2026-autumn/export").content))
    assert frame.height == 0 and "q7_health_met" in frame.columns


def test_an_unknown_format_is_a_400_naming_it(analyst) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "pdf"})
    assert r.status_code == 400
    assert "format" in r.text

"""Exports carry the comments' themes: one 0/1 column per theme of the current codebook (`theme_<id>`), empty for a
comment not coded; the data dictionary describes each theme from the codebook; SPSS files label the values."""

from __future__ import annotations

import csv
import io

import pyreadstat
import pytest

from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, Service

WAVE = "2026-autumn"


@pytest.fixture(scope="module")
def coded(commented: Service) -> dict[str, list[str]]:
    """Three comments coded by the analyst, one coded blind by the admin (never exported)."""
    with commented.client(ANALYST_TOKEN) as analyst, commented.client(ADMIN_TOKEN) as admin:
        ids = [c["response_id"] for c in analyst.get(f"/api/v1/comments/{WAVE}").json()][:4]
        codes = {ids[0]: ["communication", "waiting"], ids[1]: [], ids[2]: ["therapies"]}
        for rid, themes in codes.items():
            assert analyst.put(f"/api/v1/comments/{WAVE}/{rid}/coding", json={"themes": themes}).status_code == 200
        assert admin.put(f"/api/v1/comments/{WAVE}/{ids[3]}/coding",
                         json={"themes": ["praise"], "blind": True}).status_code == 200
    return {**codes, ids[3]: []}


def test_the_csv_export_has_a_column_per_theme(commented: Service, coded: dict[str, list[str]]) -> None:
    with commented.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/waves/{WAVE}/export", params={"format": "csv"})
    assert got.status_code == 200
    rows = {r["response_id"]: r for r in csv.DictReader(io.StringIO(got.text))}
    first, empty, therapy, blind = coded
    theme_columns = [c for c in next(iter(rows.values())) if c.startswith("theme_")]
    assert theme_columns[:3] == ["theme_communication", "theme_blamed", "theme_waiting"]
    assert (rows[first]["theme_communication"], rows[first]["theme_waiting"], rows[first]["theme_praise"]) == (
        "1", "1", "0")
    assert {rows[empty][c] for c in theme_columns} == {"0"}  # coded: no theme applies
    assert rows[therapy]["theme_therapies"] == "1"
    assert {rows[blind][c] for c in theme_columns} == {""}  # only a blind coding: not coded as far as counts go


def test_the_dictionary_holds_the_codebook(commented: Service, coded: dict[str, list[str]]) -> None:
    with commented.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/waves/{WAVE}/dictionary", params={"format": "json"})
    assert got.status_code == 200
    themes = {r["name"]: r for r in got.json() if r["kind"] == "theme"}
    row = themes["theme_waiting"]
    assert "Waiting for assessments" in row["text"] and "codebook of send-repeat, version" in row["text"]
    assert row["codes"] == "1 = Tagged with this theme; 0 = Coded, not this theme"


def test_spss_files_label_the_theme_values(commented: Service, coded: dict[str, list[str]], tmp_path) -> None:
    with commented.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/waves/{WAVE}/export", params={"format": "sav"})
    assert got.status_code == 200
    path = tmp_path / "export.sav"
    path.write_bytes(got.content)
    frame, meta = pyreadstat.read_sav(str(path))
    assert meta.variable_value_labels["theme_waiting"] == {0.0: "Coded, not this theme",
                                                           1.0: "Tagged with this theme"}
    assert meta.column_names_to_labels["theme_waiting"] == "Theme: Waiting for assessments"
    first = next(iter(coded))
    assert frame.loc[frame["response_id"] == first, "theme_waiting"].item() == 1

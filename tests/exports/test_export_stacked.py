"""Analysts' stacked exports: every wave in one file for SPSS, Stata, R and Excel, with scores, 0/1 option
columns and labels. Every figure is checked against the stored answers, read with SQL and scored from the
questionnaire's TOML read here, never through the export's code."""

from __future__ import annotations

import datetime as dt
import io
import random
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

from tests.support import ANALYST_TOKEN, ROOT, seed_two_waves

DEFINITION = tomllib.loads((ROOT / "waves/definitions/send-repeat-v1.toml").read_text(encoding="utf-8"))
QUESTIONS = {q["id"]: q for q in DEFINITION["questions"]}
Q7 = QUESTIONS["q7"]
SCORES = {a["id"]: a["score"] for a in Q7["answers"] if "score" in a}
STATEMENTS = [s["id"] for s in Q7["statements"]]
ANSWERS = [a["id"] for a in Q7["answers"]]
ROLES = [o["id"] for o in QUESTIONS["respondent_role"]["options"]]
HEALTH = [o["id"] for o in QUESTIONS["health_services"]["options"] if o["id"] != "none"]
CARE = [o["id"] for o in QUESTIONS["social_care_services"]["options"] if o["id"] != "none"]
POSTCODES = ["ME14 5AB", "CT9 1AA", "CT16 1AA", "SW1A 1AA", "TN16 3AA"]


def _body(rng: random.Random) -> dict[str, Any]:
    q7 = {s: rng.choice(ANSWERS) for s in STATEMENTS if rng.random() < 0.8} or {"health_met": "neither"}
    answers: dict[str, Any] = {"q7": q7}
    if rng.random() < 0.85:
        answers["respondent_role"] = rng.choice(ROLES)
    if rng.random() < 0.8:
        answers["health_services"] = rng.sample(HEALTH, rng.randint(1, 3)) if rng.random() < 0.8 else ["none"]
    if rng.random() < 0.6:
        answers["social_care_services"] = rng.sample(CARE, rng.randint(1, 2))
    if rng.random() < 0.3:
        answers["q7a"] = rng.choice(["=1+2", "Waited a year.", "@SUM(A1)", "Fine, thanks"])
    body: dict[str, Any] = {"answers": answers}
    if rng.random() < 0.9:
        body["postcode"] = rng.choice(POSTCODES)
    return body


@pytest.fixture(scope="module")
def service(module_service: Any) -> Any:
    """34 responses in autumn 2026 and 23 in spring 2027 (random answers, don't know and gaps included)."""
    rng = random.Random(14)
    return seed_two_waves(module_service, lambda: _body(rng), autumn=34, spring=23)


@pytest.fixture
def analyst(service: Any) -> Any:
    with service.client(ANALYST_TOKEN) as client:
        yield client


def _stored(service: Any, sql: str) -> list[tuple[Any, ...]]:
    return list(service.store.rows(sql))


def _means_from_stored_answers(service: Any) -> dict[tuple[str, str], float]:
    """(wave, statement) -> mean score of the stored Q7 answers, don't know left out: SQL and the TOML only."""
    scores: dict[tuple[str, str], list[int]] = defaultdict(list)
    for wave, statement, answer in _stored(service, "SELECT r.wave_id, a.statement_id, a.option_id FROM answers a "
                                                    "JOIN responses r USING (response_id) WHERE a.question_id = 'q7'"):
        if answer in SCORES:
            scores[(wave, statement)].append(SCORES[answer])
    return {key: sum(v) / len(v) for key, v in scores.items()}


def _names_back(analyst: Any) -> dict[str, str]:
    """Each SPSS and Stata variable name -> the column's name (CSV, Parquet), from the dictionary."""
    dictionary = pl.read_csv(io.BytesIO(_get_plain(analyst, "/api/v1/export/dictionary", waves="all", format="csv")))
    return dict(zip(dictionary["sav_name"], dictionary["name"], strict=True))


def _get(analyst: Any, path: str, **params: Any) -> bytes:
    r = analyst.get(path, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store" and "attachment" in r.headers["content-disposition"]
    return bytes(r.content)


def _file(tmp_path: Path, data: bytes, suffix: str) -> Path:
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(data)
    return path


def test_spss_file_has_labels_and_scores_whose_means_are_the_stored_answers(analyst: Any, service: Any,
                                                                           tmp_path: Path) -> None:
    path = _file(tmp_path, _get(analyst, "/api/v1/export", waves="all", format="sav"), "sav")
    frame, meta = pyreadstat.read_sav(str(path), output_format="polars")
    frame = frame.rename(_names_back(analyst))
    total = _stored(service, "SELECT count(*) FROM responses")[0][0]
    assert frame.height == total == 57
    assert frame["wave_id"].value_counts().sort("wave_id").rows() == [("2026-autumn", 34), ("2027-spring", 23)]
    health_met = next(s for s in Q7["statements"] if s["id"] == "health_met")
    assert health_met["short"]["en"] in meta.column_names_to_labels["q7_health_met"]
    assert meta.column_names_to_labels["respondent_role"] == QUESTIONS["respondent_role"]["text"]["en"]
    assert meta.variable_value_labels["q7_health_met_score"] == {
        float(a["score"]): a["text"]["en"] for a in Q7["answers"] if "score" in a}
    roles = meta.variable_value_labels["respondent_role"]
    assert sorted(roles.values()) == sorted(o["text"]["en"] for o in QUESTIONS["respondent_role"]["options"])
    assert meta.variable_value_labels["health_services__camhs"] == {0.0: "Not chosen", 1.0: "Chosen"}
    expected = _means_from_stored_answers(service)
    for statement in STATEMENTS:
        for wave in ("2026-autumn", "2027-spring"):
            mean = frame.filter(pl.col("wave_id") == wave)[f"q7_{statement}_score"].mean()
            assert mean == pytest.approx(expected[(wave, statement)]), (wave, statement)
    # The answer codes' labels name the answer the family gave, row by row.
    stored = dict(_stored(service, "SELECT response_id, option_id FROM answers WHERE question_id = 'respondent_role'"))
    texts = {o["id"]: o["text"]["en"] for o in QUESTIONS["respondent_role"]["options"]}
    for response_id, code in frame.select("response_id", "respondent_role").iter_rows():
        assert (roles[code] if code is not None else None) == (texts[stored[response_id]] if response_id in stored
                                                                else None)


def test_dont_know_and_unanswered_have_no_score_and_options_are_0_1_or_empty(analyst: Any, service: Any,
                                                                          tmp_path: Path) -> None:
    path = _file(tmp_path, _get(analyst, "/api/v1/export", waves="2026-autumn,2027-spring", format="sav"), "sav")
    frame, _ = pyreadstat.read_sav(str(path), output_format="polars", apply_value_formats=False)
    frame = frame.rename(_names_back(analyst))
    answers = {(r, s): a for r, s, a in _stored(
        service, "SELECT response_id, statement_id, option_id FROM answers WHERE question_id = 'q7'")}
    chosen = defaultdict(set)
    for response_id, option in _stored(service, "SELECT response_id, option_id FROM answers "
                                                "WHERE question_id = 'health_services'"):
        chosen[response_id].add(option)
    dont_know = 0
    for row in frame.iter_rows(named=True):
        for statement in STATEMENTS:
            answer = answers.get((row["response_id"], statement))
            dont_know += answer == "dont_know"
            assert row[f"q7_{statement}_score"] == SCORES.get(answer)  # None for don't know and not answered
        for option in [*HEALTH, "none"]:
            cell = row[f"health_services__{option}"]
            assert cell == (None if row["response_id"] not in chosen else float(option in chosen[row["response_id"]]))
    assert dont_know > 10


def test_stata_file_read_by_pandas_and_polars_has_labels_and_names_within_32(analyst: Any, service: Any,
                                                                           tmp_path: Path) -> None:
    path = _file(tmp_path, _get(analyst, "/api/v1/export", waves="all", format="dta"), "dta")
    dictionary = pl.read_csv(io.BytesIO(_get_plain(analyst, "/api/v1/export/dictionary", waves="all", format="csv")))
    names = dict(zip(dictionary["name"], dictionary["dta_name"], strict=True))
    long = "social_care_services__specialist_club"
    assert len(long) > 32 and len(names[long]) <= 32 and names[long].endswith("__specialist_club")
    with pd.io.stata.StataReader(path) as reader:
        data = reader.read(convert_categoricals=False)
        variable_labels, value_labels = reader.variable_labels(), reader.value_labels()
    assert list(data.columns) == list(dictionary["dta_name"])
    assert all(len(c) <= 32 for c in data.columns) and len(set(data.columns)) == len(data.columns)
    assert variable_labels[names["respondent_role"]].startswith(QUESTIONS["respondent_role"]["text"]["en"][:70])
    assert {5: "Strongly agree", 1: "Strongly disagree"}.items() <= next(
        labels for labels in value_labels.values() if 3 in labels and labels[3] == "Neither agree nor disagree"
        and 6 not in labels).items()  # the items and scores: 5 = Strongly agree ... 1, "Don't know" never 6
    expected = _means_from_stored_answers(service)
    for statement in STATEMENTS:
        column = names[f"q7_{statement}_score"]
        for wave, rows in data.groupby("wave_id"):
            assert rows[column].mean() == pytest.approx(expected[(str(wave), statement)])
    chosen = _stored(service, "SELECT count(*) FROM answers WHERE question_id = 'social_care_services' "
                              "AND option_id = 'specialist_club'")[0][0]
    assert data[names[long]].sum() == chosen > 0
    frame, meta = pyreadstat.read_dta(str(path), output_format="polars")
    assert frame.height == 57 and meta.column_names_to_labels[names[long]].startswith("Specialist club")
    assert meta.variable_value_labels[names["q7_health_met_score"]][5] == "Strongly agree"
    assert meta.variable_value_labels[names["q7_health_met"]][5] == "Strongly agree"  # the item coded by its score
    assert 6 not in meta.variable_value_labels[names["q7_health_met"]]  # "Don't know" is a declared missing value


def _get_plain(analyst: Any, path: str, **params: Any) -> bytes:
    r = analyst.get(path, params=params)
    assert r.status_code == 200, r.text
    return bytes(r.content)


def test_parquet_holds_answer_codes_as_dictionary_columns_and_scores_as_numbers(analyst: Any) -> None:
    table = pq.read_table(io.BytesIO(_get(analyst, "/api/v1/export", waves="all", format="parquet")))
    schema = table.schema
    for name in ("respondent_role", "q7_health_met", "wave_id", "channel", "area_status"):
        assert pa.types.is_dictionary(schema.field(name).type), name
    assert pa.types.is_integer(schema.field("q7_health_met_score").type)
    assert pa.types.is_integer(schema.field("health_services__camhs").type)
    categories = table.column("respondent_role").combine_chunks().dictionary.to_pylist()
    assert categories[: len(ROLES)] == ROLES  # every option, in the questionnaire's order
    frame = pl.read_parquet(io.BytesIO(_get(analyst, "/api/v1/export", waves="all", format="parquet")))
    assert frame.height == 57 and frame["q7_health_met_score"].dtype.is_integer()


def _filtered(sheet: Any) -> bool:
    """The sheet's data is a table with filter buttons on its header, over every column."""
    tables = list(sheet.tables.values())
    return len(tables) == 1 and tables[0].autoFilter is not None and tables[0].autoFilter.ref == tables[0].ref \
        and tables[0].ref.startswith("A1:")


def test_xlsx_has_date_cells_a_frozen_header_filters_and_a_dictionary(analyst: Any, service: Any) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_get(analyst, "/api/v1/export", waves="all", format="xlsx")))
    assert book.sheetnames == ["README", "responses", "dictionary", "codes"]
    assert book.active.title == "README" and book["README"]["A1"].value == "Internal: not for publication."
    sheet = book["responses"]
    header = [c.value for c in sheet[1]]
    hour = sheet.cell(row=2, column=header.index("submitted_hour") + 1)
    assert hour.is_date and isinstance(hour.value, dt.datetime) and hour.value.minute == 0
    stored_hours = {h for (h,) in _stored(service, "SELECT submitted_hour FROM responses")}
    assert hour.value in stored_hours
    assert sheet.freeze_panes == "A2" and _filtered(sheet)
    score = sheet.cell(row=2, column=header.index("q7_health_met_score") + 1).value
    assert score is None or isinstance(score, int)
    assert book["dictionary"].freeze_panes == "A2"
    assert book["codes"].freeze_panes == "A2" and _filtered(book["codes"])


def test_analysis_xlsx_shows_shares_as_percentages_under_a_frozen_header(analyst: Any) -> None:
    r = analyst.get("/api/v1/waves/2026-autumn/compare", params={"format": "xlsx"})
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["compare"]
    header = [c.value for c in sheet[1]]
    share = sheet.cell(row=2, column=header.index("share_agree") + 1)
    assert share.number_format == "0.0%" and (share.value is None or 0 <= share.value <= 1)
    assert sheet.cell(row=2, column=header.index("n_valid") + 1).number_format != "0.0%"
    assert sheet.freeze_panes == "A2" and _filtered(sheet)


def test_every_column_is_in_the_dictionary_and_the_per_wave_export_has_the_same_columns(analyst: Any) -> None:
    r = analyst.get("/api/v1/export", params={"waves": "all"})
    assert r.headers["content-type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert r.headers["content-disposition"] == 'attachment; filename="internal-all-waves-responses.csv"'
    stacked = pl.read_csv(io.BytesIO(r.content), infer_schema=False)
    one = pl.read_csv(io.BytesIO(_get(analyst, "/api/v1/waves/2027-spring/export")), infer_schema=False)
    dictionary = pl.read_json(io.BytesIO(_get_plain(analyst, "/api/v1/export/dictionary", waves="all")))
    assert stacked.columns == one.columns == dictionary["name"].to_list()
    assert one.height == 23 and set(one["wave_id"]) == {"2027-spring"}
    assert {"q7_health_met_score", "health_services__none", "social_care_services__specialist_club"} <= set(
        stacked.columns)
    row = dictionary.filter(pl.col("name") == "q7_health_met_score").row(0, named=True)
    assert "don't know" in row["values"].lower() and row["codes"].startswith("5 = Strongly agree")
    assert all(len(n) <= 64 for n in dictionary["sav_name"]) and all(len(n) <= 32 for n in dictionary["dta_name"])


def test_filters_keep_the_responses_that_chose_an_option_counted_by_hand(analyst: Any, service: Any) -> None:
    def count(*filters: str, waves: str = "all") -> int:
        r = analyst.get("/api/v1/export", params=[("waves", waves), *(("filter", f) for f in filters)])
        assert r.status_code == 200, r.text
        return pl.read_csv(io.BytesIO(r.content), infer_schema=False).height

    roles = dict(_stored(service, "SELECT response_id, option_id FROM answers WHERE question_id = 'respondent_role'"))
    health = defaultdict(set)
    for response_id, option in _stored(service, "SELECT response_id, option_id FROM answers "
                                                "WHERE question_id = 'health_services'"):
        health[response_id].add(option)
    families = {r for r, role in roles.items() if role in ("parent_carer", "young_person")}
    assert count("respondent_role:parent_carer,young_person") == len(families) > 0
    camhs = {r for r, chosen in health.items() if "camhs" in chosen or "therapy" in chosen}
    assert count("health_services:camhs,therapy") == len(camhs) > 0
    assert count("respondent_role:parent_carer,young_person", "health_services:camhs,therapy") == len(
        families & camhs)
    spring = {r for (r,) in _stored(service, "SELECT response_id FROM responses WHERE wave_id = '2027-spring'")}
    assert count("respondent_role:parent_carer,young_person", waves="2027-spring") == len(families & spring)
    r = analyst.get("/api/v1/waves/2027-spring/export", params={"filter": "respondent_role:parent_carer,young_person"})
    assert pl.read_csv(io.BytesIO(r.content), infer_schema=False).height == len(families & spring)


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"filter": "respondent_role:parent"}, "filter", "no option 'parent'"),
    ({"filter": "q7a:anything"}, "filter", "not a single or multiple choice question"),
    ({"filter": "respondent_role"}, "filter", "<question>:<option>"),
    ({"waves": "2026-autumn,no-such-wave"}, "waves", "there is no wave 'no-such-wave'"),
    ({"waves": "baseline-2019"}, "waves", "aggregate counts only"),
    ({"waves": "all,2026-autumn"}, "waves", "all on its own"),
    ({"format": "pdf"}, "format", "sav"),
])
def test_a_bad_export_request_is_a_400_naming_the_field(analyst: Any, params: dict[str, str], field: str,
                                                        words: str) -> None:
    r = analyst.get("/api/v1/export", params=params)
    assert r.status_code == 400
    body = r.json()
    assert [e["field"] for e in body["errors"]] == [field]
    assert words in body["errors"][0]["message"]
    assert "stored" not in body["detail"]


def test_no_format_carries_a_full_postcode_a_return_code_or_an_address(server: Any) -> None:
    service = server
    with service.client() as http:
        sent = http.post("/api/v1/waves/2026-autumn/responses", json={
            "answers": {"q7": {"health_met": "neither"}}, "postcode": "ME14 5AB"})
        code = sent.json()["return_code"]
    secrets = [code, code.replace("-", ""), "ME14 5AB", "ME145AB", "5AB", service.peer]
    with service.client(ANALYST_TOKEN) as analyst:
        for fmt in ("csv", "sav", "dta"):
            data = _get(analyst, "/api/v1/export", waves="all", format=fmt)
            assert not [s for s in secrets if s.encode() in data], fmt
        frame = pl.read_parquet(io.BytesIO(_get(analyst, "/api/v1/export", waves="all", format="parquet")))
        book = openpyxl.load_workbook(io.BytesIO(_get(analyst, "/api/v1/export", waves="all", format="xlsx")))
    cells = {str(v) for row in frame.cast(pl.String).iter_rows() for v in row}
    cells |= {str(c.value) for row in book["responses"].iter_rows() for c in row}
    assert not [s for s in secrets if any(s in cell for cell in cells)]
    assert "ME14" in cells  # the outward code is what is kept


def _questionnaires() -> tuple[Any, Any]:
    from waves.loader import load_catalogue

    repeat = load_catalogue().questionnaire("send-repeat", 1)
    check = load_catalogue(ROOT / "tests/fixtures/definitions").questionnaire("services-check", 1)
    return repeat, check


def test_stacking_two_questionnaires_joins_their_columns_and_options() -> None:
    from surveyapp.render.exports import columns_of, dictionary_frame

    repeat, check = _questionnaires()
    columns = {c.name: c for c in columns_of([repeat, check])}
    assert {"q7_health_met_score", "q3_gp_access_score", "q2", "q7a"} <= set(columns)
    ages = columns["child_age_band"].labels  # the first questionnaire's codes kept, the second's new ones after
    assert [(a, n) for a, n, _ in ages] == [("age_0_4", 1), ("age_5_10", 2), ("age_11_15", 3), ("age_16_18", 4),
                                            ("age_19_25", 5), ("prefer_not_to_say", 6), ("age_0_10", 7),
                                            ("age_11_25", 8)]
    assert [(a, n) for a, n, _ in columns["q3_gp_access_score"].labels] == [
        ("very_good", 4), ("good", 3), ("poor", 2), ("very_poor", 1)]  # a 4-point scale, from its TOML
    assert dictionary_frame(list(columns.values())).height == len(columns)


def test_stacking_questionnaires_that_score_an_answer_differently_is_refused() -> None:
    import msgspec

    from surveyapp.render.exports import ExportError, columns_of

    repeat, _ = _questionnaires()
    q7 = repeat.question("q7")
    rescored = tuple(msgspec.structs.replace(a, score=1) if a.id == "strongly_agree" else a for a in q7.answers)
    other = msgspec.structs.replace(repeat, version=2, questions=tuple(
        msgspec.structs.replace(q, answers=rescored) if q.id == "q7" else q for q in repeat.questions))
    with pytest.raises(ExportError) as refused:
        columns_of([repeat, other])
    assert refused.value.field == "waves" and "strongly_agree" in refused.value.message

"""Submitting responses through the real app over HTTP, on a real DuckDB file.

The tests marked `shared` store nothing (each checks so), so one app serves them all; the others get their own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.support import Service

WAVE = "/api/v1/waves/2026-autumn"
RESPONSES = f"{WAVE}/responses"
GOOD: dict[str, Any] = {
    "answers": {
        "respondent_role": "parent_carer",
        "health_services": ["camhs", "waiting_list"],
        "social_care_services": ["none"],
        "q7": {"local_offer_useful": "tend_to_agree", "assessment_wait": "strongly_disagree",
               "health_met": "dont_know", "setting_skills": None},
        "q7a": "  We waited two years.  ",
        "ethnic_group": "white_british",
    },
    "postcode": "ct9 1aa",
}


def _answers(server: Service, response_id: str) -> set[tuple[Any, ...]]:
    rows = server.store.rows("SELECT question_id, statement_id, option_id, text FROM answers WHERE response_id = ?",
                             [response_id])
    return set(rows)


def test_valid_response_lands_once_with_every_answer(http, server: Service) -> None:
    r = http.post(RESPONSES, json=GOOD)
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"response_id", "return_code"}
    assert server.count() == 1
    assert _answers(server, body["response_id"]) == {
        ("respondent_role", None, "parent_carer", None),
        ("health_services", None, "camhs", None), ("health_services", None, "waiting_list", None),
        ("social_care_services", None, "none", None),
        ("q7", "local_offer_useful", "tend_to_agree", None), ("q7", "assessment_wait", "strongly_disagree", None),
        ("q7", "health_met", "dont_know", None),
        ("q7a", None, None, "We waited two years."),
        ("ethnic_group", None, "white_british", None),
    }


def test_unanswered_statement_is_stored_as_not_answered_never_dont_know(http, server: Service) -> None:
    response_id = http.post(RESPONSES, json=GOOD).json()["response_id"]
    statements = {s for _, s, _, _ in _answers(server, response_id) if s}
    assert "setting_skills" not in statements  # sent as null
    assert "making_progress" not in statements  # left out
    assert server.count("SELECT count(*) FROM answers WHERE option_id = 'dont_know'") == 1


def test_full_postcode_is_cut_before_storage_and_placed_in_its_district(http, server: Service) -> None:
    response_id = http.post(RESPONSES, json=GOOD).json()["response_id"]
    row = server.store.rows("SELECT postcode_district, lad_code, area_status FROM responses WHERE response_id = ?",
                            [response_id])[0]
    assert row == ("CT9", "E07000114", "in_area")
    server.store.rows("CHECKPOINT")
    stored = server.settings.database_path.read_bytes()
    assert b"CT9 1AA" not in stored.upper() and b"CT91AA" not in stored.upper()


@pytest.mark.parametrize(("postcode", "expected"), [
    ("SW1A 1AA", ("SW1A", None, "out_of_area")),
    ("TN16 3AA", ("TN16", None, "out_of_area")),
    (None, (None, None, "unknown")),
    ("", (None, None, "unknown")),
])
def test_postcodes_outside_kent_and_medway_or_missing_are_kept_apart(http, server: Service, postcode: str | None,
                                                                    expected: tuple[Any, ...]) -> None:
    sent = http.post(RESPONSES, json={**GOOD, "postcode": postcode})
    assert sent.status_code == 201, sent.text  # stored, and kept apart from the districts
    row = server.store.rows("SELECT postcode_district, lad_code, area_status FROM responses WHERE response_id = ?",
                            [sent.json()["response_id"]])[0]
    assert row == expected


def test_no_time_finer_than_the_hour_and_no_address_is_stored(http, server: Service, clock) -> None:
    clock.now = dt.datetime(2026, 11, 22, 14, 59, 59, tzinfo=dt.UTC)
    http.post(RESPONSES, json=GOOD)
    assert server.store.rows("SELECT submitted_hour FROM responses")[0][0] == dt.datetime(2026, 11, 22, 14, 0)
    columns = {r[0] for r in server.store.rows("SELECT column_name FROM information_schema.columns")}
    assert not {c for c in columns if "ip" in c.split("_") or "address" in c or c == "postcode"}


BAD_FIELDS = [
    ({"answers": {"q7": {"health_met": "agree"}}}, "answers.q7.health_met"),
    ({"answers": {"q7": {"health_met": "neither", "wellbeing": "neither"}}}, "answers.q7.wellbeing"),
    ({"answers": {"q7": "neither"}}, "answers.q7"),
    ({"answers": {"q7": {"health_met": "neither"}, "respondent_role": "cousin"}}, "answers.respondent_role"),
    ({"answers": {"q7": {"health_met": "neither"}, "respondent_role": ["parent_carer"]}}, "answers.respondent_role"),
    ({"answers": {"q7": {"health_met": "neither"}, "health_services": ["none", "camhs"]}}, "answers.health_services"),
    ({"answers": {"q7": {"health_met": "neither"}, "health_services": ["camhs", "camhs"]}}, "answers.health_services"),
    ({"answers": {"q7": {"health_met": "neither"}, "health_services": "camhs"}}, "answers.health_services"),
    ({"answers": {"q7": {"health_met": "neither"}, "q7a": "x" * 5001}}, "answers.q7a"),
    ({"answers": {"q7": {"health_met": "neither"}, "q7a": 42}}, "answers.q7a"),
    ({"answers": {"q7": {"health_met": "neither"}, "favourite_colour": "blue"}}, "answers.favourite_colour"),
    ({"answers": {"q7": {"health_met": "neither"}, "postcode": "CT1"}}, "answers.postcode"),
    ({"answers": {"respondent_role": "parent_carer"}}, "answers.q7"),
    ({"answers": {"q7": {}}}, "answers.q7"),
    ({"answers": {"q7": {"health_met": None}}}, "answers.q7"),
    ({"answers": {"q7": {"health_met": "neither"}}, "postcode": "12345"}, "postcode"),
    ({"answers": {"q7": {"health_met": "neither"}}, "postcode": 12345}, "postcode"),
    ({"answers": {"q7": {"health_met": "neither"}}, "return_code": "letmein"}, "return_code"),
    ({"answers": {"q7": {"health_met": "neither"}}, "return_code": "MAPLE-XYLOPHONE-1234"}, "return_code"),
    ({"answers": {"q7": {"health_met": "neither"}}, "submission_id": "short"}, "submission_id"),
    ({"answers": {"q7": {"health_met": "neither"}}, "language": "fr"}, "language"),
    ({"answers": {"q7": {"health_met": "neither"}}, "colour": "blue"}, "colour"),
    ({"answers": "all good"}, "answers"),
    ({}, "answers"),
]


@pytest.mark.shared
@pytest.mark.parametrize(("body", "field"), BAD_FIELDS)
def test_every_kind_of_bad_field_is_a_400_naming_it_and_nothing_is_stored(http, server: Service,
                                                                          body: dict[str, Any], field: str) -> None:
    r = http.post(RESPONSES, json=body)
    assert r.status_code == 400, r.text
    errors = r.json()["errors"]
    assert field in [e["field"] for e in errors]
    assert all(e["message"] for e in errors)
    assert server.count() == 0
    assert server.count("SELECT count(*) FROM answers") == 0


@pytest.mark.shared
def test_all_offending_fields_are_listed_at_once(http, server: Service) -> None:
    r = http.post(RESPONSES, json={
        "answers": {"q7": {"health_met": "maybe", "local_offer_useful": "tend_to_agree"}, "respondent_role": "x",
                    "send_status": ["ehcp", "unicorn"]},
        "postcode": "99", "return_code": "nope"})
    assert r.status_code == 400
    assert {e["field"] for e in r.json()["errors"]} == {
        "answers.q7.health_met", "answers.respondent_role", "answers.send_status", "postcode", "return_code"}
    assert server.count() == 0


@pytest.mark.shared
@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"", b'{"answers": {"q7": {"health_met": "neither"}'])
def test_malformed_json_is_a_400_and_nothing_is_stored(http, server: Service, raw: bytes) -> None:
    r = http.post(RESPONSES, content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["errors"]
    assert server.count() == 0


def test_a_retry_with_the_same_submission_id_is_stored_once_and_gets_the_same_answer(http, server: Service) -> None:
    body = {**GOOD, "submission_id": str(uuid.uuid4())}
    first = http.post(RESPONSES, json=body)
    second = http.post(RESPONSES, json=body)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert server.count() == 1


def test_a_reused_submission_id_with_different_answers_is_a_409(http, server: Service) -> None:
    submission_id = str(uuid.uuid4())
    assert http.post(RESPONSES, json={**GOOD, "submission_id": submission_id}).status_code == 201
    changed = {**GOOD, "submission_id": submission_id, "answers": {"q7": {"health_met": "strongly_agree"}}}
    r = http.post(RESPONSES, json=changed)
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "submission_id"
    assert server.count() == 1


@pytest.mark.shared
def test_unknown_wave_is_404_for_questionnaire_and_submission(http) -> None:
    assert http.get("/api/v1/waves/2030-summer").status_code == 404
    r = http.post("/api/v1/waves/2030-summer/responses", json=GOOD)
    assert r.status_code == 404
    assert "2030-summer" in r.json()["detail"]


def test_a_wave_not_yet_open_is_409_saying_when_it_opens(http, server: Service, clock) -> None:
    clock.now = dt.datetime(2026, 9, 30, 22, 59, tzinfo=dt.UTC)  # 23:59 on 30 September in the UK
    r = http.post(RESPONSES, json=GOOD)
    assert r.status_code == 409
    assert "opens on 1 October 2026" in r.json()["detail"]
    clock.now = dt.datetime(2026, 9, 30, 23, 0, tzinfo=dt.UTC)  # midnight, 1 October, UK time
    assert http.post(RESPONSES, json=GOOD).status_code == 201
    assert server.count() == 1


def test_a_wave_past_its_closing_date_is_409_saying_it_closed(http, server: Service, clock) -> None:
    clock.now = dt.datetime(2027, 4, 1, 9, 0, tzinfo=dt.UTC)
    r = http.post(RESPONSES, json=GOOD)
    assert r.status_code == 409
    assert "closed on 31 March 2027" in r.json()["detail"]
    assert server.count() == 0


@pytest.mark.shared
def test_the_baseline_takes_no_responses(http, server: Service) -> None:
    r = http.post("/api/v1/waves/baseline-2019/responses", json=GOOD)
    assert r.status_code == 409
    assert "baseline" in r.json()["detail"]


@pytest.mark.shared
def test_questionnaire_lists_every_id_in_the_requested_language(http) -> None:
    en = http.get(WAVE).json()
    easy = http.get(WAVE, params={"lang": "en-easy"}).json()
    assert en["language"] == "en" and easy["language"] == "en-easy"
    q7 = next(q for q in en["questions"] if q["id"] == "q7")
    assert q7["statements"][0]["id"] == "local_offer_useful"
    assert [a["id"] for a in q7["answers"]][-1] == "dont_know"
    assert q7["required"] is True
    role_en = next(q for q in en["questions"] if q["id"] == "respondent_role")
    role_easy = next(q for q in easy["questions"] if q["id"] == "respondent_role")
    assert role_en["text"] != role_easy["text"]
    q7_easy = next(q for q in easy["questions"] if q["id"] == "q7")
    assert q7_easy["statements"] == q7["statements"]  # falls back to the fixed English wording
    assert http.get(WAVE, params={"lang": "cy"}).json()["language"] == "en"


@pytest.mark.shared
def test_waves_are_listed_with_their_status(http) -> None:
    waves = {w["wave_id"]: w for w in http.get("/api/v1/waves").json()}
    assert waves["2026-autumn"]["status"] == "open"
    assert waves["baseline-2019"]["kind"] == "aggregate"


@pytest.mark.shared
def test_openapi_schema_is_served_and_documents_the_submission(http) -> None:
    schema = http.get("/schema/openapi.json").json()
    assert "/api/v1/waves/{wave_id}/responses" in schema["paths"]
    post = schema["paths"]["/api/v1/waves/{wave_id}/responses"]["post"]
    assert {"201", "400", "404", "409"} <= set(post["responses"])


def test_data_survive_a_restart(start_service) -> None:
    first = start_service()
    with first.client() as http:
        ids = [http.post(RESPONSES, json=GOOD).json()["response_id"] for _ in range(5)]
    first.stop()
    second = start_service()
    stored = {r[0] for r in second.store.rows("SELECT response_id FROM responses")}
    assert stored == set(ids)
    assert second.count("SELECT count(*) FROM answers") == 5 * 9

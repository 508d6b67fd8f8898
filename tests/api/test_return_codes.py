"""Return codes link a family's answers across waves without revealing anything."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from surveyapp.domain.returncodes import WORDS, ReturnCodeError, normalise
from tests.support import Service

ANSWERS = {"answers": {"q7": {"making_progress": "tend_to_agree"}}}


def _cohort_keys(server: Service) -> dict[str, str]:
    return dict(server.store.rows("SELECT response_id, cohort_key FROM responses"))


def _make_second_wave(admin, clock) -> None:
    r = admin.post("/api/v1/admin/waves", json={
        "wave_id": "2027-spring", "questionnaire_id": "send-repeat", "questionnaire_version": 1,
        "title": {"en": "Spring 2027"}, "opens_on": "2027-04-01", "closes_on": "2027-06-30"})
    assert r.status_code == 201, r.text
    clock.now = dt.datetime(2027, 4, 2, 9, tzinfo=dt.UTC)


def test_each_response_gets_a_short_memorable_code(http) -> None:
    codes = {http.post("/api/v1/waves/2026-autumn/responses", json=ANSWERS).json()["return_code"] for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        first, second, digits = code.split("-")
        assert first.isalpha() and second.isalpha() and len(digits) == 4 and digits.isdigit()
        # at most the longest word twice (a code may repeat a word, as CORNFLOWER-CORNFLOWER-9812), dashes, digits
        assert len(code) <= 2 * max(map(len, WORDS)) + 2 + 4


def test_a_code_entered_in_a_later_wave_links_the_two_responses(http, admin, server: Service, clock) -> None:
    first = http.post("/api/v1/waves/2026-autumn/responses", json=ANSWERS).json()
    _make_second_wave(admin, clock)
    typed = first["return_code"].lower().replace("-", " ")  # typed casually on a phone
    second = http.post("/api/v1/waves/2027-spring/responses", json={**ANSWERS, "return_code": typed}).json()
    assert second["return_code"] == first["return_code"]  # the family keeps one code
    keys = _cohort_keys(server)
    assert keys[first["response_id"]] == keys[second["response_id"]]
    stranger = http.post("/api/v1/waves/2027-spring/responses", json=ANSWERS).json()
    assert keys[first["response_id"]] != _cohort_keys(server)[stranger["response_id"]]


def test_only_a_keyed_hash_of_the_code_is_stored(http, server: Service) -> None:
    code = http.post("/api/v1/waves/2026-autumn/responses", json=ANSWERS).json()["return_code"]
    server.store.rows("CHECKPOINT")
    raw = server.settings.database_path.read_bytes()
    assert code.encode() not in raw
    assert code.replace("-", "").encode() not in raw.upper()
    import hashlib

    assert hashlib.sha256(code.encode()).hexdigest()[:40].encode() not in raw  # not an unkeyed hash either


def test_an_unknown_well_formed_code_is_answered_exactly_like_a_known_one(http, server: Service) -> None:
    known = http.post("/api/v1/waves/2026-autumn/responses", json=ANSWERS).json()["return_code"]
    unknown = "MAPLE-OTTER-0001" if known != "MAPLE-OTTER-0001" else "MAPLE-OTTER-0002"
    a = http.post("/api/v1/waves/2026-autumn/responses", json={**ANSWERS, "return_code": known})
    b = http.post("/api/v1/waves/2026-autumn/responses", json={**ANSWERS, "return_code": unknown})
    assert a.status_code == b.status_code == 201
    assert set(a.json()) == set(b.json())
    assert a.json()["return_code"] == known and b.json()["return_code"] == unknown
    assert a.headers.keys() - {"date", "content-length"} == b.headers.keys() - {"date", "content-length"}
    assert server.count() == 3


@pytest.mark.parametrize("typed", ["maple-otter", "MAPLE-OTTER-12345", "1234", "DROP TABLE responses",
                                   "MAPLE-QWERTY-1234", "MAPLE_OTTER_12"])
def test_a_malformed_code_is_refused(typed: str) -> None:
    with pytest.raises(ReturnCodeError):
        normalise(typed)


def test_casual_typing_of_a_code_is_accepted() -> None:
    assert normalise("  maple otter 4218 ") == normalise("Maple-Otter-4218") == "MAPLE-OTTER-4218"


def test_the_key_is_created_once_outside_the_database_readable_by_its_owner_only(server: Service) -> None:
    key = server.settings.secret_key_path
    assert key.parent != server.settings.database_path.parent or key.name != server.settings.database_path.name
    mode = stat.S_IMODE(os.stat(key).st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(key.parent).st_mode) == 0o700


def test_a_readable_key_file_stops_start_up(tmp_path) -> None:
    from surveyapp.domain.returncodes import load_or_create_key

    path = tmp_path / "secrets" / "return-code.key"
    load_or_create_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        load_or_create_key(path)


def test_the_same_code_cannot_be_used_more_than_the_ceiling_in_one_wave(http, server: Service) -> None:
    code = http.post("/api/v1/waves/2026-autumn/responses", json=ANSWERS).json()["return_code"]
    ceiling = server.settings.max_responses_per_code
    for _ in range(ceiling - 1):
        again = http.post("/api/v1/waves/2026-autumn/responses", json={**ANSWERS, "return_code": code})
        assert again.status_code == 201
    r = http.post("/api/v1/waves/2026-autumn/responses", json={**ANSWERS, "return_code": code})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "return_code"
    assert server.count() == ceiling

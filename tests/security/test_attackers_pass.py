"""Issue 25, item 7: the defects an attacker's pass found, each seen from outside over HTTP through the real app
(docs/operations/reliability.md, "Defects found by an attacker's pass")."""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import logging
import re
import shutil
import uuid
from pathlib import Path

import duckdb
import httpx
import pytest

from surveyapp.settings import SettingsError, from_env
from surveyapp.store import writer as writer_module
from tests.conftest import app_for
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, FakeClock, Service

WAVE = "/survey/2026-autumn"
SUBMIT = "/api/v1/waves/2026-autumn/responses"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ANSWERS = {"q7": {"health_met": "tend_to_agree"}, "respondent_role": "parent_carer"}


def body(**extra: object) -> dict[str, object]:
    return {"answers": ANSWERS, "postcode": "ME14 1XX", "submission_id": str(uuid.uuid4()), **extra}


def with_cookie(name: str, value: str) -> dict[bytes, bytes]:
    """A Cookie header carrying bytes that are not ASCII (a sibling subdomain can plant such a cookie)."""
    return {b"Cookie": f"{name}={value}".encode()}


# --- (a) A signature or CSRF token with a character that is not ASCII is invalid, never a 500 ---


@pytest.mark.shared
def test_a_done_cookie_whose_signature_is_not_ascii_is_ignored(server: Service) -> None:
    with server.client() as c:
        page = c.get(f"{WAVE}/thanks", headers=with_cookie("surveyapp_done", "eyJ3YXZlX2lkIjoieCJ9.é"))
    assert page.status_code == 200 and "Your code is no longer shown" in page.text


@pytest.mark.shared
def test_a_form_post_whose_csrf_token_is_not_ascii_is_refused_with_403(server: Service) -> None:
    with server.client() as c:
        hidden = dict(HIDDEN.findall(c.get(f"{WAVE}/q/respondent_role").text))
        for path in (f"{WAVE}/q/respondent_role", WAVE):
            page = c.post(path, data={**hidden, "csrf": "é" * 43, "respondent_role": "parent_carer"})
            assert page.status_code == 403 and "Nothing was stored" in page.text, page.text[:300]


@pytest.mark.shared
def test_a_session_cookie_whose_signature_is_not_ascii_is_no_session(server: Service) -> None:
    with server.client() as c:
        assert c.post("/sign-in", data={"token": ADMIN_TOKEN}, headers=BROWSER).status_code == 303
        body_part = c.cookies["surveyapp_session"].split(".")[0]
    with server.client() as c:
        page = c.get("/signed-in", headers={b"Accept": BROWSER["Accept"].encode(),
                                          **with_cookie("surveyapp_session", f"{body_part}.é")})
        assert page.status_code in (303, 401), page.text[:300]
        api = c.get("/api/v1/waves/2026-autumn/compare",
                    headers=with_cookie("surveyapp_session", f"{body_part}.{'é' * 64}"))
        assert api.status_code == 401, api.text


@pytest.mark.shared
def test_a_session_csrf_header_that_is_not_ascii_is_refused_with_403(server: Service) -> None:
    with server.client() as admin:
        assert admin.post("/sign-in", data={"token": ADMIN_TOKEN}, headers=BROWSER).status_code == 303
        refused = admin.post("/api/v1/admin/waves/2026-autumn/close", headers={b"X-CSRF-Token": "é".encode()})
    assert refused.status_code == 403, refused.text


# --- (b) A NUL byte in a comment is refused with a 400 naming the field, not acknowledged then lost ---


@pytest.mark.shared
def test_a_nul_byte_in_a_comment_is_refused_naming_the_field_and_nothing_is_stored(server: Service) -> None:
    before = server.count()
    with server.client() as c:
        for comment in ("\x00", "Good\x00 school"):
            answer = c.post(SUBMIT, json=body(answers={**ANSWERS, "q7a": comment}))
            assert answer.status_code == 400, answer.text
            assert [e["field"] for e in answer.json()["errors"]] == ["answers.q7a"], answer.text
            assert "NUL" in answer.json()["errors"][0]["message"]
    assert server.count() == before


@pytest.mark.shared
def test_a_nul_byte_typed_into_the_forms_comment_page_is_refused_there(server: Service) -> None:
    with server.client() as c:
        hidden = dict(HIDDEN.findall(c.get(f"{WAVE}/q/q7a").text))
        page = c.post(f"{WAVE}/q/q7a", data={**hidden, "q7a": "Good\x00 school"})
        assert page.status_code == 400 and "a character we cannot keep" in page.text, page.text[:500]
        assert "Good school" not in c.get(f"{WAVE}/check").text


# --- (c) JSON the API cannot take names the field; duplicate keys are refused ---


def fields_of(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 400, answer.text
    return [e["field"] for e in answer.json()["errors"]]


@pytest.mark.shared
@pytest.mark.parametrize(("raw", "field"), [
    (b'{"answers": {"q7": {"health_met": "tend_to_agree"}, "q7a": "\\ud800"}, "postcode": "ME14 1XX"}',
     "answers.q7a"),
    (b'{"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX", "child": 1e999}', "child"),
    (b'{"answers": {"q7": {"health_met": "tend_to_agree"}, "q7a": 1e999}, "postcode": "ME14 1XX"}', "answers.q7a"),
])
def test_a_lone_surrogate_or_an_infinite_number_names_its_field(server: Service, raw: bytes, field: str) -> None:
    with server.client() as c:
        answer = c.post(SUBMIT, content=raw, headers={"Content-Type": "application/json"})
    assert fields_of(answer) == [field], answer.text


@pytest.mark.shared
def test_an_unknown_fields_message_lists_every_allowed_field_child_too(server: Service) -> None:
    with server.client() as c:
        answer = c.post(SUBMIT, json=body(colour="blue"))
    assert fields_of(answer) == ["colour"]
    message = answer.json()["errors"][0]["message"]
    for allowed in ("answers", "postcode", "return_code", "submission_id", "language", "source", "channel", "child"):
        assert f"`{allowed}`" in message or allowed in message, allowed
    assert "child" in message


@pytest.mark.shared
@pytest.mark.parametrize(("raw", "key"), [
    (b'{"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX", "postcode": "CT1 1AA"}',
     "postcode"),
    (b'{"answers": {"q7": {"health_met": "tend_to_agree"}, "q7a": "one", "q7a": "two"}, "postcode": "ME14 1XX"}',
     "answers.q7a"),
])
def test_a_duplicate_json_key_is_refused_naming_it(server: Service, raw: bytes, key: str) -> None:
    before = server.count()
    with server.client() as c:
        answer = c.post(SUBMIT, content=raw, headers={"Content-Type": "application/json"})
    assert fields_of(answer) == [key], answer.text
    assert "more than once" in answer.json()["errors"][0]["message"]
    assert server.count() == before


# --- (d) A 503 for a full disk says so without the server's data path (the log has it) ---


def test_a_full_disk_is_a_503_that_names_no_path_of_the_server(
        request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    server = app_for(request)
    monkeypatch.setattr(writer_module, "ROOM_TO_RECOVER", 1 << 60)  # no room: the writer stays stopped
    data = server.store.path.parent
    with caplog.at_level(logging.ERROR):
        server.store.writer.report(duckdb.IOException(
            f'Could not write file "{data}/surveyapp.duckdb.wal": No space left on device'))
    with server.client() as c:
        answer = c.post(SUBMIT, json=body())
        health = c.get("/healthz")
    assert answer.status_code == 503 and "full" in answer.json()["detail"] and answer.headers["Retry-After"]
    assert health.status_code == 503 and "full" in health.json()["reason"]
    for text in (answer.text, health.text):
        assert str(data) not in text and "surveyapp.duckdb" not in text, text
    assert str(data) in caplog.text  # the operator still learns where


# --- (e) The confirmation cookie never shows the family's return code ---


def decodings(value: str) -> list[bytes]:
    """Every way someone at a shared computer might read a cookie's value back."""
    found = [value.encode()]
    for part in re.split(r"[.|:]", value):
        with contextlib.suppress(ValueError, binascii.Error):
            found.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        with contextlib.suppress(ValueError, binascii.Error):
            found.append(base64.b64decode(part + "=" * (-len(part) % 4)))
        with contextlib.suppress(ValueError):
            found.append(bytes.fromhex(part))
    return found


def test_the_done_cookie_does_not_hold_the_return_code_readably(server: Service, clock: FakeClock) -> None:
    with server.client() as c:
        def answer(page: str, **fields: str) -> httpx.Response:
            hidden = dict(HIDDEN.findall(c.get(f"{WAVE}/{page}").text))
            clock.now += dt.timedelta(seconds=5)
            return c.post(f"{WAVE}/{page}" if page != "check" else WAVE, data={**hidden, **fields})

        answer("q/code")
        answer("q/q7-health_met", **{"q7-health_met": "tend_to_agree"})
        sent = answer("check")
        assert sent.status_code == 303, sent.text[-2000:]
        done = c.cookies["surveyapp_done"]
        thanks = c.get(f"{WAVE}/thanks").text
        shown = re.search(r'<strong class="code" id="code">([A-Z]+-[A-Z]+-\d{4})</strong>', thanks)
    assert shown, "the confirmation shows the code, from the cookie"
    code = shown.group(1)
    for readable in decodings(done):
        for part in code.split("-"):
            assert part.encode() not in readable, readable


# --- (f) PDFs are printed only so many at a time; past that a clear 503 with Retry-After ---


@pytest.mark.browser  # once the slot is free, Chromium really prints the PDF
def test_a_pdf_asked_for_while_every_slot_is_printing_is_a_503_with_retry_after(request: pytest.FixtureRequest) -> None:
    server = app_for(request, public_url="https://survey.example.org", pdf_renders=1)
    with server.client(ADMIN_TOKEN) as admin, server.client(ANALYST_TOKEN) as analyst:
        source = admin.post("/api/v1/waves/2026-autumn/sources", json={"name": "Oakfield School"}).json()
        poster = f"/api/v1/waves/2026-autumn/sources/{source['source_id']}/poster.pdf"
        for _ in range(3):
            assert admin.post(SUBMIT, json=body()).status_code == 201
        slots = server.services.pdf_renders
        assert slots.acquire(blocking=False)  # one PDF is printing: the only slot SURVEYAPP_PDF_RENDERS=1 gives
        try:
            for busy in (admin.get(poster), analyst.get("/api/v1/waves/2026-autumn/report.zip?pdf=true")):
                assert busy.status_code == 503, busy.text[:300]
                assert busy.headers["Retry-After"] == "30"
                assert "try again in 30 seconds" in busy.json()["detail"]
            assert analyst.get("/api/v1/waves/2026-autumn/report.zip?pdf=false").status_code == 200  # no PDF asked
        finally:
            slots.release()
        if shutil.which("chromium") is None:
            pytest.skip("Chromium is missing: the slot's being given back is not checked by printing (make browser)")
        printed = admin.get(poster)  # the slot came back: the next PDF is printed
        assert printed.status_code == 200 and printed.content.startswith(b"%PDF"), printed.text[:300]
        assert slots.acquire(blocking=False)  # ... and given back again after printing
        slots.release()


def test_the_number_of_pdfs_printed_at_once_is_a_setting_of_at_least_one(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SURVEYAPP_PDF_RENDERS"):
        from_env({"SURVEYAPP_PDF_RENDERS": "0", "SURVEYAPP_DATA_DIR": str(tmp_path)})
    assert from_env({"SURVEYAPP_DATA_DIR": str(tmp_path)}).pdf_renders == 2

"""Issue 25, item 7: the defects an attacker's pass found, each seen from outside over HTTP through the real app
(docs/operations/reliability.md, "Defects found by an attacker's pass")."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.conftest import app_for
from tests.support import ADMIN_TOKEN, Service

WAVE = "/survey/2026-autumn"
SUBMIT = "/api/v1/waves/2026-autumn/responses"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ANSWERS = {"q7": {"health_met": "tend_to_agree"}, "respondent_role": "parent_carer"}


def body(**extra: object) -> dict[str, object]:
    return {"answers": ANSWERS, "postcode": "ME14 1XX", "submission_id": str(uuid.uuid4()), **extra}


def with_cookie(name: str, value: str) -> dict[str, bytes]:
    """A Cookie header carrying bytes that are not ASCII (a sibling subdomain can plant such a cookie)."""
    return {"Cookie": f"{name}={value}".encode()}


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
        page = c.get("/signed-in", headers={**BROWSER, **with_cookie("surveyapp_session", f"{body_part}.é")})
        assert page.status_code in (303, 401), page.text[:300]
        api = c.get("/api/v1/waves/2026-autumn/compare",
                    headers=with_cookie("surveyapp_session", f"{body_part}.{'é' * 64}"))
        assert api.status_code == 401, api.text


@pytest.mark.shared
def test_a_session_csrf_header_that_is_not_ascii_is_refused_with_403(server: Service) -> None:
    with server.client() as admin:
        assert admin.post("/sign-in", data={"token": ADMIN_TOKEN}, headers=BROWSER).status_code == 303
        refused = admin.post("/api/v1/admin/waves/2026-autumn/close", headers={"X-CSRF-Token": "é".encode()})
    assert refused.status_code == 403, refused.text

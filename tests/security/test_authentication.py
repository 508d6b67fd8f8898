"""Who a request is from is read once, by the authentication middleware, before the rate limiter, the guards and
the handlers (`request.user`): a signed-in member of staff is staff everywhere, and a wrong token or a dead
session stops no public page. Over HTTP, through the real app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from litestar import Request, get
from litestar.testing import TestClient

from surveyapp.app import create_app
from tests.conftest import StartService
from tests.support import ANALYST_TOKEN, STAFF_TOKEN, make_settings

BROWSER = {"Accept": "text/html"}
WAVE = "/survey/2026-autumn"
RESPONSES = "/api/v1/waves/2026-autumn/responses"
BODY = {"answers": {"respondent_role": "parent_carer", "q7": {"health_met": "tend_to_agree"}}, "postcode": "CT9 1AA"}
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def _post_page(browser: httpx.Client, path: str, target: str, **fields: str) -> httpx.Response:
    """Open a page and post its form back, with its hidden fields (the CSRF tokens) and these."""
    page = browser.get(path, headers=BROWSER)
    assert page.status_code == 200, page.text[:300]
    return browser.post(target, data={**dict(HIDDEN.findall(page.text)), **fields}, headers=BROWSER)


def _enter_paper_form(browser: httpx.Client, reference: str) -> httpx.Response:
    started = _post_page(browser, "/staff/2026-autumn/enter", f"{WAVE}/staff", channel="paper", reference=reference)
    assert started.status_code == 303, started.text[:300]
    for slug, answer in (("respondent_role", "parent_carer"), ("q7-health_met", "tend_to_agree")):
        assert _post_page(browser, f"{WAVE}/q/{slug}", f"{WAVE}/q/{slug}", **{slug: answer}).status_code == 303
    return _post_page(browser, f"{WAVE}/check", WAVE)


def test_staff_signed_in_from_a_browser_are_never_told_to_wait(start_service: StartService) -> None:
    """The rate limiter exempts staff by the session as by the token: it runs after the middleware."""
    service = start_service(staff_token=STAFF_TOKEN, rate_limit_per_minute=2, rate_limit_per_hour=2)
    with service.client() as browser:
        assert browser.post("/sign-in", data={"token": STAFF_TOKEN}, headers=BROWSER).status_code == 303
        sent = [_enter_paper_form(browser, f"{n:04d}") for n in range(1, 5)]
    assert [r.status_code for r in sent] == [303] * 4 and sent[-1].headers["location"] == f"{WAVE}/staff/done"
    with service.client() as family:  # the same address: staff used none of its allowance
        assert [family.post(RESPONSES, json=BODY).status_code for _ in range(3)] == [201, 201, 429]
    assert service.store.rows("SELECT channel, count(*) FROM responses GROUP BY channel ORDER BY channel") == [
        ("api", 2), ("paper", 4)]


def test_a_wrong_token_or_a_dead_session_stops_no_public_page(start_service: StartService) -> None:
    service = start_service(staff_token=STAFF_TOKEN)
    with service.client("not-a-token-of-anyone-0123456789") as stranger:
        assert stranger.get("/api/v1/waves").status_code == 200
        assert stranger.get(WAVE, headers=BROWSER).status_code == 200
        assert stranger.post(RESPONSES, json=BODY).status_code == 201
        assert stranger.get("/api/v1/waves/2026-autumn/compare").status_code == 401  # a guarded route still refuses
    with service.client() as browser:
        browser.headers["Cookie"] = "surveyapp_session=e30.forged"
        assert browser.get(WAVE, headers=BROWSER).status_code == 200
        assert browser.post(RESPONSES, json=BODY).status_code == 201
    assert service.count() == 2


@get("/who", sync_to_thread=False)
def who(request: Request[Any, Any, Any]) -> dict[str, Any]:
    user = request.user
    return {"role": user.role, "name": user.name, "session": user.in_session} if user else {"role": None}


def test_every_route_knows_who_the_request_is_from_as_request_user(tmp_path: Path) -> None:
    """A page added beside the service's (here an unguarded one) reads `request.user`: a bearer token's role, else
    the signed-in session's, else None; a bearer token wins over the cookie."""
    settings = make_settings(tmp_path / "data", staff_token=STAFF_TOKEN)
    with TestClient(create_app(settings, extra_handlers=[who])) as browser:
        assert browser.get("/who").json() == {"role": None}
        assert browser.get("/who", headers={"Authorization": "Bearer wrong"}).json() == {"role": None}
        assert browser.post("/sign-in", data={"token": STAFF_TOKEN}, follow_redirects=False).status_code == 303
        assert browser.get("/who").json() == {"role": "staff", "name": "Staff", "session": True}
        with_token = {"Authorization": f"Bearer {ANALYST_TOKEN}"}
        assert browser.get("/who", headers=with_token).json() == {"role": "analyst", "name": "Analyst",
                                                                  "session": False}

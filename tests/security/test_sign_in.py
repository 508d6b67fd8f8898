"""Signing in from a browser: the session cookie, its expiry and signature, the roles kept apart, CSRF, the
wrong-token limit, token rotation, the return path and the log, all over HTTP through the real app."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Request, Response, Router, get, post
from litestar.testing import TestClient

from surveyapp.app import create_app
from surveyapp.auth.guards import require
from surveyapp.auth.pages import csrf_field
from surveyapp.settings import SettingsError, from_env
from tests.conftest import StartService, app_for
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, STAFF_TOKEN, FakeClock, Service, make_settings

COOKIE = "surveyapp_session"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
COMPARE = "/api/v1/waves/2026-autumn/compare"


@pytest.fixture
def service(request: pytest.FixtureRequest) -> Service:
    return app_for(request, staff_token=STAFF_TOKEN)


def sign_in(client: httpx.Client, token: str, next_path: str | None = None) -> httpx.Response:
    data = {"token": token} if next_path is None else {"token": token, "next": next_path}
    return client.post("/sign-in", data=data, headers=BROWSER)


@contextmanager
def signed_in(service: Service, token: str) -> Iterator[httpx.Client]:
    """A browser signed in with this role's token (its cookie jar holds the session)."""
    with service.client() as client:
        assert sign_in(client, token).status_code == 303
        yield client


def csrf_of(client: httpx.Client) -> str:
    """The CSRF token the signed-in pages put in their forms."""
    page = client.get("/signed-in", headers=BROWSER)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def with_cookie(service: Service, value: str) -> httpx.Client:
    """Another browser presenting this cookie value (a copy, or a forgery)."""
    client = service.client()
    client.headers["Cookie"] = f"{COOKIE}={value}"
    return client


def wave_status(service: Service, wave_id: str = "2026-autumn") -> str:
    with service.client() as client:
        return str(next(w["status"] for w in client.get("/api/v1/waves").json() if w["wave_id"] == wave_id))


def test_a_right_token_sets_a_signed_httponly_strict_cookie_that_holds_no_token(service: Service) -> None:
    with service.client() as browser:
        page = browser.get("/sign-in", headers=BROWSER)
        assert page.status_code == 200
        assert re.search(r'<label class="label" for="token">', page.text)
        assert 'type="password"' in page.text and 'autocomplete="current-password"' in page.text
        signed = sign_in(browser, ANALYST_TOKEN)
        assert signed.status_code == 303 and signed.headers["location"] == "/signed-in"
        cookie = signed.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite=strict", "path=/", "max-age=28800"} <= flags
        assert "secure" not in flags  # plain HTTP here: a Secure cookie would never come back
        value = browser.cookies[COOKIE]
        claims = base64.urlsafe_b64decode(value.split(".")[0] + "==").decode()
        assert ANALYST_TOKEN not in value and ANALYST_TOKEN not in claims and '"roles":["analyst"]' in claims
        landing = browser.get("/signed-in", headers=BROWSER)
        assert landing.status_code == 200 and "Signed in as <strong>Analyst</strong>" in landing.text
        assert 'href="/tracker/2026-autumn"' in landing.text
        assert "/results/2026-autumn" not in landing.text and "No responses yet" in landing.text  # none stored here
        assert browser.get(COMPARE).status_code == 200  # the API too, with the cookie alone


def test_a_signed_in_analyst_downloads_the_spss_file_from_a_link(seeded_service: Service) -> None:
    with seeded_service.client() as browser:
        assert sign_in(browser, ANALYST_TOKEN).status_code == 303
        landing = browser.get("/signed-in").text
        assert 'href="/results/2026-autumn"' in landing and 'href="/results/2027-spring"' in landing
        link = re.search(r'href="(/api/v1/export\?waves=all&amp;format=sav)"', landing)
        assert link, "the landing page links the SPSS file"
        saved = browser.get(link.group(1).replace("&amp;", "&"), headers=BROWSER)
        assert saved.status_code == 200 and saved.content.startswith(b"$FL2")  # an SPSS system file
        assert saved.headers["content-disposition"] == 'attachment; filename="internal-all-waves-responses.sav"'


def test_behind_tls_the_cookie_is_secure(start_service: StartService) -> None:
    service = start_service(behind_tls=True)
    with service.client() as browser:
        assert "secure" in sign_in(browser, ANALYST_TOKEN).headers["set-cookie"].lower().split("; ")


def test_each_role_lands_on_what_it_can_open(service: Service) -> None:
    with signed_in(service, STAFF_TOKEN) as staff, signed_in(service, ADMIN_TOKEN) as admin:
        page = staff.get("/signed-in", headers=BROWSER).text
        assert 'href="/staff/2026-autumn/enter"' in page and "/results/" not in page
        assert 'href="/console/paper/2026-autumn"' in page  # paper forms on one page (issue 23)
        page = admin.get("/signed-in", headers=BROWSER).text  # the admin console, not JSON links (issue 23)
        assert 'href="/console"' in page and 'href="/console/sources"' in page and "/results/" not in page
        assert "/api/v1/" not in page and "POST" not in page
        assert admin.get("/console", headers=BROWSER).status_code == 200


def test_a_browser_without_a_session_is_sent_to_sign_in_and_back(service: Service) -> None:
    with service.client() as browser:
        sent = browser.get("/results/2026-autumn?baseline=baseline-2019", headers=BROWSER)
        assert sent.status_code == 303
        assert sent.headers["location"] == "/sign-in?next=/results/2026-autumn%3Fbaseline%3Dbaseline-2019"
        back = sign_in(browser, ANALYST_TOKEN, "/results/2026-autumn?baseline=baseline-2019")
        assert back.headers["location"] == "/results/2026-autumn?baseline=baseline-2019"
    with service.client() as script:  # JSON clients keep the JSON 401
        refused = script.get(COMPARE)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert "sign in at /sign-in" in refused.json()["detail"]


def test_a_wrong_token_shows_the_page_again_with_an_error_and_sets_nothing(service: Service) -> None:
    with service.client() as browser:
        wrong = sign_in(browser, "not-a-token-of-anyone-0123456789", "/results/2026-autumn")
        assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
        assert "<title>Error: Sign in" in wrong.text and "There is a problem" in wrong.text
        assert 'href="#token">That token is not recognised' in wrong.text
        assert 'name="next" value="/results/2026-autumn"' in wrong.text  # still going back there
        empty = sign_in(browser, "  ")
        assert empty.status_code == 400 and "Enter your role&#39;s token" in empty.text


def test_the_session_ends_when_its_hours_are_over_by_the_apps_clock(service: Service, clock: FakeClock) -> None:
    with signed_in(service, ANALYST_TOKEN) as browser:
        clock.now += dt.timedelta(hours=8, seconds=-1)
        assert browser.get(COMPARE).status_code == 200
        clock.now += dt.timedelta(seconds=2)
        assert browser.get(COMPARE).status_code == 401
        sent = browser.get("/results/2026-autumn", headers=BROWSER)
        assert sent.headers["location"] == "/sign-in?next=/results/2026-autumn&ended=true"
        assert "max-age=0" in sent.headers["set-cookie"].lower()  # the dead cookie is cleared
        assert "Your session has ended" in browser.get(sent.headers["location"], headers=BROWSER).text


def _rewritten(value: str, **changes: object) -> str:
    body, mac = value.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, **changes}).encode()).decode().rstrip("=")
    return f"{forged}.{mac}"


def test_a_tampered_cookie_is_refused(service: Service, clock: FakeClock) -> None:
    with signed_in(service, ANALYST_TOKEN) as browser:
        value = browser.cookies[COOKIE]
    forgeries = [_rewritten(value, role="admin"),  # another role, same signature
                 _rewritten(value, expires=clock.now.timestamp() + 10 * 86400),  # a longer session
                 value[:-1] + ("0" if value[-1] != "0" else "1"),  # the signature changed
                 value.split(".")[0], "", "a.b.c"]
    for forged in forgeries:
        with with_cookie(service, forged) as attacker:
            assert attacker.get(COMPARE).status_code == 401, forged
            assert attacker.post("/api/v1/admin/waves/2026-autumn/close").status_code == 401, forged
    assert wave_status(service) == "open"


def test_roles_are_kept_apart_in_sessions_as_with_tokens(service: Service) -> None:
    with signed_in(service, STAFF_TOKEN) as staff, signed_in(service, ANALYST_TOKEN) as analyst:
        page = staff.get("/results/2026-autumn", headers=BROWSER)
        assert page.status_code == 403 and "You are signed in as staff" in page.text
        assert 'action="/sign-out"' in page.text  # the way out is on the page
        assert staff.get(COMPARE).json()["detail"] == "this needs the analyst token, not the staff token"
        closing = analyst.post("/api/v1/admin/waves/2026-autumn/close", headers={"X-CSRF-Token": csrf_of(analyst)})
        assert closing.status_code == 403
        # a bearer header wins over the cookie, whichever way round
        assert analyst.get(COMPARE, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 403
        assert staff.get(COMPARE, headers={"Authorization": f"Bearer {ANALYST_TOKEN}"}).status_code == 200
        assert staff.get(COMPARE, headers={"Authorization": "Bearer wrong-token"}).status_code == 401


def test_a_sign_in_posted_from_another_site_is_refused(service: Service) -> None:
    with service.client() as browser:
        for header in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
            refused = browser.post("/sign-in", data={"token": ANALYST_TOKEN}, headers={**BROWSER, **header})
            assert refused.status_code == 403 and "set-cookie" not in refused.headers
        same = browser.post("/sign-in", data={"token": ANALYST_TOKEN}, headers={
            **BROWSER, "Sec-Fetch-Site": "same-origin", "Origin": "null"})  # Chromium under no-referrer
        assert same.status_code == 303


@pytest.mark.shared  # signing in to a shared app changes nothing the other `next` targets look at
@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/results", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "/%0d%0aSet-Cookie:x=1", "/results\r\nLocation: https://evil.example", "evil.example", "/sign-out",
])
def test_next_only_returns_to_a_page_of_this_site(service: Service, target: str) -> None:
    with service.client() as browser:
        assert "evil" not in browser.get("/sign-in", params={"next": target}, headers=BROWSER).text
        assert sign_in(browser, ANALYST_TOKEN, target).headers["location"] == "/signed-in"


def test_a_change_made_in_a_session_needs_its_csrf_token(service: Service) -> None:
    with signed_in(service, ADMIN_TOKEN) as admin:
        assert wave_status(service) == "open"
        missing = admin.post("/api/v1/admin/waves/2026-autumn/close")
        assert missing.status_code == 403 and "CSRF" in missing.json()["detail"]
        wrong = admin.post("/api/v1/admin/waves/2026-autumn/close", headers={"X-CSRF-Token": "0" * 64})
        assert wrong.status_code == 403 and wave_status(service) == "open"  # nothing changed
        page = admin.post("/sign-out", data={"csrf_token": "forged"}, headers=BROWSER)
        assert page.status_code == 403 and "This form has expired" in page.text
        assert admin.get("/signed-in").status_code == 200  # still signed in
        huge = admin.post("/sign-out", data={"csrf_token": csrf_of(admin), "padding": "x" * 70_000})
        assert huge.status_code == 403 and admin.get("/signed-in").status_code == 200  # too big to read: refused
        done = admin.post("/api/v1/admin/waves/2026-autumn/close", headers={"X-CSRF-Token": csrf_of(admin)})
        assert done.status_code == 200 and wave_status(service) == "closed"
    with service.client(ADMIN_TOKEN) as script:  # a bearer token needs no CSRF token
        assert script.post("/api/v1/admin/waves/2026-autumn/open").status_code == 200


def test_signing_out_clears_the_cookie_and_ends_the_session_even_for_a_copy(service: Service) -> None:
    with signed_in(service, ANALYST_TOKEN) as browser:
        copy = browser.cookies[COOKIE]
        out = browser.post("/sign-out", data={"csrf_token": csrf_of(browser)}, headers=BROWSER)
        assert out.status_code == 303 and out.headers["location"] == "/sign-in?signed_out=true"
        assert "max-age=0" in out.headers["set-cookie"].lower()
        assert "You have signed out" in browser.get(out.headers["location"], headers=BROWSER).text
        assert browser.get("/results/2026-autumn", headers=BROWSER).status_code == 303
    with with_cookie(service, copy) as thief:
        assert thief.get(COMPARE).status_code == 401


def test_wrong_tokens_are_limited_per_client_so_tokens_cannot_be_guessed(service: Service) -> None:
    with service.client() as browser:
        assert sign_in(browser, ANALYST_TOKEN).status_code == 303  # a right token costs nothing
        for i in range(5):
            assert sign_in(browser, f"guess-{i:02d}-abcdefghijklmnopqrstuvwxyz").status_code == 401
        over = sign_in(browser, ADMIN_TOKEN)  # even the right token waits now: else guessing goes on
        assert over.status_code == 429 and int(over.headers["retry-after"]) > 0
        assert "set-cookie" not in over.headers and "Too many wrong tokens" in over.text


def test_changing_a_roles_token_ends_that_roles_sessions_only(start_service: StartService, data_dir: Path) -> None:
    first = start_service(data_dir=data_dir)
    with signed_in(first, ANALYST_TOKEN) as analyst, signed_in(first, ADMIN_TOKEN) as admin:
        analyst_cookie, admin_cookie = analyst.cookies[COOKIE], admin.cookies[COOKIE]
    first.stop()
    again = start_service(data_dir=data_dir)  # a restart with the same tokens: sessions carry on
    with with_cookie(again, analyst_cookie) as analyst:
        assert analyst.get(COMPARE).status_code == 200
    again.stop()
    rotated = start_service(settings=from_env({}, data_dir=data_dir, admin_token=ADMIN_TOKEN,
                                              analyst_token="a-new-analyst-token-9876543210"))
    with with_cookie(rotated, analyst_cookie) as analyst, with_cookie(rotated, admin_cookie) as admin:
        assert analyst.get(COMPARE).status_code == 401
        assert admin.get("/signed-in").status_code == 200
    assert (data_dir / "secrets" / "session.key").stat().st_mode & 0o077 == 0


def test_sign_in_logs_what_happened_but_no_token_session_or_address(service: Service,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with service.client() as browser:
        sign_in(browser, "not-a-token-of-anyone-0123456789")
        sign_in(browser, ANALYST_TOKEN)
        value = browser.cookies[COOKIE]
        csrf = csrf_of(browser)
        browser.post("/api/v1/admin/waves/2026-autumn/close")
        browser.post("/sign-out", data={"csrf_token": csrf})
        browser.get(COMPARE)
    session_id = json.loads(base64.urlsafe_b64decode(value.split(".")[0] + "=="))["session"]
    text = caplog.text
    assert "sign-in refused: the token is not any role's" in text and "analyst signed in" in text
    assert "analyst signed out" in text and "admin access refused: analyst session used" in text
    for secret in (ANALYST_TOKEN, "not-a-token-of-anyone", value, value.split(".")[1], session_id, csrf,
                   service.peer):
        assert secret not in text


def test_session_settings_are_checked_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="SURVEYAPP_SESSION_HOURS"):
        from_env({"SURVEYAPP_SESSION_HOURS": "0"})
    with pytest.raises(SettingsError, match="SURVEYAPP_SIGN_IN_ATTEMPTS_PER_HOUR"):
        from_env({"SURVEYAPP_SIGN_IN_ATTEMPTS_PER_HOUR": "-1"})
    assert from_env({"SURVEYAPP_SESSION_HOURS": "1.5"}).session_hours == 1.5


def test_a_link_followed_from_another_site_is_opened_again_from_this_one(service: Service) -> None:
    """A signed-in browser withholds its SameSite=Strict cookie from a link in an email: the service asks it to
    open the address again from this site (which sends the cookie), before it would send it to sign in."""
    elsewhere = {**BROWSER, "Sec-Fetch-Site": "cross-site"}
    with service.client() as browser:
        bounce = browser.get("/results/2026-autumn?baseline=baseline-2019", headers=elsewhere)
        assert bounce.status_code == 200 and "Opening the page" in bounce.text
        assert '<meta http-equiv="refresh" content="0; url=/results/2026-autumn?baseline=baseline-2019">' in bounce.text
        again = browser.get("/results/2026-autumn", headers={**BROWSER, "Sec-Fetch-Site": "same-origin"})
        assert again.status_code == 303 and again.headers["location"].startswith("/sign-in?next=")
        assert browser.get(COMPARE, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 401  # not a page


NOTES: list[str] = []


@get("/staff-note", sync_to_thread=False)
def note_form(request: Request[Any, Any, Any]) -> Response[str]:
    return Response(f'<form method="post" action="/staff-note">{csrf_field(request)}<input name="note"></form>',
                    media_type="text/html")


@post("/staff-note", status_code=201)
async def save_note(request: Request[Any, Any, Any]) -> str:
    NOTES.append(str((await request.form()).get("note")))
    return "saved"


def test_another_staff_form_gets_the_session_and_csrf_rules_from_require_and_csrf_field(tmp_path: Path) -> None:
    """The seam other pages use: a Router guarded by `require`, a form carrying `csrf_field(request)`."""
    settings = make_settings(tmp_path / "data", staff_token=STAFF_TOKEN)
    staff_pages = Router(path="/", route_handlers=[note_form, save_note], guards=[require("staff", settings)])
    NOTES.clear()
    with TestClient(create_app(settings, extra_handlers=[staff_pages])) as browser:
        assert browser.get("/staff-note", headers=BROWSER, follow_redirects=False).headers["location"] == \
            "/sign-in?next=/staff-note"
        assert browser.post("/sign-in", data={"token": STAFF_TOKEN}, follow_redirects=False).status_code == 303
        form = browser.get("/staff-note").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        assert browser.post("/staff-note", data={"note": "forged"}).status_code == 403
        assert browser.post("/staff-note", data={"note": "paper", "csrf_token": token.group(1)}).status_code == 201
        assert NOTES == ["paper"]  # the guard read the form, and the handler read it again
        browser.cookies.clear()
        with_token = {"Authorization": f"Bearer {STAFF_TOKEN}"}
        assert "csrf_token" not in browser.get("/staff-note", headers=with_token).text  # no session, no field
        assert browser.post("/staff-note", data={"note": "phone"}, headers=with_token).status_code == 201
    assert NOTES == ["paper", "phone"]


HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def shows_the_bar(page: httpx.Response) -> bool:
    """Whether a page says who is signed in and offers Sign out, with every <style> its CSP allows (so the bar
    is drawn, not left unstyled by the browser)."""
    csp = page.headers["content-security-policy"]
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
              for css in STYLE.findall(page.text)]
    return ("Signed in as <strong>Staff</strong>" in page.text and 'action="/sign-out"' in page.text
            and len(hashes) == 2 and all(h in csp for h in hashes))


def test_staff_signed_in_from_a_browser_enter_a_paper_form_through_staff_mode(service: Service) -> None:
    """Staff mode's pages (issue 13's paper and phone entry) with the session alone, no bearer header: the start
    form carries the session's CSRF token, and the families' pages know a signed-in member of staff."""
    wave = "/survey/2026-autumn"

    def post_page(path: str, **fields: str) -> httpx.Response:
        page = browser.get(path, headers=BROWSER)
        assert page.status_code == 200, page.text[:300]
        assert shows_the_bar(page), path  # staff always see who they are signed in as, and Sign out
        target = f"{wave}/staff" if path.startswith("/staff/") else path if "/q/" in path else wave
        return browser.post(target, data={**dict(HIDDEN.findall(page.text)), **fields}, headers=BROWSER)

    with signed_in(service, STAFF_TOKEN) as browser:
        enter = browser.get("/staff/2026-autumn/enter", headers=BROWSER).text
        assert 'name="csrf_token"' in enter
        assert post_page("/staff/2026-autumn/enter", channel="paper", reference="77").status_code == 303
        assert "Staff mode: entering a paper form" in browser.get(f"{wave}/q/respondent_role").text
        post_page(f"{wave}/q/respondent_role", respondent_role="parent_carer")
        post_page(f"{wave}/q/q7-health_met", **{"q7-health_met": "tend_to_agree"})
        sent = post_page(f"{wave}/check")
        assert sent.status_code == 303 and sent.headers["location"] == f"{wave}/staff/done"
        assert shows_the_bar(browser.get(f"{wave}/staff/done", headers=BROWSER))
        assert shows_the_bar(browser.get(f"{wave}/check", headers=BROWSER))  # "This form has been entered"
        forged = browser.post(f"{wave}/staff", data={"channel": "phone"}, headers=BROWSER)
        assert forged.status_code == 403  # the session's CSRF token is missing: nothing started
    assert service.store.rows("SELECT channel, submission_id FROM responses") == [("paper", "paper-ref:0077")]

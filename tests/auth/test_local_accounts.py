"""Local accounts, as an admin and the person would meet them: the admin creates the account and passes on a
one-time link; the person sets a password under NIST SP 800-63B's rules, enrols an authenticator app on the
first sign-in and signs in with password and code; wrong guesses lock the account for a while; disabling and
role changes take effect at once."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import httpx
import pyotp
import pytest

from tests.support import ADMIN_TOKEN, FakeClock, Service

if TYPE_CHECKING:
    from tests.conftest import StartService

PASSWORD = "correct horse battery staple"


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "no CSRF field on the page"
    return found.group(1)


def create(server: Service, name: str, email: str, roles: list[str]) -> dict[str, object]:
    with server.client(ADMIN_TOKEN) as admin:
        made = admin.post("/api/v1/accounts/", json={"name": name, "email": email, "roles": roles})
        assert made.status_code == 201, made.text
        link = admin.post(f"/api/v1/accounts/{made.json()['account_id']}/link")
        assert link.status_code == 201
    return {**made.json(), "link": link.json()["url"]}


def set_password(browser: httpx.Client, link: str, password: str = PASSWORD) -> httpx.Response:
    path = re.sub(r"^https?://[^/]+", "", link)
    return browser.post(path, data={"password": password, "confirm": password})


def enrol(server: Service, browser: httpx.Client, email: str, password: str = PASSWORD) -> str:
    """Sign in for the first time as an admin or analyst: the QR page, then a code from the new secret."""
    sent = browser.post("/sign-in/password", data={"email": email, "password": password})
    assert sent.status_code == 303 and sent.headers["location"] == "/sign-in/enrol"
    page = browser.get("/sign-in/enrol")
    assert page.status_code == 200 and 'src="data:image/svg+xml;base64,' in page.text
    found = re.search(r'<code class="code">([A-Z2-7]+)</code>', page.text)
    assert found
    secret = found.group(1)
    done = browser.post("/sign-in/enrol", data={"code": pyotp.TOTP(secret).at(server.clock())})
    assert done.status_code == 303 and done.headers["location"] == "/signed-in"
    return secret


@pytest.mark.slow  # several Argon2id hashes (deliberately slow), a second on a busy machine
def test_an_admin_creates_an_analyst_who_sets_a_password_enrols_and_signs_in(server: Service) -> None:
    made = create(server, "Priya Shah", "Priya.Shah@kent.gov.uk", ["analyst"])
    assert made["email"] == "priya.shah@kent.gov.uk" and made["password_set"] is False
    with server.client() as browser:
        path = re.sub(r"^https?://[^/]+", "", str(made["link"]))
        page = browser.get(path)
        assert "Set your password" in page.text and "At least 8 characters" in page.text  # analysts have a 2nd factor
        assert set_password(browser, str(made["link"])).headers["location"] == "/sign-in?password_set=true"
        assert browser.get(path).status_code == 404  # the link works once
        secret = enrol(server, browser, "priya.shah@kent.gov.uk")
        landing = browser.get("/signed-in")
        assert "Signed in as <strong>Priya Shah</strong>" in landing.text and "Live trackers" in landing.text
        assert browser.get("/console/accounts").status_code == 403  # no admin role
    server.clock.now += dt.timedelta(minutes=1)
    with server.client() as browser:  # the next time: password, then a code
        sent = browser.post("/sign-in/password", data={"email": "PRIYA.SHAH@kent.gov.uk", "password": PASSWORD})
        assert sent.headers["location"] == "/sign-in/code"
        assert browser.get("/signed-in", headers={"Accept": "text/html"}).status_code == 303  # not signed in yet
        code = pyotp.TOTP(secret).at(server.clock())
        assert browser.post("/sign-in/code", data={"code": code}).headers["location"] == "/signed-in"
        assert browser.get("/signed-in").status_code == 200
    with server.client() as thief:  # the same code seen over a shoulder, a moment later: refused
        thief.post("/sign-in/password", data={"email": "priya.shah@kent.gov.uk", "password": PASSWORD})
        replay = thief.post("/sign-in/code", data={"code": code})
        assert replay.status_code == 401 and "was used already" in replay.text


@pytest.mark.parametrize(("password", "says"), [
    ("short", "at least 15 characters"),  # staff without a second factor: 15
    ("password1234567", "most commonly used"),
    ("1qaz2wsx3edc4rfv", "most commonly used"),
    ("sam.jones@kent.gov.uk!!", "your name, your e-mail address"),
    ("aaaaaaaaaaaaaaaaaaaa", "repeats a few characters"),
])
def test_a_weak_password_is_refused_with_the_reason_next_to_the_box(server: Service, password: str, says: str) -> None:
    made = create(server, "Sam Jones", "sam.jones@kent.gov.uk", ["staff"])
    with server.client() as browser:
        refused = set_password(browser, str(made["link"]), password)
        assert refused.status_code == 400 and says in refused.text
        assert 'href="#password"' in refused.text and 'id="password-error"' in refused.text
        assert browser.get(re.sub(r"^https?://[^/]+", "", str(made["link"]))).status_code == 200  # still usable


def test_staff_without_a_second_factor_sign_in_with_a_long_password_and_no_composition_rules(
        server: Service) -> None:
    made = create(server, "Sam Jones", "sam.jones@kent.gov.uk", ["staff"])
    with server.client() as browser:
        mismatch = browser.post(re.sub(r"^https?://[^/]+", "", str(made["link"])),
                                data={"password": PASSWORD, "confirm": PASSWORD + "x"})
        assert mismatch.status_code == 400 and "Enter the same password twice" in mismatch.text
        assert set_password(browser, str(made["link"])).status_code == 303  # lower case and spaces only: fine
        signed = browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk", "password": PASSWORD})
        assert signed.headers["location"] == "/signed-in"
        assert "Paper and phone responses" in browser.get("/signed-in").text


@pytest.mark.slow  # nine Argon2id checks
def test_wrong_passwords_lock_the_account_for_a_minute_then_longer(start_service: StartService,
                                                                   clock: FakeClock) -> None:
    server = start_service(sign_in_attempts_per_hour=0)  # the account's own limit, without the connection's
    made = create(server, "Sam Jones", "sam.jones@kent.gov.uk", ["staff"])
    with server.client() as browser:
        set_password(browser, str(made["link"]))
        for _ in range(5):
            wrong = browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk", "password": "nope" * 5})
            assert wrong.status_code == 401 and "is not right" in wrong.text
        locked = browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk", "password": PASSWORD})
        assert locked.status_code == 429 and "Wait 1 minute" in locked.text  # even the right password waits
        clock.now += dt.timedelta(seconds=61)
        browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk", "password": "nope" * 5})
        again = browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk", "password": PASSWORD})
        assert again.status_code == 429 and "Wait 2 minutes" in again.text  # doubled
        clock.now += dt.timedelta(seconds=121)
        assert browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk",
                                                       "password": PASSWORD}).status_code == 303


def test_an_unknown_address_and_a_wrong_password_get_the_same_answer(server: Service) -> None:
    made = create(server, "Sam Jones", "sam.jones@kent.gov.uk", ["staff"])
    with server.client() as browser:
        set_password(browser, str(made["link"]))
        unknown = browser.post("/sign-in/password", data={"email": "nobody@kent.gov.uk", "password": PASSWORD})
        wrong = browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk", "password": "x" * 16})
        assert unknown.status_code == wrong.status_code == 401
        assert "The e-mail address or the password is not right" in unknown.text and "not right" in wrong.text
        empty = browser.post("/sign-in/password", data={"email": "", "password": ""})
        assert empty.status_code == 400 and 'href="#email"' in empty.text


def test_disabling_ends_the_session_and_changed_roles_apply_on_the_next_page(server: Service) -> None:
    made = create(server, "Sam Jones", "sam.jones@kent.gov.uk", ["staff"])
    with server.client() as browser, server.client(ADMIN_TOKEN) as admin:
        set_password(browser, str(made["link"]))
        browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk", "password": PASSWORD})
        assert "Live trackers" not in browser.get("/signed-in").text
        changed = admin.patch(f"/api/v1/accounts/{made['account_id']}", json={"roles": ["staff", "analyst"]})
        assert changed.status_code == 200 and changed.json()["roles"] == ["staff", "analyst"]
        assert "Live trackers" in browser.get("/signed-in").text  # the same session, the new role
        assert admin.patch(f"/api/v1/accounts/{made['account_id']}", json={"enabled": False}).status_code == 200
        assert browser.get("/signed-in", headers={"Accept": "text/html"}).status_code == 303  # signed out
        refused = browser.post("/sign-in/password", data={"email": "sam.jones@kent.gov.uk", "password": PASSWORD})
        assert refused.status_code == 401


def test_the_last_admin_cannot_be_disabled_or_lose_the_role(server: Service) -> None:
    made = create(server, "Ada Admin", "ada@kent.gov.uk", ["admin"])
    with server.client(ADMIN_TOKEN) as admin:
        refused = admin.patch(f"/api/v1/accounts/{made['account_id']}", json={"enabled": False})
        assert refused.status_code == 400 and "only enabled admin" in refused.json()["errors"][0]["message"]
        assert refused.json()["errors"][0]["field"] == "roles"
        assert admin.patch(f"/api/v1/accounts/{made['account_id']}", json={"roles": ["staff"]}).status_code == 400
        assert admin.patch("/api/v1/accounts/acc_nobody", json={"enabled": False}).status_code == 404
        clash = admin.post("/api/v1/accounts/", json={"name": "Ada Again", "email": "ADA@kent.gov.uk",
                                                      "roles": ["staff"]})
        assert clash.status_code == 400 and clash.json()["errors"][0]["field"] == "email"
        bad = admin.post("/api/v1/accounts/", json={"name": "", "email": "ada", "roles": ["staff"]})
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "name"
        none = admin.post("/api/v1/accounts/", json={"name": "No Roles", "email": "n@kent.gov.uk", "roles": []})
        assert none.status_code == 400 and none.json()["errors"][0]["field"] == "roles"
    with server.client() as analyst:
        assert analyst.get("/api/v1/accounts/").status_code == 401


def test_a_new_link_stops_the_old_one_and_the_password_and_a_link_expires(server: Service, clock: FakeClock) -> None:
    made = create(server, "Sam Jones", "sam.jones@kent.gov.uk", ["staff"])
    with server.client(ADMIN_TOKEN) as admin:
        newer = admin.post(f"/api/v1/accounts/{made['account_id']}/link").json()["url"]
    with server.client() as browser:
        assert set_password(browser, str(made["link"])).status_code == 404  # the older link
        clock.now += dt.timedelta(hours=73)
        dead = set_password(browser, newer)
        assert dead.status_code == 404 and "This link does not work" in dead.text


@pytest.mark.slow  # Argon2id hashes
def test_wrong_codes_count_against_the_account_like_wrong_passwords(start_service: StartService) -> None:
    server = start_service(sign_in_attempts_per_hour=0)
    made = create(server, "Priya Shah", "priya@kent.gov.uk", ["admin"])
    with server.client() as browser:
        set_password(browser, str(made["link"]))
        secret = enrol(server, browser, "priya@kent.gov.uk")
    with server.client() as thief:  # knows the password, not the phone
        thief.post("/sign-in/password", data={"email": "priya@kent.gov.uk", "password": PASSWORD})
        right = pyotp.TOTP(secret).at(server.clock())
        wrong = "000000" if right != "000000" else "111111"
        for _ in range(5):
            assert thief.post("/sign-in/code", data={"code": wrong}).status_code == 401
        waiting = thief.post("/sign-in/code", data={"code": right})
        assert waiting.status_code == 429 and "Wait 1 minute" in waiting.text

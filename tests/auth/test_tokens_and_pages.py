"""Personal API tokens (made and revoked by their owner, kept only as a hash, with an expiry) and the account
pages an admin uses (CSRF on every form, errors naming their field); and turning the shared role tokens off."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import TYPE_CHECKING

import httpx

from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, FakeClock, Service

if TYPE_CHECKING:
    from tests.conftest import StartService

PASSWORD = "a long staff password for tests"


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "no CSRF field on the page"
    return found.group(1)


def staff_session(server: Service, browser: httpx.Client, email: str = "sam@kent.gov.uk") -> str:
    """A staff account made by the admin, its password set by link, signed in on `browser`: its id."""
    with server.client(ADMIN_TOKEN) as admin:
        made = admin.post("/api/v1/accounts/", json={"name": "Sam Jones", "email": email, "roles": ["staff"]}).json()
        link = admin.post(f"/api/v1/accounts/{made['account_id']}/link").json()["url"]
    browser.post(re.sub(r"^https?://[^/]+", "", link), data={"password": PASSWORD, "confirm": PASSWORD})
    assert browser.post("/sign-in/password", data={"email": email, "password": PASSWORD}).status_code == 303
    return str(made["account_id"])


def test_a_person_makes_a_token_uses_it_and_revokes_it(server: Service, clock: FakeClock) -> None:
    with server.client() as browser:
        staff_session(server, browser)
        page = browser.get("/account")
        assert "You have no tokens" in page.text
        made = browser.post("/account/tokens", data={"name": "nightly entry check", "days": "30",
                                                     "csrf_token": csrf(page)})
        token = re.search(r'<code id="token">(sva_[A-Za-z0-9_-]+)</code>', made.text)
        assert made.status_code == 200 and token, made.text[:300]
        secret = token.group(1)
        assert server.count("SELECT count(*) FROM api_tokens WHERE token_hash = ?",
                            [hashlib.sha256(secret.encode()).hexdigest()]) == 1
        assert server.count("SELECT count(*) FROM api_tokens WHERE token_hash = ?", [secret]) == 0  # not kept
        with server.client(secret) as script:
            mine = script.get("/api/v1/account/tokens/")
            assert mine.status_code == 200 and mine.json()[0]["name"] == "nightly entry check"
            assert script.get("/api/v1/accounts/").status_code == 403  # the owner's roles: staff, not admin
        listed = browser.get("/account")
        assert "nightly entry check" in listed.text and ">live<" in listed.text
        token_id = re.search(r'action="/account/tokens/(tok_[0-9a-f]+)/revoke"', listed.text)
        assert token_id
        no_csrf = browser.post(f"/account/tokens/{token_id.group(1)}/revoke")
        assert no_csrf.status_code == 403  # a form without the session's CSRF token changes nothing
        revoked = browser.post(f"/account/tokens/{token_id.group(1)}/revoke", data={"csrf_token": csrf(listed)})
        assert revoked.headers["location"] == "/account?revoked=1"
        with server.client(secret) as script:
            assert script.get("/api/v1/account/tokens/").status_code == 401


def test_a_token_stops_at_its_expiry_and_when_its_owner_is_disabled(server: Service, clock: FakeClock) -> None:
    with server.client() as browser:
        account_id = staff_session(server, browser)
        with server.client() as api:
            api.headers["X-CSRF-Token"] = csrf(browser.get("/account"))
            api.cookies = browser.cookies
            made = api.post("/api/v1/account/tokens/", json={"name": "export", "days": 2})
            assert made.status_code == 201 and made.json()["details"]["status"] == "live"
            short = api.post("/api/v1/account/tokens/", json={"name": "x", "days": 0})
            assert short.status_code == 400 and short.json()["errors"][0]["field"] == "days"
        secret = made.json()["token"]
    with server.client(secret) as script:
        assert script.get("/api/v1/account/tokens/").status_code == 200
        clock.now += dt.timedelta(days=2, seconds=1)
        assert script.get("/api/v1/account/tokens/").status_code == 401
        clock.now -= dt.timedelta(days=1)
        assert script.get("/api/v1/account/tokens/").status_code == 200
        with server.client(ADMIN_TOKEN) as admin:
            admin.patch(f"/api/v1/accounts/{account_id}", json={"enabled": False})
        assert script.get("/api/v1/account/tokens/").status_code == 401
        assert script.delete("/api/v1/account/tokens/tok_nothing").status_code == 401


def test_a_role_token_has_no_personal_tokens(server: Service) -> None:
    with server.client(ANALYST_TOKEN) as analyst:
        refused = analyst.post("/api/v1/account/tokens/", json={"name": "x"})
        assert refused.status_code == 403 and "named account" in refused.json()["detail"]


def test_an_admin_creates_and_manages_an_account_in_the_pages(server: Service) -> None:
    with server.client() as browser:
        browser.post("/sign-in", data={"token": ADMIN_TOKEN})  # the bootstrap admin
        form = browser.get("/console/accounts/new")
        assert form.status_code == 200 and 'type="checkbox"' in form.text
        token = csrf(form)
        blank = browser.post("/console/accounts", data={"name": "Lee Fox", "email": "not an address",
                                                        "roles": ["staff"], "csrf_token": token})
        assert blank.status_code == 400 and 'href="#email"' in blank.text and 'id="email-error"' in blank.text
        assert 'value="Lee Fox"' in blank.text  # what was typed stays
        no_role = browser.post("/console/accounts", data={"name": "Lee Fox", "email": "lee@kent.gov.uk",
                                                          "csrf_token": token})
        assert no_role.status_code == 400 and 'href="#roles"' in no_role.text
        made = browser.post("/console/accounts", data={"name": "Lee Fox", "email": "lee@kent.gov.uk",
                                                       "roles": ["staff", "analyst"], "csrf_token": token})
        assert made.status_code == 303
        detail = browser.get(made.headers["location"])
        assert "Account created" in detail.text and "Lee Fox" in detail.text
        account = made.headers["location"].split("?")[0]
        linked = browser.post(f"{account}/link", data={"csrf_token": token})
        assert linked.status_code == 200 and "/account/setup/" in linked.text
        roles = browser.post(f"{account}/roles", data={"roles": "admin", "csrf_token": token})
        assert browser.get(roles.headers["location"]).text.count('checked') == 1
        last = browser.post(f"{account}/enabled", data={"enabled": "false", "csrf_token": token})
        assert last.status_code == 400 and "only enabled admin account" in last.text  # the last admin stays
        none = browser.post(f"{account}/roles", data={"csrf_token": token})
        assert none.status_code == 400 and 'id="roles-error"' in none.text
        with server.client(ADMIN_TOKEN) as api:  # another admin: now Lee may go
            api.post("/api/v1/accounts/", json={"name": "Ada Admin", "email": "ada@kent.gov.uk", "roles": ["admin"]})
        disabled = browser.post(f"{account}/enabled", data={"enabled": "false", "csrf_token": token})
        assert "Account disabled" in browser.get(disabled.headers["location"]).text
        listing = browser.get("/console/accounts")
        assert "Lee Fox" in listing.text and "Disabled" in listing.text
        assert browser.post("/console/accounts", data={"name": "X", "email": "x@kent.gov.uk",
                                                       "roles": ["staff"]}).status_code == 403  # no CSRF token
        assert browser.get("/console/accounts/acc_nobody").status_code == 404


def test_with_role_tokens_off_only_named_accounts_sign_in(start_service: StartService) -> None:
    server = start_service(role_tokens=False)
    with server.client() as browser:
        page = browser.get("/sign-in")
        assert "Your role's token" not in page.text and "E-mail address" in page.text
        refused = browser.post("/sign-in", data={"token": ADMIN_TOKEN})
        assert refused.status_code == 403 and "Role tokens are turned off" in refused.text
    with server.client(ADMIN_TOKEN) as admin:
        assert admin.get("/api/v1/accounts/").status_code == 401


def test_sign_ins_refusals_and_account_changes_are_in_the_audit_log_by_name(server: Service) -> None:
    with server.client() as browser:
        staff_session(server, browser)  # created, linked, password set, signed in
        wrong = browser.post("/sign-in/password", data={"email": "sam@kent.gov.uk", "password": "x" * 20})
        assert wrong.status_code == 401
    with server.client(ADMIN_TOKEN) as admin:
        rows = admin.get("/api/v1/audit").json()
    done = [(r["action"], r["outcome"], r["actor_name"]) for r in rows]
    assert ("account created", "ok", "Admin") in done and ("one-time link made", "ok", "Admin") in done
    assert ("password set", "ok", "") not in done  # the person setting a password is not signed in yet
    assert ("sign-in with a password", "ok", "Sam Jones") in done
    refused = next(r for r in rows if r["action"] == "sign-in with a password" and r["outcome"] != "ok")
    assert refused["status"] == 401, refused
    assert PASSWORD not in str(rows) and "sam@kent.gov.uk" not in str(rows)

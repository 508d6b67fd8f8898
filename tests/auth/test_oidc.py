"""Single sign-on against a real OpenID provider on loopback (node-oidc-provider): the whole code flow with PKCE,
the provider's login page filled in as a person would, and each way it must fail with its own page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from tests.auth.conftest import Provider
from tests.support import ADMIN_TOKEN, CA, FakeClock, Service

if TYPE_CHECKING:
    from tests.conftest import StartService

APP = "http://testserver.local"


@pytest.fixture(scope="module")
def provider(provider_for: Callable[[list[str]], Provider]) -> Provider:
    return provider_for([f"{APP}/sign-in/oidc/callback"])


@pytest.fixture
def sso(start_service: StartService, provider: Provider, clock: FakeClock) -> Service:
    """The service with single sign-on through the provider, its clock on real time (the provider's)."""
    clock.now = dt.datetime.now(dt.UTC)
    provider.mode("normal")
    return start_service(public_url=APP, **provider.settings())


def add_account(server: Service, email: str, roles: list[str]) -> None:
    with server.client(ADMIN_TOKEN) as admin:
        made = admin.post("/api/v1/accounts/", json={"name": email.split("@")[0].title(), "email": email,
                                                     "roles": roles})
        assert made.status_code == 201


def sign_in_at_provider(browser: httpx.Client, provider: Provider, login: str) -> str:
    """From the service's button to the provider's login page and back: the callback address (not yet opened)."""
    start = browser.get("/sign-in/oidc", params={"next": "/account"})
    assert start.status_code == 303
    sent_to = urlsplit(start.headers["location"])
    query = parse_qs(sent_to.query)
    assert query["code_challenge_method"] == ["S256"] and query["response_type"] == ["code"]
    assert query["nonce"] and query["state"] and query["redirect_uri"] == [f"{APP}/sign-in/oidc/callback"]
    with httpx.Client(timeout=30, verify=CA) as idp:
        page = idp.get(start.headers["location"])
        while page.status_code in (302, 303):
            page = idp.get(urljoin(provider.issuer, page.headers["location"]))
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        assert action, page.text[:500]
        answer = idp.post(urljoin(provider.issuer, action.group(1)),
                          data={"prompt": "login", "login": login, "password": "anything"})
        while not answer.headers["location"].startswith(APP):
            answer = idp.get(urljoin(provider.issuer, answer.headers["location"]))
    return answer.headers["location"].removeprefix(APP)


def test_a_person_the_admin_added_signs_in_with_the_roles_given(sso: Service, provider: Provider) -> None:
    add_account(sso, "alice@example.org", ["analyst", "staff"])
    with sso.client() as browser:
        assert "Sign in with your test account" in browser.get("/sign-in").text
        landed = browser.get(sign_in_at_provider(browser, provider, "alice"))
        assert landed.status_code == 303 and landed.headers["location"] == "/account"  # the page asked for
        page = browser.get("/account")
        assert "Alice" in page.text and "analyst, staff" not in page.text and "staff, analyst" in page.text
        assert "Live trackers" in browser.get("/signed-in").text  # the analyst's pages
    with sso.client(ADMIN_TOKEN) as admin:
        (alice,) = admin.get("/api/v1/accounts/").json()
        assert alice["single_sign_on"] is True  # linked by the verified address, by subject from now on


def test_an_address_the_provider_does_not_vouch_for_is_not_matched(sso: Service, provider: Provider) -> None:
    add_account(sso, "alice@example.org", ["admin"])
    with sso.client() as browser:
        refused = browser.get(sign_in_at_provider(browser, provider, "mallory"))  # claims Alice's address
        assert refused.status_code == 403 and "You do not have an account here" in refused.text
        assert browser.get("/signed-in", headers={"Accept": "text/html"}).status_code == 303


def test_an_unknown_person_gets_a_page_saying_to_ask_an_admin(sso: Service, provider: Provider) -> None:
    with sso.client() as browser:
        refused = browser.get(sign_in_at_provider(browser, provider, "stranger"))
        assert refused.status_code == 403 and "Ask an admin of the survey to add you" in refused.text


def test_an_id_token_for_another_application_is_refused(sso: Service, provider: Provider) -> None:
    add_account(sso, "alice@example.org", ["analyst"])
    provider.mode("wrong-audience")
    with sso.client() as browser:
        refused = browser.get(sign_in_at_provider(browser, provider, "alice"))
        assert refused.status_code == 400 and "This sign-in was meant for another service" in refused.text
        assert "surveyapp_session" not in browser.cookies


def test_an_expired_id_token_is_refused(sso: Service, provider: Provider) -> None:
    add_account(sso, "alice@example.org", ["analyst"])
    provider.mode("expired")
    with sso.client() as browser:
        refused = browser.get(sign_in_at_provider(browser, provider, "alice"))
        assert refused.status_code == 400 and "Your sign-in has expired" in refused.text


def test_a_replayed_state_is_refused_and_a_state_from_elsewhere_too(sso: Service, provider: Provider) -> None:
    add_account(sso, "alice@example.org", ["analyst"])
    with sso.client() as browser:
        callback = sign_in_at_provider(browser, provider, "alice")
        pending = browser.cookies["surveyapp_pending"]
        assert browser.get(callback).status_code == 303  # signed in
    with sso.client() as attacker:  # the same answer and cookie, presented again
        replayed = attacker.get(callback, headers={"Cookie": f"surveyapp_pending={pending}"})
        assert replayed.status_code == 400 and "This sign-in has already been used" in replayed.text
        assert "surveyapp_session" not in attacker.cookies
        elsewhere = attacker.get(callback)  # without the browser's cookie: not started here
        assert elsewhere.status_code == 400 and "This sign-in was not started here" in elsewhere.text


def test_a_disabled_account_cannot_sign_in(sso: Service, provider: Provider) -> None:
    add_account(sso, "alice@example.org", ["analyst"])
    with sso.client(ADMIN_TOKEN) as admin:
        (alice,) = admin.get("/api/v1/accounts/").json()
        admin.patch(f"/api/v1/accounts/{alice['account_id']}", json={"enabled": False})
    with sso.client() as browser:
        refused = browser.get(sign_in_at_provider(browser, provider, "alice"))
        assert refused.status_code == 403 and "Your account is disabled" in refused.text


def test_the_provider_saying_no_gets_its_own_page(sso: Service) -> None:
    with sso.client() as browser:
        denied = browser.get("/sign-in/oidc/callback", params={"error": "access_denied", "state": "x"})
        assert denied.status_code == 400 and "The sign-in was not completed" in denied.text


def test_roles_from_the_providers_groups(start_service: StartService, provider: Provider, clock: FakeClock) -> None:
    clock.now = dt.datetime.now(dt.UTC)
    provider.mode("normal")
    server = start_service(public_url=APP, oidc_groups_claim="groups", oidc_group_roles="admin=g-admins, staff=g-staff",
                           **provider.settings())
    with server.client() as browser:
        assert browser.get(sign_in_at_provider(browser, provider, "gina")).status_code == 303
        assert "Paper and phone responses" in browser.get("/signed-in").text
        refused = browser.get(sign_in_at_provider(browser, provider, "alice"))  # in no group of the service
        assert refused.status_code == 403
    with server.client(ADMIN_TOKEN) as admin:
        (gina,) = admin.get("/api/v1/accounts/").json()
        assert gina["roles"] == ["staff"] and gina["email"] == "gina@example.org"


def test_without_single_sign_on_the_button_is_not_offered(server: Service) -> None:
    with server.client() as browser:
        assert 'id="oidc"' not in browser.get("/sign-in").text
        assert browser.get("/sign-in/oidc").status_code == 404

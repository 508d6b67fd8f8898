"""In a real headless Chromium: a person the admin added signs in through the OpenID provider's own login page
and lands signed in with the roles the admin gave; an admin creates a local account and hands on its link; the
person sets a password, enrols an authenticator app from the QR page and makes an API token. axe-core finds
nothing on any of the account pages, at 375 and 1280 px.

Set FORM_SCREENSHOTS=docs/img to save the screenshots the docs show.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from surveyapp.app import create_app
from tests.auth.conftest import Provider
from tests.browsing import DESK, PHONE, axe_violations, sign_in
from tests.support import ADMIN_TOKEN, FakeClock, make_settings, wait_until_started

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(240)]
SHOTS = os.environ.get("FORM_SCREENSHOTS")


def landed(page: Page, shot: str = "") -> None:
    """No axe violation at a phone's width or a desk's; a screenshot for the docs when asked."""
    for size in (PHONE, DESK):
        page.set_viewport_size(size)
        assert axe_violations(page) == [], page.url
    page.set_viewport_size(PHONE)
    if SHOTS and shot:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{shot}.png"), full_page=True)


class Served:
    """The service by uvicorn on a socket bound first, so that its address (the redirect URI) is known to the
    provider and the settings before it starts."""

    def __init__(self, tmp_path: Path, provider_for: Callable[[list[str]], Provider]) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.provider = provider_for([f"{self.url}/sign-in/oidc/callback"])
        self.clock = FakeClock(dt.datetime.now(dt.UTC))
        settings = make_settings(tmp_path / "data", public_url=self.url, **self.provider.settings())
        self.server = uvicorn.Server(uvicorn.Config(create_app(settings, clock=self.clock), access_log=False,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        wait_until_started(self.server, self.thread)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()


@pytest.fixture
def served(tmp_path: Path, provider_for: Callable[[list[str]], Provider]) -> Iterator[Served]:
    service = Served(tmp_path, provider_for)
    yield service
    service.stop()


def test_a_person_signs_in_through_the_providers_login_page(served: Served, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, served.url, ADMIN_TOKEN)  # the first admin, by the bootstrap token
    page.goto(served.url + "/console/accounts/new")
    landed(page, "accounts-1-new")
    page.fill("#name", "Alice Okafor")
    page.fill("#email", "not an address")
    page.check("#roles-analyst")
    page.click("button:has-text('Create the account')")
    assert "Enter an e-mail address" in page.locator("#email-error").inner_text()
    landed(page)
    page.fill("#email", "alice@example.org")
    page.click("button:has-text('Create the account')")
    assert page.locator("h1").inner_text() == "Alice Okafor"
    landed(page, "accounts-2-account")
    page.click(".staff-bar button:has-text('Sign out')")
    context.close()

    context = browser.new_context(viewport=PHONE)  # Alice, in her own browser
    page = context.new_page()
    page.goto(served.url + "/account")
    assert "/sign-in" in page.url
    landed(page, "sign-in-0-ways")
    page.click("#oidc")  # to the provider's own login page
    assert page.url.startswith(served.provider.issuer)
    page.fill("input[name=login]", "alice")
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_url(served.url + "/account")  # back, signed in, on the page asked for
    assert page.locator(".staff-bar").inner_text().startswith("Signed in as Alice Okafor")
    assert "analyst" in page.locator("main").inner_text()
    page.goto(served.url + "/signed-in")
    assert page.locator("text=Live trackers").count() == 1 and page.locator("a[href='/console/accounts']").count() == 0
    page.goto(served.url + "/console/accounts")
    assert page.locator("h1").inner_text() == "You cannot open this page"  # the admin gave analyst only
    context.close()


def test_a_local_account_sets_its_password_enrols_and_makes_a_token(served: Served, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, served.url, ADMIN_TOKEN)
    page.goto(served.url + "/console/accounts/new")
    page.fill("#name", "Priya Shah")
    page.fill("#email", "priya@kent.gov.uk")
    page.check("#roles")  # admin
    page.click("button:has-text('Create the account')")
    page.click("button:has-text('Make a one-time link')")
    link = page.locator("#link").inner_text()
    landed(page, "accounts-3-link")
    page.goto(served.url + "/console/accounts")
    landed(page, "accounts-4-list")
    context.close()

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(link)
    landed(page, "accounts-5-set-password")
    page.fill("#password", "password")
    page.fill("#confirm", "password")
    page.click("button:has-text('Set my password')")
    assert "most commonly used" in page.locator("#password-error").inner_text()
    landed(page)
    page.fill("#password", "heron kettle marble")
    page.fill("#confirm", "heron kettle marble")
    page.click("button:has-text('Set my password')")
    assert "Your password is set" in page.locator(".notice").inner_text()
    page.fill("#email", "priya@kent.gov.uk")
    page.fill("#password", "heron kettle marble")
    page.click("form[action='/sign-in/password'] button")
    assert page.locator("h1").inner_text() == "Set up your authenticator app"
    landed(page, "accounts-6-enrol")
    secret = page.locator("code.code").inner_text()
    page.fill("#code", pyotp.TOTP(secret).at(served.clock()))
    page.click("button:has-text('Continue')")
    assert page.locator(".staff-bar").inner_text().startswith("Signed in as Priya Shah")
    page.goto(served.url + "/account")
    landed(page, "accounts-7-your-account")
    page.fill("#name", "nightly export")
    page.click("button:has-text('Make the token')")
    assert re.fullmatch(r"sva_[A-Za-z0-9_-]{43}", page.locator("#token").inner_text())
    landed(page, "accounts-8-token")
    context.close()

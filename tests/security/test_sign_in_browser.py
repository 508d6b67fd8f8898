"""An analyst signs in from a real headless Chromium at 375 px, reads the board report and the live tracker,
signs out and is sent back to sign in; an admin opening the report is told it is for analysts. axe-core finds
nothing on the sign-in page, its error states, the landing page, the tracker, the wrong-role page or the
signed-in bar on the report.

Chromium is Debian's (`make browser` installs it); axe-core is vendored in tests/vendor.
Set FORM_SCREENSHOTS=docs/img to save the screenshots the docs show.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.browsing import PHONE, axe_violations, sign_in
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, Service

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(240)]

SHOTS = os.environ.get("FORM_SCREENSHOTS")


def landed(page: Page, shot: str = "", within: str | None = None) -> None:
    assert axe_violations(page, within) == [], page.url
    if SHOTS and shot:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{shot}.png"), full_page=True)


def path_of(page: Page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_an_analyst_signs_in_reads_the_report_and_signs_out(seeded_live: Service, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE)  # the pages have no script; axe needs JavaScript to run
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto(seeded_live.url + "/results/2026-autumn")
    assert path_of(page) == "/sign-in?next=/results/2026-autumn"
    assert page.locator("h1").inner_text() == "Sign in"
    landed(page, "sign-in-1-page")

    page.click("button:has-text('Sign in with the token')")  # nothing typed
    assert page.title().startswith("Error: ")
    assert "Enter your role's token" in page.locator(".error-summary").inner_text()
    assert page.evaluate("document.activeElement.className") == "error-summary"  # focused, without script
    landed(page, "sign-in-2-error")
    page.fill("#token", "not-the-token-0123456789abcdef")
    page.click("button:has-text('Sign in with the token')")
    assert "That token is not recognised" in page.locator("#token-error").inner_text()
    landed(page)
    page.click(".error-summary a")  # the summary's link goes to the box
    assert page.evaluate("document.activeElement.id") == "token"

    page.fill("#token", ANALYST_TOKEN)
    page.click("button:has-text('Sign in with the token')")
    assert path_of(page) == "/results/2026-autumn"  # back to the page asked for
    assert page.locator(".staff-bar").inner_text().startswith("Signed in as Analyst")
    # the bar's own style is allowed by the report's CSP (blocked, the bar would have no background)
    assert page.evaluate("getComputedStyle(document.querySelector('.staff-bar')).backgroundColor") == \
        "rgb(243, 242, 241)"
    assert page.locator("figure svg").count() > 0  # the report itself, charts drawn
    # the whole report, charts included, as an analyst reads it on a phone and at a desk: nothing for axe,
    # nothing wider than the screen (a chart's own marks once failed svg-img-alt)
    landed(page)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # every table of figures
    landed(page)  # a wide table scrolls in its own labelled, focusable box, never the whole page
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.evaluate("""Math.max(...[...document.querySelectorAll('caption')].map(
        c => c.getBoundingClientRect().right))""") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 900})
    landed(page)
    page.set_viewport_size(PHONE)
    cookie = next(c for c in context.cookies() if c["name"] == "surveyapp_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and ANALYST_TOKEN not in cookie["value"]

    page.click(".staff-bar a:has-text('Your pages')")
    assert path_of(page) == "/signed-in"
    assert page.locator("a[href='/results/2026-autumn']").count() == 1
    landed(page, "sign-in-3-landing")
    page.click("a[href='/tracker/2026-autumn']")  # the live tracker, in the same session
    assert path_of(page) == "/tracker/2026-autumn" and page.locator(".headline").is_visible()
    assert page.locator(".staff-bar").inner_text().startswith("Signed in as Analyst")
    landed(page)
    page.click(".staff-bar a:has-text('Your pages')")

    page.click(".staff-bar button:has-text('Sign out')")
    assert path_of(page) == "/sign-in?signed_out=true"
    assert "You have signed out" in page.locator(".notice").inner_text()
    landed(page)
    assert not [c for c in context.cookies() if c["name"] == "surveyapp_session"]

    page.goto(seeded_live.url + "/results/2026-autumn")
    assert path_of(page) == "/sign-in?next=/results/2026-autumn"

    page.fill("#token", ADMIN_TOKEN)  # the wrong role for the report
    page.click("button:has-text('Sign in with the token')")
    assert path_of(page) == "/results/2026-autumn" and page.locator("h1").inner_text() == "You cannot open this page"
    assert "You are signed in as admin" in page.locator("main").inner_text()
    landed(page, "sign-in-4-wrong-role")
    page.click(".staff-bar button:has-text('Sign out')")
    assert path_of(page) == "/sign-in?signed_out=true"
    assert hosts == {urlsplit(seeded_live.url).netloc}  # nothing asked of any other host
    context.close()


def test_a_link_in_an_email_opens_the_report_in_a_signed_in_browser(seeded_live: Service, browser: Browser) -> None:
    """Chromium withholds the SameSite=Strict cookie from a link on another site; the service has the browser
    open the address again from its own page, and the signed-in analyst gets the report, not the sign-in page."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, seeded_live.url, ANALYST_TOKEN)
    assert path_of(page) == "/signed-in"
    mail = "http://mail.example/inbox"
    context.route(mail, lambda route: route.fulfill(status=200, content_type="text/html", body=(
        f'<!DOCTYPE html><html lang="en"><title>Inbox</title><a href="{seeded_live.url}/results/2026-autumn">'
        "This term's report</a></html>")))
    page.goto(mail)
    page.click("text=This term's report")
    page.wait_for_url(seeded_live.url + "/results/2026-autumn")
    assert page.locator(".staff-bar").inner_text().startswith("Signed in as Analyst")
    with seeded_live.client() as http:  # the page in between, as Chromium got it, through axe
        opening = http.get("/results/2026-autumn", headers={"Accept": "text/html", "Sec-Fetch-Site": "cross-site"})
    blank = context.new_page()
    blank.set_content(opening.text)  # on about:blank its refresh goes nowhere, so axe can look at it
    assert blank.locator("h1").inner_text() == "Opening the page"
    landed(blank)
    context.close()

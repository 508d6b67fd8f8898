"""The families' form in a real headless Chromium at 375 px: the whole journey with and without JavaScript,
axe-core on every page, Back and resend, leave and return, a restart in the middle, and the keyboard alone.

Chromium is Debian's (`make browser` installs it); axe-core is vendored in tests/vendor (see its README).
Set FORM_SCREENSHOTS=docs/img to save the screenshots the docs show.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response

from tests.browsing import PHONE, axe_violations
from tests.support import FakeClock, Service

pytestmark = [pytest.mark.browser, pytest.mark.uvicorn]  # a real browser needs a real server

WAVE = "/survey/2026-autumn"
SHOTS = os.environ.get("FORM_SCREENSHOTS")
STATEMENTS = ["local_offer_useful", "setting_provision", "setting_skills", "health_met", "social_care_met",
              "assessment_wait", "included_in_planning", "making_progress"]


def axe_violations_without_script(page: Page, checker: Page, csp: str) -> list[str]:
    """axe on a page as a browser with JavaScript off has it.

    With JavaScript off axe cannot run in that browser (its checks wait on timers and promises the page may not
    run), and nothing ran on the page either, so its DOM is exactly the HTML it was sent. That HTML, with the
    page's real Content-Security-Policy, is served again at the same address to `checker`, a tab whose own
    script (/static/form.js) is blocked, and axe runs there through DevTools: the same markup, the same inline
    style, the same focus-free state, no page script.
    """
    html, url = page.content(), page.url

    def same_address(address: str) -> bool:
        return address == url

    checker.route(same_address, lambda route: route.fulfill(
        status=200, body=html, headers={"content-type": "text/html; charset=utf-8", "content-security-policy": csp}))
    try:
        checker.goto(url)
        assert checker.title() == page.title()  # the page as sent (an error page's title says "Error:")
        return axe_violations(checker)
    finally:
        checker.unroute(same_address)


class Walk:
    """A family's phone: it checks every page it lands on with axe, and may photograph it."""

    def __init__(self, context: BrowserContext, server: Service, clock: FakeClock,
                 checker: BrowserContext | None = None) -> None:
        """`checker`, for a phone with JavaScript off: a context (with JavaScript) where axe checks its pages."""
        self.page, self.server, self.clock = context.new_page(), server, clock
        self.checker = None if checker is None else checker.new_page()
        if self.checker is not None:
            self.checker.route("**/static/form.js*", lambda route: route.abort())
        self.csp = ""
        self.requests: list[str] = []
        self.checked: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("response", self._document)

    def _document(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.request.frame == self.page.main_frame:
            self.csp = response.headers.get("content-security-policy", "")

    def landed(self, shot: str = "", **options: object) -> None:
        """axe finds nothing here, run in the page itself with JavaScript on, or on the same page's HTML in
        a tab without the page's script when JavaScript is off; the page is photographed when asked."""
        if self.checker is None:
            assert axe_violations(self.page) == [], self.page.url
            assert small_targets(self.page) == [], self.page.url
        else:
            assert axe_violations_without_script(self.page, self.checker, self.csp) == [], self.page.url
        self.checked.append(self.page.url)
        if SHOTS and shot:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SHOTS) / f"{shot}.png"), **options)

    def tick(self, name: str, value: str) -> None:
        """Choose an answer by tapping its label, as a person would."""
        self.page.locator(f"label.item:has(input[name='{name}'][value='{value}'])").click()

    def go_on(self) -> None:
        self.clock.now += dt.timedelta(seconds=5)
        self.page.click("#continue")

    def on(self, slug: str) -> bool:
        return self.page.url.split("?")[0] == f"{self.server.url}{WAVE}/q/{slug}"


TARGETS = ".service, .langs a, .back, .summary .actions a, button, summary, label.item"


def small_targets(page: Page) -> list[str]:
    """Controls standing on their own (not links inside a sentence) that are under 24 by 24 CSS px to tap,
    WCAG 2.2's target size minimum without leaning on its spacing exception."""
    return list(page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter(e => e.offsetParent !== null)
        .map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width < 24 || r.height < 24)
        .map(([e, r]) => `${e.tagName} "${e.innerText.slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`)
        """,
                              TARGETS))


def stored_for(server: Service, code: str) -> int:
    cohort = server.services.codes.cohort_key(code)
    return server.count("SELECT count(*) FROM responses WHERE cohort_key = ?", [cohort])


def test_the_whole_journey_at_375_px_with_javascript_passes_axe_on_every_page(
        server: Service, clock: FakeClock, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE)
    walk = Walk(context, server, clock)
    page = walk.page
    page.goto(server.url + "/")
    assert page.url == server.url + WAVE
    walk.landed("1-start")
    page.click("text=Start now")
    walk.landed("2-code")
    page.fill("#return_code", "MAPLE-OTTER-4217")
    walk.go_on()
    assert "only the example" in page.inner_text(".error-summary")
    page.fill("#return_code", "")
    walk.go_on()
    walk.landed("3-question")
    walk.tick("respondent_role", "parent_carer")
    walk.go_on()
    while not page.url.endswith("/check"):
        walk.landed("4-statement" if walk.on("q7-health_met") else "")
        if walk.on("health_services"):
            walk.tick("health_services", "camhs")
            walk.tick("health_services", "none")  # the page's script unticks CAMHS: "none" goes alone
            assert not page.is_checked("input[name=health_services][value=camhs]")
        if walk.on("q7-health_met"):
            walk.tick("q7-health_met", "strongly_agree")
            walk.tick("q7-health_met", "not_applicable")  # a mistaken tap, undone
        if walk.on("q7-making_progress"):
            walk.tick("q7-making_progress", "tend_to_disagree")
        if walk.on("postcode"):
            page.fill("#postcode", "XYZ")
            walk.go_on()
            assert page.title().startswith("Error: ")
            assert page.evaluate("document.activeElement.classList.contains('error-summary')")
            walk.landed("5-error")
            page.click(".error-list a")
            assert page.evaluate("document.activeElement.id") == "postcode"
            page.fill("#postcode", "ME14 5AB")
        walk.go_on()
    walk.landed("6-check")
    assert "Does not apply to me" in page.inner_text("dl.summary >> nth=2")
    page.get_by_role("link", name="Change 1. Who is answering?", exact=True).click()
    walk.tick("respondent_role", "family_member")
    walk.go_on()
    assert page.url == server.url + WAVE + "/check"
    assert "Grandparent or other family member" in page.inner_text("main")

    stale = context.new_page()  # the check page left open in another tab, to send again after Back
    stale.goto(server.url + WAVE + "/check")
    clock.now += dt.timedelta(seconds=5)
    page.click("#send")
    assert page.url == server.url + WAVE + "/thanks"
    code = page.inner_text("#code")
    assert re.fullmatch(r"[A-Z]+-[A-Z]+-\d{4}", code)
    assert page.is_visible("#copy-code") and page.is_visible("#print-page")
    walk.landed("7-confirmation")
    page.reload()
    assert page.inner_text("#code") == code
    page.go_back()
    assert "You have already sent your answers" in page.inner_text("h1")
    walk.landed()
    stale.click("#send")
    assert stale.inner_text("#code") == code
    assert stored_for(server, code) == 1 and server.count() == 1
    assert server.count("SELECT count(*) FROM responses WHERE postcode_district = 'ME14'") == 1
    assert server.count("SELECT count(*) FROM answers WHERE question_id = 'q7'") == 1  # not_applicable: unanswered
    assert len(walk.checked) >= 28
    assert walk.requests and all(url.startswith(server.url + "/") for url in walk.requests), walk.requests
    context.close()


def test_the_journey_without_javascript_in_easy_read(server: Service, clock: FakeClock, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    checker = browser.new_context(viewport=PHONE)
    walk = Walk(context, server, clock, checker)
    page = walk.page
    page.goto(server.url + WAVE)
    walk.landed()
    page.click("a[hreflang='en']:text('Easy read')")
    assert page.locator("html").get_attribute("lang") == "en"
    walk.landed()
    page.click("text=Start now")
    walk.landed()
    walk.go_on()
    assert page.locator("legend", has_text="1. Who are you?").count() == 1
    walk.landed()
    walk.go_on()
    walk.landed()
    walk.go_on()
    walk.landed()
    walk.tick("health_services", "other")
    walk.tick("health_services", "none")  # without the script both stay ticked: the server catches it
    walk.go_on()
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")  # autofocus, no script
    assert "Pick “None” on its own" in page.inner_text(".error-summary")
    walk.landed("easy-error")
    walk.tick("health_services", "none")
    walk.go_on()
    page.goto(server.url + WAVE + "/q/q7-health_met")
    assert "What this means:" in page.inner_text(".explain")
    walk.landed("easy-statement")
    walk.tick("q7-health_met", "dont_know")
    walk.go_on()
    page.goto(server.url + WAVE + "/check")
    walk.landed()
    clock.now += dt.timedelta(seconds=5)
    page.click("#send")
    assert page.locator("h1").inner_text() == "Thank you. We got your answers"
    assert not page.is_visible("#copy-code")  # needs a script; the code is plain text to copy or print
    walk.landed()
    assert stored_for(server, page.inner_text("#code")) == 1
    assert server.count("SELECT count(*) FROM responses WHERE language = 'en-easy'") == 1
    assert len(walk.checked) == 10
    assert walk.requests and all(url.startswith(server.url + "/") for url in walk.requests), walk.requests
    checker.close()
    context.close()


def test_easy_read_and_right_to_left_pages_pass_axe(start_service, clock: FakeClock, browser: Browser) -> None:
    server = start_service(live=True, languages="en-easy,pl,ro,ur")
    context = browser.new_context(viewport=PHONE)
    walk = Walk(context, server, clock)
    for path in (f"{WAVE}?lang=ur", f"{WAVE}/q/q7-health_met?lang=ur", f"{WAVE}/q/respondent_role?lang=pl",
                 f"{WAVE}?lang=en-easy", f"{WAVE}/q/health_services?lang=en-easy",
                 f"{WAVE}/q/q7-health_met?lang=en-easy", f"{WAVE}/q/postcode?lang=en-easy"):
        walk.page.goto(server.url + path)
        walk.landed("8-right-to-left" if "q7" in path and path.endswith("=ur") else "")
    walk.page.fill("#postcode", "XYZ")
    walk.go_on()
    assert "Type the first part of your postcode" in walk.page.inner_text(".error-summary")
    walk.landed()
    walk.page.fill("#postcode", "CT9")
    walk.go_on()
    walk.page.goto(server.url + f"{WAVE}/check?lang=ur")
    walk.landed()
    walk.page.goto(server.url + f"{WAVE}/q/q7-health_met?lang=ur")
    assert walk.page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert walk.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing off to one side
    assert walk.page.locator("h1").is_visible() and walk.page.evaluate("window.scrollX") == 0
    box = walk.page.locator("label.item >> nth=0").bounding_box()
    radio = walk.page.locator("label.item >> nth=0 >> input").bounding_box()
    assert box and radio and radio["x"] > box["x"] + box["width"] / 2  # the radio sits on the right
    context.close()


def test_leave_and_return_then_a_restart_in_the_middle(start_service, data_dir: Path, clock: FakeClock,
                                                       browser: Browser) -> None:
    server = start_service(live=True)
    context = browser.new_context(viewport=PHONE)
    walk = Walk(context, server, clock)
    walk.page.goto(server.url + WAVE + "/q/respondent_role")
    walk.tick("respondent_role", "young_person")
    walk.go_on()
    walk.page.close()  # the phone is put down
    server.stop()  # and the service restarts meanwhile
    clock.now += dt.timedelta(days=2)
    server = start_service(live=True, data_dir=data_dir)
    page = context.new_page()
    page.goto(server.url + "/")
    assert "You have answers saved" in page.inner_text("main")
    page.click("text=Continue where you left off")
    assert page.url == server.url + WAVE + "/q/education_setting"
    page.click("a.back")
    assert page.is_checked("input[value=young_person]")
    context.close()


def test_keyboard_alone_completes_a_page_and_sends(server: Service, clock: FakeClock, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + WAVE + "/q/code")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "return_code":
            break
    page.keyboard.type("maple otter 4218")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + WAVE + "/q/respondent_role")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "respondent_role":
            break
    page.keyboard.press("ArrowDown")  # arrows move through a radio group and choose
    assert page.is_checked("input[name=respondent_role][value=family_member]")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + WAVE + "/q/education_setting")
    page.goto(server.url + WAVE + "/q/q7-making_progress")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.name") != "q7-making_progress":
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + WAVE + "/q/q7a")
    page.goto(server.url + WAVE + "/check")
    while page.evaluate("document.activeElement.id") != "send":
        page.keyboard.press("Tab")
    clock.now += dt.timedelta(seconds=30)
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + WAVE + "/thanks")
    assert page.inner_text("#code") == "MAPLE-OTTER-4218"
    context.close()

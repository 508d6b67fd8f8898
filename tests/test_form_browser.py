"""The families' form in a real headless Chromium: the whole journey, axe-core, keyboard only, no JavaScript.

Chromium is Debian's (`make browser` installs it); axe-core is vendored in tests/vendor (see its README).
Set FORM_SCREENSHOTS=docs/img to save the screenshots the README shows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support import FakeClock, Service

pytestmark = [pytest.mark.browser, pytest.mark.uvicorn]  # a real browser needs a real server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WAVE = "/survey/2026-autumn"
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("FORM_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: run `make browser`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.0-2.2 A/AA violations on the page, run under the page's real CSP.

    page.evaluate goes through the DevTools protocol, which CSP does not govern, so no bypass is needed.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE + "\n;0")
    found = page.evaluate("""async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
        .violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))""",
                          WCAG)
    return list(found)


def screenshot(page: Page, name: str, **options: object) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), **options)


def tick(page: Page, name: str, value: str) -> None:
    """Choose an answer by clicking its label, as a person would."""
    page.locator(f"label.item:has(input[name='{name}'][value='{value}'])").click()


def stored_for(server: Service, code: str) -> int:
    cohort = server.services.codes.cohort_key(code)
    return server.count("SELECT count(*) FROM responses WHERE cohort_key = ?", [cohort])


def send_with_mistakes(page: Page, clock: FakeClock) -> None:
    """Answer a little, forget question 7 and mistype the postcode, then send."""
    tick(page, "respondent_role", "parent_carer")
    tick(page, "health_services", "camhs")
    tick(page, "health_services", "none")  # the page's script unticks CAMHS: "none" goes alone
    assert not page.is_checked("input[name=health_services][value=camhs]")
    page.fill("#postcode", "XYZ")
    clock.now += dt.timedelta(seconds=30)
    page.click("#send")


def test_whole_form_with_a_mistake_fixed_passes_axe_and_asks_no_other_host(
        server: Service, clock: FakeClock, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server.url + "/")
    assert page.url == server.url + WAVE
    assert axe_violations(page) == []
    screenshot(page, "form")
    send_with_mistakes(page, clock)

    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.locator(".error-list a").all_inner_texts()[0].startswith("Answer at least one statement")
    assert page.is_checked("input[name=respondent_role][value=parent_carer]")
    assert page.input_value("#postcode") == "XYZ"
    assert axe_violations(page) == []
    screenshot(page, "form-error")
    page.click(".error-list a[href='#q7-local_offer_useful']")
    assert page.evaluate("document.activeElement.id") == "q7-local_offer_useful"

    tick(page, "q7-local_offer_useful", "tend_to_disagree")
    page.fill("#postcode", "ME14 5AB")
    clock.now += dt.timedelta(seconds=30)
    page.click("#send")
    assert page.url == server.url + WAVE + "/thanks"
    code = page.inner_text("#code")
    assert re.fullmatch(r"[A-Z]+-[A-Z]+-\d{4}", code)
    assert axe_violations(page) == []
    screenshot(page, "form-confirmation", full_page=True)
    page.reload()
    assert page.inner_text("#code") == code
    assert stored_for(server, code) == 1 and server.count() == 1
    assert server.count("SELECT count(*) FROM responses WHERE postcode_district = 'ME14'") == 1
    assert requests and all(url.startswith(server.url + "/") for url in requests), requests
    context.close()


def press_tab_until(page: Page, condition: str, limit: int = 250) -> None:
    """Press Tab until the focused element meets the JavaScript condition on `el`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({condition}); }})()"):
            return
    raise AssertionError(f"Tab never reached {condition}")


def test_keyboard_alone_completes_the_form(server: Service, clock: FakeClock, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + WAVE)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    press_tab_until(page, "el.id === 'return_code'")
    page.keyboard.type("maple otter 4218")
    press_tab_until(page, "el.id === 'respondent_role'")
    page.keyboard.press("ArrowDown")  # arrows move through a radio group and choose
    assert page.is_checked("input[name=respondent_role][value=family_member]")
    press_tab_until(page, "el.name === 'health_services' && el.value === 'therapy'")
    page.keyboard.press("Space")
    press_tab_until(page, "el.id === 'q7-local_offer_useful'")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("input[name=q7-local_offer_useful][value=tend_to_agree]")
    press_tab_until(page, "el.id === 'q7a'")
    page.keyboard.type("Typed with the keyboard.")
    press_tab_until(page, "el.id === 'send'")
    clock.now += dt.timedelta(seconds=30)
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + WAVE + "/thanks")
    assert page.inner_text("#code") == "MAPLE-OTTER-4218"
    assert server.count("SELECT count(*) FROM answers WHERE question_id = 'health_services' "
                        "AND option_id = 'therapy'") == 1
    context.close()


def test_the_form_works_with_javascript_off_and_switches_to_easy_read(
        server: Service, clock: FakeClock, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(server.url + WAVE)
    page.click("a[hreflang='en']:text('Easy read')")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("legend", has_text="1. Who are you?").count() == 1
    tick(page, "health_services", "other")
    tick(page, "health_services", "none")  # without the script both stay ticked: the server catches it
    tick(page, "q7-making_progress", "dont_know")
    clock.now += dt.timedelta(seconds=30)
    page.click("#send")
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")  # autofocus, no script
    assert "tick “None” on its own" in page.inner_text(".error-summary")
    assert page.is_checked("input[name=q7-making_progress][value=dont_know]")
    tick(page, "health_services", "other")
    clock.now += dt.timedelta(seconds=30)
    page.click("#send")
    assert page.locator("h1").inner_text() == "Thank you. We got your answers"
    assert stored_for(server, page.inner_text("#code")) == 1
    assert server.count("SELECT count(*) FROM responses WHERE language = 'en-easy'") == 1
    context.close()

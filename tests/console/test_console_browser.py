"""The admin console and paper entry in a real Chromium: axe-core finds nothing on any console page (their
mistakes, confirmations and outcomes included; releases, "You said, we did" and the audit log too) at 375 and
1280 px; an admin creates a wave, opens it, registers a source and opens its poster from the console; a member of
staff types in a whole paper form with the keyboard alone, in tab order, in two page loads.

Set CONSOLE_SCREENSHOTS=docs/img to save the pictures docs/staff/console.md shows.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.browsing import DESK, PHONE, axe_violations, sign_in
from tests.conftest import Harness, StartService
from tests.support import ADMIN_TOKEN, STAFF_TOKEN
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, SingleChoice

pytestmark = [pytest.mark.browser, pytest.mark.uvicorn]

PUBLIC = "https://survey.example.org"
WAVE = "2026-autumn"
SHOTS = os.environ.get("CONSOLE_SCREENSHOTS")


@pytest.fixture
def live(start_service: StartService) -> Harness:
    return start_service(live=True, public_url=PUBLIC, staff_token=STAFF_TOKEN)


def shot(page: Page, name: str, *, full: bool = True) -> None:
    """A screenshot for the docs, reduced to 256 colours (as pngquant would) to keep the repository small."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        image = Image.open(io.BytesIO(page.screenshot(full_page=full))).convert("RGB").quantize(256)
        image.save(Path(SHOTS) / f"console-{name}.png", optimize=True)


def checked(page: Page, where: str) -> None:
    """axe finds nothing, and nothing scrolls sideways."""
    assert axe_violations(page) == [], where
    width = page.viewport_size["width"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{where} scrolls sideways at {width}"


def test_an_admin_runs_the_survey_from_the_console_and_every_page_passes_axe(live: Harness, browser: Browser) -> None:
    for size in (PHONE, DESK):
        context = browser.new_context(viewport=size, locale="en-GB")
        page = context.new_page()
        sign_in(page, live.url, ADMIN_TOKEN)
        first = size is PHONE
        page.goto(f"{live.url}/signed-in")
        page.click("text=Admin console")
        assert page.url.endswith("/console")
        checked(page, "home")
        if not first:
            shot(page, "1-home")
        page.click("nav[aria-label='Admin console'] >> text=Waves")
        checked(page, "waves")
        page.click("text=Create a wave")
        checked(page, "new wave")
        wave_id = "2027-spring" if first else "2027-summer"
        page.click("button:has-text('Create the wave')")
        checked(page, "new wave, every mistake")
        assert page.locator(".error-summary li").count() >= 4
        if not first:
            shot(page, "2-wave-mistakes")
        page.check("#questionnaire")
        page.fill("#title", "Spring 2027" if first else "Summer 2027")
        page.fill("#wave_id", wave_id)
        page.fill("#opens_on", "2027-04-01")
        page.fill("#closes_on", "2027-06-30")
        page.click("button:has-text('Create the wave')")
        assert page.url.endswith(f"/console/waves/{wave_id}?done=created")
        checked(page, "a wave")
        if not first:
            shot(page, "3-wave")
        page.click("text=Open it now")
        checked(page, "confirm opening")
        page.click("text=Yes, open it now")
        assert "The wave is open now" in page.inner_text("main")
        assert live.services.waves.get(wave_id).status(live.services.today()) == "open"
        page.goto(f"{live.url}/console/sources")
        checked(page, "sources")
        page.goto(f"{live.url}/console/waves/{wave_id}/sources")
        page.click("button:has-text('Register the source')")
        checked(page, "sources, a mistake")
        page.fill("#name", "Oakfield School SENCO")
        page.click("button:has-text('Register the source')")
        assert "The source was registered" in page.inner_text("main")
        checked(page, "sources of a wave")
        if not first:
            shot(page, "4-sources")
        source = live.services.sources.of_wave(wave_id)[0]
        page.click("a[href$='/poster']")
        assert page.url.endswith(f"/sources/{source.source_id}/poster")
        assert source.source_id in page.inner_text("body")  # the poster, its link written out
        page.go_back()
        page.click("a[href$='/rename']")
        checked(page, "rename")
        page.go_back()
        page.click("a[href$='/retire']")
        checked(page, "confirm retiring")
        page.goto(f"{live.url}/console/waves/{wave_id}")
        page.check("input[name=double_entry][value=on]")
        page.click("button:has-text('Save')")
        assert "Double entry of paper forms is on" in page.inner_text("main")
        page.goto(f"{live.url}/console/paper")
        checked(page, "paper entry's waves")
        page.goto(f"{live.url}/console/paper/{wave_id}")
        checked(page, "paper entry")
        page.click("#send")
        checked(page, "paper entry, a mistake")
        context.close()


def typed_by_keyboard(page: Page, live: Harness) -> dict[str, object]:
    """Type a whole paper form with the keyboard alone, from the reference (focused when the page opens) to the
    button, checking at each question that Tab has brought the focus to it; what each answer should be."""
    questionnaire = live.services.waves.get(WAVE).questionnaire
    expected: dict[str, object] = {}

    def at(field: str) -> None:
        assert page.evaluate("document.activeElement.id") == field, f"Tab should reach {field} next"

    at("reference")
    page.keyboard.type("0042")
    page.keyboard.press("Tab")  # the version of the form: English is chosen already
    page.keyboard.press("Tab")
    at("return_code")
    page.keyboard.press("Tab")
    at("child")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    for q in questionnaire.questions:
        if isinstance(q, Likert):
            for s in q.statements:
                at(f"{q.id}-{s.id}")
                page.keyboard.press("ArrowDown")  # from nothing chosen: the second answer
                expected[f"{q.id}-{s.id}"] = q.answers[1].id
                page.keyboard.press("Tab")
            continue
        at(q.id)
        if isinstance(q, SingleChoice):
            page.keyboard.press("Space")
            expected[q.id] = q.options[0].id
            page.keyboard.press("Tab")
        elif isinstance(q, MultipleChoice):
            page.keyboard.press("Space")
            expected[q.id] = q.options[0].id
            for _ in q.options:
                page.keyboard.press("Tab")  # each box is a stop of its own
        elif isinstance(q, FreeText):
            page.keyboard.type("Typed with the keyboard alone.")
            expected[q.id] = "Typed with the keyboard alone."
            page.keyboard.press("Tab")
        elif isinstance(q, PartPostcode):
            page.keyboard.type("ME14 5AB")
            page.keyboard.press("Tab")
    at("send")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    return expected


def test_staff_type_in_a_paper_form_with_the_keyboard_alone_in_two_page_loads(live: Harness, browser: Browser) -> None:
    context = browser.new_context(viewport=DESK, locale="en-GB")
    page = context.new_page()
    sign_in(page, live.url, STAFF_TOKEN)
    loads: list[str] = []
    page.on("request", lambda r: loads.append(r.url) if r.resource_type == "document" else None)
    page.goto(f"{live.url}/console/paper/{WAVE}")
    checked(page, "paper entry")
    if SHOTS:
        shot(page, "5-paper-entry", full=False)
    expected = typed_by_keyboard(page, live)
    assert "Form 0042 is stored" in page.inner_text("#outcome"), page.inner_text("main")[:2000]
    assert len(loads) == 2, loads  # the page, then its post: not one page a question
    checked(page, "paper entry, a form stored")
    assert page.evaluate("document.activeElement.id") == "reference"  # ready for the next form
    rows = live.store.rows("SELECT channel, submission_id, postcode_district FROM responses")
    assert rows == [("paper", "paper-ref:0042", "ME14")]
    answers = {(q if s is None else f"{q}-{s}"): o or t for q, s, o, t in live.store.rows(
        "SELECT question_id, statement_id, option_id, text FROM answers")}
    assert {k: answers.get(k) for k in expected} == expected
    context.close()


def test_a_form_typed_in_twice_with_a_difference_shows_it_to_settle_and_passes_axe(
        live: Harness, browser: Browser) -> None:
    admin = browser.new_context(viewport=DESK, locale="en-GB").new_page()
    sign_in(admin, live.url, ADMIN_TOKEN)
    admin.goto(f"{live.url}/console/waves/{WAVE}")
    admin.check("input[name=double_entry][value=on]")
    admin.click("button:has-text('Save')")
    for number, answer in ((1, "tend_to_agree"), (2, "strongly_agree")):
        page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()  # each typist a session of their own
        sign_in(page, live.url, STAFF_TOKEN)
        page.goto(f"{live.url}/console/paper/{WAVE}")
        page.fill("#reference", "0099")
        page.check(f"input[name=q7-health_met][value={answer}]")
        page.click("#send")
        if number == 1:
            assert "typed in once" in page.inner_text("#outcome")
            checked(page, "paper entry, a first typing")
    assert "the two typings differ" in page.inner_text("h1")
    checked(page, "settle the differences")
    page.set_viewport_size(DESK)
    checked(page, "settle at 1280")
    if SHOTS:
        shot(page, "6-settle")
    page.click("#send")
    checked(page, "settle, nothing chosen")
    page.set_viewport_size(PHONE)
    checked(page, "settle, nothing chosen, at 375")
    page.check("input[name=q7-health_met][value=second]")
    page.click("#send")
    assert "Form 0099 is stored" in page.inner_text("#outcome")
    assert live.count() == 1


def test_without_a_public_address_the_sources_page_says_why_there_is_no_poster_and_passes_axe(
        start_service: StartService, browser: Browser) -> None:
    live = start_service(live=True)
    with live.client(ADMIN_TOKEN) as api:
        assert api.post(f"/api/v1/waves/{WAVE}/sources", json={"name": "Oakfield School SENCO"}).status_code == 201
    for size in (PHONE, DESK):
        page = browser.new_context(viewport=size, locale="en-GB").new_page()
        sign_in(page, live.url, ADMIN_TOKEN)
        page.goto(f"{live.url}/console/waves/{WAVE}/sources")
        assert "Posters and QR codes cannot be made yet" in page.inner_text("#no-public-address")
        assert page.locator("a[href$='/poster']").count() == 0
        checked(page, "sources without a public address")
        assert page.goto(f"{live.url}/console/waves/no-such-wave").status == 404  # type: ignore[union-attr]
        checked(page, "a page not found")
        page.context.close()


def test_the_releases_said_did_and_audit_pages_pass_axe(live: Harness, browser: Browser) -> None:
    for size in (PHONE, DESK):
        context = browser.new_context(viewport=size, locale="en-GB")
        page = context.new_page()
        sign_in(page, live.url, ADMIN_TOKEN)
        page.goto(f"{live.url}/signed-in")
        page.click("text=Admin console")
        page.click("nav[aria-label='Admin console'] >> text=Releases")
        checked(page, "releases")
        page.fill("#cutoff", "not a time")
        page.click("button:has-text('Make the draft')")
        checked(page, "releases, a mistake")
        page.fill("#cutoff", "2026-11-22T10:00")
        page.click("button:has-text('Make the draft')")
        assert "The draft was made and checked" in page.inner_text("main")
        checked(page, "a release and its check")
        page.click("main >> text=Publish")
        checked(page, "confirm publishing")
        page.click("text=Yes, publish it")
        page.click("main >> text=Withdraw")
        page.click("text=Yes, withdraw it")
        checked(page, "withdrawing, a mistake")
        page.click("nav[aria-label='Admin console'] >> text=You said, we did")
        page.click("text=Add an entry")
        page.click("button:has-text('Add the entry')")
        checked(page, "a new entry, a mistake")
        page.check("#statement")
        page.check("#kind")
        page.fill("#text", "Annual reviews are booked six weeks ahead.")
        page.fill("#since", "2026-11-01")
        page.click("button:has-text('Add the entry')")
        checked(page, "you said, we did")
        page.click("main a:has-text('Change')")
        checked(page, "changing an entry")
        page.go_back()
        page.click("main a:has-text('History')")
        checked(page, "an entry's history")
        page.click("nav[aria-label='Admin console'] >> text=Audit log")
        checked(page, "audit log")
        page.fill("#since", "yesterday")
        page.click("button:has-text('Show the rows')")
        checked(page, "audit log, a mistake")
        context.close()

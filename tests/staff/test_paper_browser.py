"""Paper and phone in a real Chromium: the printable questionnaire printed to A4 PDF and read back, and a staff
member at 375 px entering a returned paper form end to end; axe-core finds nothing on any of their pages.

Set PAPER_SCREENSHOTS=docs/img to save the pictures the docs show.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browsing import DESK, PHONE, axe_violations
from tests.conftest import Harness, StartService
from tests.support import STAFF_TOKEN
from waves.model import Likert, MultipleChoice, SingleChoice, text_in

pytestmark = [pytest.mark.browser, pytest.mark.uvicorn]

WAVE = "/survey/2026-autumn"
ADDRESS = "Freepost SEND SURVEY; Kent County Council; Sessions House; Maidstone ME14 1XQ"
SHOTS = os.environ.get("PAPER_SCREENSHOTS")


@pytest.fixture
def service(start_service: StartService) -> Harness:
    return start_service(live=True, staff_token=STAFF_TOKEN, paper_return_address=ADDRESS)


def flat(text: str) -> str:
    """Text with every run of white space (line and page breaks included) as one space, without the bidi marks
    pdftotext puts around right-to-left runs."""
    return re.sub(r"\s+", " ", re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)).strip()


def printed_text(page: Page, path: Path) -> tuple[int, str]:
    """Print the page to a PDF as Chromium prints it (its @page size), and read it back with poppler."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (make browser)")
    page.emulate_media(media="print")
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return pages, flat(text)


@pytest.mark.parametrize(("query", "lang", "fewest", "most"), [
    ("", "en", 4, 8), ("?size=large", "en", 12, 24), ("?lang=en-easy", "en-easy", 4, 8),
    ("?lang=en-easy&size=large", "en-easy", 12, 26)])
def test_the_paper_questionnaire_prints_every_question_word_for_word_on_a4(
        service: Harness, browser: Browser, tmp_path: Path, query: str, lang: str, fewest: int, most: int):
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    page.goto(service.url + WAVE + "/print" + query)
    assert axe_violations(page) == []
    pages, text = printed_text(page, tmp_path / "paper.pdf")
    assert fewest <= pages <= most, pages
    if lang == "en":  # which child the form is about, as the form's code page asks (issue 10)
        for words in ("Which of your children is this form about?", "My oldest child, or my only child",
                      "My fourth oldest child, or a younger one"):
            assert flat(words) in text, words
    questionnaire = service.services.waves.get("2026-autumn").questionnaire
    for question in questionnaire.questions:
        assert flat(text_in(question.text, lang)) in text, question.id
        if isinstance(question, SingleChoice | MultipleChoice):
            for option in question.options:
                assert flat(text_in(option.text, lang)) in text, (question.id, option.id)
        if isinstance(question, Likert):
            for statement in question.statements:  # the exact 2019 wording, in every version
                assert flat(statement.text["en"]) in text, statement.id
            answers = [text_in(a.text, lang) for a in question.answers]
            answers.append(service.form_kit.messages[lang]("Does not apply to me"))
            if "large" in query:  # a list under each statement
                assert all(text.count(f" {a} ") >= len(question.statements) for a in answers)
            else:  # the grid's column headings: each exactly, and each word printed (narrow columns interleave)
                assert page.locator(".grid thead th").all_inner_texts()[1:] == answers
                assert all(word in text for a in answers for word in a.split())
    t = service.form_kit.messages[lang]
    assert flat(t("Write the first half only, for example CT1 or ME14. If you would rather not give your postcode, "
                  "leave it blank.")) in text
    assert t("For office use only") in text and t("Reference") in text and t("Code from an earlier survey") in text
    assert "Freepost SEND SURVEY Kent County Council Sessions House Maidstone ME14 1XQ" in text
    assert "This is the paper version" not in text  # the screen's note and links are not printed
    if SHOTS and lang == "en":
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        name = "paper-large" if "large" in query else "paper"
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "3" if name == "paper" else "1",
                        str(tmp_path / "paper.pdf"), str(Path(SHOTS) / name)], check=True)
    context.close()


def test_the_paper_questionnaire_reads_well_on_a_phone_too(service: Harness, browser: Browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for query in ("", "?size=large", "?lang=en-easy"):
        page.goto(service.url + WAVE + "/print" + query)
        assert axe_violations(page) == [], query
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], query
    page.goto(service.url + WAVE + "/print")
    page.click("text=Large print version")
    assert page.url.endswith("/print?size=large")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 24  # 18 pt is 24 px
    context.close()


def test_staff_enter_a_paper_form_end_to_end_at_375_px(service: Harness, browser: Browser):
    context = browser.new_context(viewport=PHONE, extra_http_headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    page = context.new_page()
    checked: list[str] = []

    def landed(shot: str = "") -> None:
        assert axe_violations(page) == [], page.url
        checked.append(page.url)
        if SHOTS and shot:
            page.screenshot(path=str(Path(SHOTS) / f"{shot}.png"))

    page.goto(service.url + "/staff/2026-autumn/enter")
    landed()
    page.click("#start")  # nothing chosen: both mistakes named, focus on the summary
    assert page.title().startswith("Error: ")
    assert "paper or by phone" in page.inner_text(".error-summary")
    landed()
    page.goto(service.url + "/staff/2026-autumn/enter")
    page.locator("label.item:has(input[value='paper'])").click()
    page.fill("#reference", "42")
    page.evaluate("window.scrollTo(0, 0)")
    landed("paper-staff-start")
    page.click("#start")
    assert page.url == service.url + WAVE + "/q/code"
    assert page.inner_text("#staff-banner") == "Staff mode: entering a paper form – reference 0042"
    answers = {"respondent_role": "parent_carer", "heard_about": "school_senco", "q7-health_met": "tend_to_disagree",
               "q7-making_progress": "dont_know", "ethnic_group": "white_british"}
    while not page.url.endswith("/check"):
        assert "reference 0042" in page.inner_text("#staff-banner")
        landed("paper-staff-question" if page.url.endswith("/q7-health_met") else "")
        slug = page.url.split("/q/")[1].split("?")[0]
        if slug in answers:
            page.locator(f"label.item:has(input[name='{slug}'][value='{answers[slug]}'])").click()
        if slug == "postcode":
            page.fill("#postcode", "ct9 1aa")
        page.click("#continue")
    assert "reference 0042" in page.inner_text("#staff-banner")
    landed()
    page.click("#send")  # at once: staff are not held to the families' minimum fill time
    assert page.url == service.url + WAVE + "/staff/done"
    assert page.inner_text("h1") == "Paper form 0042 entered"
    code = page.inner_text("#code")
    assert re.fullmatch(r"[A-Z]+-[A-Z]+-\d{4}", code)
    landed("paper-staff-done")
    page.click("#another")
    assert page.url == service.url + "/staff/2026-autumn/enter"
    assert not page.is_checked("input[value='paper']") and page.input_value("#reference") == ""
    assert len(checked) == 28  # the start page three times (once with its mistakes), 23 question pages, check and done
    rows = service.store.rows("SELECT channel, submission_id, postcode_district FROM responses")
    assert rows == [("paper", "paper-ref:0042", "CT9")]
    cohort = service.services.codes.cohort_key(code)
    assert service.count("SELECT count(*) FROM responses WHERE cohort_key = ?", [cohort]) == 1
    assert service.count("SELECT count(*) FROM answers WHERE question_id = 'q7'") == 2
    context.close()


def test_the_paper_questionnaire_in_the_draft_languages_and_right_to_left(
        start_service: StartService, browser: Browser, tmp_path: Path):
    service = start_service(live=True, languages="en-easy,pl,ro,ur")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for lang in ("pl", "ro", "ur"):
        page.goto(f"{service.url}{WAVE}/print?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert axe_violations(page) == [], lang
    assert page.locator("html").get_attribute("dir") == "rtl"
    pages, text = printed_text(page, tmp_path / "ur.pdf")
    assert 4 <= pages <= 9
    likert = service.services.waves.get("2026-autumn").questionnaire.likert()
    # Q7's exact English wording, in Urdu too; pdftotext mirrors the brackets of a left-to-right line it reads in a
    # right-to-left page (the page itself shows them right: the statement is a dir="ltr" block)
    unbracketed = re.sub(r"[()]", "", text)
    assert all(re.sub(r"[()]", "", flat(s.text["en"])) in unbracketed for s in likert.statements)
    context.close()

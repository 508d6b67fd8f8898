"""Approved quotes on the families' findings page in a real headless Chromium: beside their statement and for the
survey as a whole, axe-clean at 375 and 1280 px, in English and Urdu (right to left), with no sideways scroll.

Set FINDINGS_SCREENSHOTS=docs/img to save the screenshot the docs show.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from surveyapp.domain.release import ReleaseOut
from surveyapp.findings.source import Quote
from tests.browsing import PHONE, axe_violations
from tests.conftest import Harness, StartService
from tests.findings.conftest import LANGUAGES, PUBLIC, RELEASE
from tests.findings.sample import WAIT, SampleReader, release_out, sample_document

pytestmark = [pytest.mark.browser, pytest.mark.uvicorn]
SHOTS = os.environ.get("FINDINGS_SCREENSHOTS")
QUOTES = [Quote(WAIT, "We waited 18 months for an assessment and nobody told us why.", "Kent"),
          Quote(None, "Thank you for asking us. [name] at the [school] listened, at last.", "")]


class QuotedReader(SampleReader):
    """The sample release, with two approved quotes (as the quotes' action gives them)."""

    def quotes(self, services: Any, release: ReleaseOut) -> list[Quote]:
        return list(QUOTES)


@pytest.fixture(scope="module")
def live(start_module_service: StartService) -> Harness:
    server = start_module_service(live=True, languages=LANGUAGES, public_url=PUBLIC)
    server.app.state.findings.reader = QuotedReader([release_out(sample_document())], [])
    server.app.state.findings.frozen.clear()
    return server


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["375px", "1280px"])
@pytest.mark.parametrize("lang", ["en", "ur"])
def test_quotes_read_beside_their_statement_and_pass_axe(live: Harness, browser: Browser,
                                                         viewport: dict[str, int], lang: str) -> None:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        response = page.goto(f"{live.url}/findings/{RELEASE}?lang={lang}")
        assert response is not None and response.status == 200
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        beside = page.locator(f"#{WAIT} .quote")
        assert beside.count() == 1 and QUOTES[0].text in beside.inner_text()
        assert page.locator(".quote").count() == 2  # the survey's own quote too, with no place
        if lang == "en":
            assert "A family in Kent" in beside.inner_text()
            if SHOTS and viewport == PHONE:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                beside.locator("xpath=ancestor::div[@class='statement']").screenshot(
                    path=str(Path(SHOTS) / "findings-quote-375.png"))
    finally:
        context.close()

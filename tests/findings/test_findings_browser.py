"""The findings pages in a real headless Chromium at 375 px: axe-core on every page and language, no sideways
scrolling, the area lookup with JavaScript off, and the one-page A4 summary whose QR code scans to the page.

Set FINDINGS_SCREENSHOTS=docs/img to save the screenshots the docs and the README show.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.browsing import PHONE, axe_violations
from tests.conftest import Harness, StartService
from tests.findings.conftest import LANGUAGES, PUBLIC, RELEASE
from tests.findings.sample import publish, release_out, sample_document

pytestmark = [pytest.mark.browser, pytest.mark.uvicorn]
SHOTS = os.environ.get("FINDINGS_SCREENSHOTS")
A4 = {"width": 794, "height": 1123}
PAGE = f"/findings/{RELEASE}"


@pytest.fixture(scope="module")
def live(start_module_service: StartService) -> Harness:
    server = start_module_service(live=True, languages=LANGUAGES, public_url=PUBLIC)
    publish(server, [release_out(sample_document()),
                     release_out(sample_document("2026-autumn-final-0"), withdrawn=True)])
    return server


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def checked(page: Page, url: str, status: int = 200, shot: str | None = None) -> None:
    """Open the page: its status, axe's zero violations, nothing blocked by its CSP, no sideways scroll."""
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(url)
    assert response is not None and response.status == status, url
    assert axe_violations(page) == [], url
    assert blocked == [], url
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{url} is {wide} px wide: it would scroll sideways"  # type: ignore[index]
    if SHOTS and shot:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / shot), full_page=shot.endswith("-full.png"))


@pytest.mark.parametrize("lang", ["en", *LANGUAGES.split(",")])
def test_the_release_in_each_language_passes_axe_on_a_phone(live: Harness, phone: Page, lang: str) -> None:
    checked(phone, f"{live.url}{PAGE}?lang={lang}", shot="findings.png" if lang == "en" else None)


def test_the_list_the_withdrawn_release_and_the_summary_pass_axe(live: Harness, phone: Page) -> None:
    checked(phone, f"{live.url}/findings", shot="findings-list.png")
    checked(phone, f"{live.url}/findings/2026-autumn-final-0", shot="findings-withdrawn.png")
    assert "This release has been withdrawn" in phone.content()
    checked(phone, f"{live.url}{PAGE}/summary")


def test_a_family_finds_its_area_without_javascript(live: Harness, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live.url}{PAGE}")
    page.fill("#postcode", "rubbish!")
    page.click("text=Show my area")
    assert "There is a problem" in page.content() and "postcode=rubbish" in page.url
    page.fill("#postcode", "CT17 9AA")
    page.click("text=Show my area")
    text = page.inner_text("main")
    assert "We cannot show Dover on its own: fewer than 10 families answered." in text and "Your area: Kent" in text
    page.fill("#postcode", "")
    page.select_option("#area", "E07000113")
    page.click("text=Show my area")
    assert "Your area: Swale" in page.inner_text("main")
    context.close()


def test_the_area_pages_pass_axe_with_an_answer_and_with_an_error(live: Harness, phone: Page) -> None:
    checked(phone, f"{live.url}{PAGE}/area?postcode=CT17", shot="findings-area.png")
    checked(phone, f"{live.url}{PAGE}/area?postcode=%3F%3F", status=400, shot="findings-area-error.png")


def scanned(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) reads the PDF: make browser")
def test_the_summary_prints_to_one_a4_page_whose_qr_code_opens_the_findings(live: Harness, tmp_path: Path,
                                                                             browser: Browser) -> None:
    with live.client() as http:
        pdf = http.get(f"{PAGE}/summary.pdf", timeout=120)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", pdf.text[:300]
    (tmp_path / "summary.pdf").write_bytes(pdf.content)
    info = subprocess.run(["pdfinfo", str(tmp_path / "summary.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert "Pages:           1" in info, info
    assert re.search(r"Page size: +59[45][.0-9]* x 84[12][.0-9]* pts \(A4\)", info), info
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(tmp_path / "summary.pdf"), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert scanned(png) == [f"{PUBLIC}{PAGE}"]  # the printed code reads back as the findings page
    if SHOTS:
        (Path(SHOTS) / "findings-summary.png").write_bytes(png)
    context = browser.new_context(viewport=A4)
    checked(context.new_page(), f"{live.url}{PAGE}/summary")
    context.close()

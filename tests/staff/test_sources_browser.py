"""An outreach source's poster and link in a real headless Chromium: the poster passes axe at A4 and at 375 px,
its printed QR code (photographed from the page) reads back as the link, it prints to one A4 page, and a family
who follows the link answers through the form with the source recorded and never in their addresses.

Chromium is Debian's (`make browser` installs it); axe-core is vendored in tests/vendor. Set
FORM_SCREENSHOTS=docs/img to save the poster's screenshot the docs show.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser

from tests.browsing import PHONE, axe_violations
from tests.support import ADMIN_TOKEN, FakeClock, Service

pytestmark = [pytest.mark.browser, pytest.mark.uvicorn]  # a real browser needs a real server

WAVE = "2026-autumn"
A4 = {"width": 794, "height": 1123}  # 210 x 297 mm at 96 px to the inch
SHOTS = os.environ.get("FORM_SCREENSHOTS")
PUBLIC = "https://survey.example.org"


@pytest.fixture
def live(start_service) -> Service:  # type: ignore[no-untyped-def]
    return start_service(live=True, public_url=PUBLIC,  # type: ignore[no-any-return]
                         contact="Call 03000 41 41 41 or email sendsurvey@kent.gov.uk for a paper copy.")


def register(live: Service, name: str) -> dict[str, str]:
    with live.client(ADMIN_TOKEN) as admin:
        made = admin.post(f"/api/v1/waves/{WAVE}/sources", json={"name": name})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def scanned(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_poster_passes_axe_at_a4_and_on_a_phone_and_its_qr_code_scans(live: Service, browser: Browser) -> None:
    source = register(live, "Oakfield School SENCO")
    poster = f"{live.url}/api/v1/waves/{WAVE}/sources/{source['source_id']}/poster"
    for size in (A4, PHONE):
        context = browser.new_context(viewport=size, extra_http_headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda message, seen=blocked: seen.append(message.text)
                if "Content Security Policy" in message.text else None)
        assert page.goto(poster).status == 200  # type: ignore[union-attr]
        assert axe_violations(page) == [], size
        assert blocked == []  # its style block is allowed by its hash: nothing the page needs is refused
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= size["width"], f"{wide} px wide at {size['width']} px: it would scroll sideways"
        shot = page.screenshot(full_page=True)
        assert scanned(shot) == [source["url"]], size  # the code as printed reads back as the link
        if size is A4:
            height, needed = page.evaluate("[document.querySelector('main').getBoundingClientRect().height, "
                                           "document.querySelector('main').scrollHeight]")
            assert height <= A4["height"] + 1, f"the poster is {height} px tall: more than one A4 page"
            assert needed <= height + 1, f"its content needs {needed} px: the end would be cut off the page"
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                (Path(SHOTS) / "poster-a4.png").write_bytes(shot)
        context.close()


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) reads the PDF: make browser")
def test_the_poster_prints_to_one_a4_page(live: Service, tmp_path: Path) -> None:
    source = register(live, "Parent forum")
    with live.client(ADMIN_TOKEN) as admin:
        pdf = admin.get(f"/api/v1/waves/{WAVE}/sources/{source['source_id']}/poster.pdf", timeout=120)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", pdf.text[:300]
    (tmp_path / "poster.pdf").write_bytes(pdf.content)
    info = subprocess.run(["pdfinfo", str(tmp_path / "poster.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert "Pages:           1" in info, info
    assert re.search(r"Page size: +59[45][.0-9]* x 84[12][.0-9]* pts \(A4\)", info), info
    text = subprocess.run(["pdftotext", str(tmp_path / "poster.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = " ".join(text.split())  # lines as the page wrapped them
    assert "about 5 minutes" in text and f"survey.example.org /s/{source['source_id']}" in text  # on two lines


def test_a_family_following_the_link_answers_with_the_source_recorded(
        live: Service, clock: FakeClock, browser: Browser) -> None:
    source = register(live, "Oakfield School SENCO")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    addresses: list[str] = []
    page.on("framenavigated", lambda frame: addresses.append(frame.url) if frame == page.main_frame else None)
    page.goto(f"{live.url}/s/{source['source_id']}")
    assert page.url == f"{live.url}/survey/{WAVE}"
    assert axe_violations(page) == []
    page.click("text=Start now")
    clock.now += dt.timedelta(seconds=5)
    page.click("#continue")  # no earlier code
    page.goto(f"{live.url}/survey/{WAVE}/q/q7-health_met")
    page.locator("label.item:has(input[value='tend_to_agree'])").click()
    clock.now += dt.timedelta(seconds=5)
    page.click("#continue")
    page.goto(f"{live.url}/survey/{WAVE}/check")
    clock.now += dt.timedelta(seconds=5)
    page.click("#send")
    assert page.url == f"{live.url}/survey/{WAVE}/thanks"
    assert not any(source["source_id"] in address for address in addresses[1:]), addresses
    assert live.store.rows("SELECT source_id, channel FROM responses") == [(source["source_id"], "form")]
    with httpx.Client(base_url=live.url) as http:  # the link as typed from the poster, in lower case
        assert http.get(f"/s/{source['source_id'].lower()}").headers["location"] == f"/survey/{WAVE}"
    context.close()

"""The coding page in Chromium, as an analyst uses it: signed in through /sign-in, a comment masked, themes ticked
with the keyboard alone and saved; axe-core finds nothing at 375 and 1280 pixels wide, and nothing scrolls
sideways."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browsing import axe_violations
from tests.conftest import StartService
from tests.support import ANALYST_TOKEN, Service

WAVE = "2026-autumn"


@pytest.fixture(scope="module")
def live(start_module_service: StartService, commented_data: Path, tmp_path_factory: pytest.TempPathFactory
         ) -> Service:
    copy = tmp_path_factory.mktemp("commented-live") / "data"
    shutil.copytree(commented_data, copy)
    return start_module_service(live=True, data_dir=copy)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_code_a_comment_with_the_keyboard_and_axe_finds_nothing(live: Service, browser: Browser,
                                                                width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live.url}/sign-in?next=/comments/{WAVE}%3Fview%3Done")
    page.fill("input[name=token]", ANALYST_TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/comments/{WAVE}?view=one")
    assert page.locator("h1").inner_text().startswith("Coding comments")
    assert "07911" not in page.content()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    first = page.locator("input[name=theme]").first
    first.focus()
    page.keyboard.press("Space")
    assert first.is_checked()
    page.keyboard.press("Enter")  # submits the form the checkbox is in
    page.wait_for_url("**saved=*")
    assert page.locator(".notice").inner_text().startswith("Saved")
    assert axe_violations(page) == []
    page.goto(f"{live.url}/comments/{WAVE}")  # the list
    assert page.locator("form.card").count() == 20
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()

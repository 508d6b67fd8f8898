"""What the browser tests share: Debian's Chromium launched headless, axe-core's WCAG 2.0-2.2 A/AA check, a phone's
and a desk's viewports, and signing in with a role's token.

The `browser` fixture (tests/conftest.py) launches it once per module. Where Chromium is missing the browser
tests are skipped with the command that installs it, except under CI, where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, for as long as the block runs."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: `make test` installs it (make browser)")
        pytest.skip("Debian's chromium is not installed: run `make browser`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def axe_violations(page: Page, within: str | None = None) -> list[str]:
    """axe-core's WCAG 2.0-2.2 A/AA violations on the page (or the part `within` selects), run under the page's
    real CSP: page.evaluate goes through the DevTools protocol, which CSP does not govern."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE + "\n;0")
    found = page.evaluate("""async ([tags, within]) =>
        (await axe.run(within ? document.querySelector(within) : document, {runOnly: {type: 'tag', values: tags}}))
        .violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))""",
                          [WCAG, within])
    return list(found)


def sign_in(page: Page, url: str, token: str) -> None:
    """Sign in to the service at `url` with a role's token, as a person does on its sign-in page, and wait for
    the page it lands on."""
    page.goto(f"{url}/sign-in")
    page.fill("#token", token)
    page.click("button:has-text('Sign in with the token')")  # the page has the password form's button too
    page.wait_for_load_state()

"""Time the families' form on a slow phone connection: `.venv/bin/python -m bench.form`.

Debian's Chromium at 375 px loads each kind of page from a cold cache (no HTTP cache, a new browser context)
through Chromium's own network throttling, with `surveyapp serve` on loopback. Two profiles: Chromium DevTools'
"Slow 3G" preset (2,000 ms added to every request, 50,000 bytes a second each way; DevTools calls it "3G" since
Chrome 126) and WebPageTest's "3G Slow" (400 ms round trip, 400 kbit/s down). Printed for each page: the bytes
it needs (the HTML with its inline style, and the deferred script), how many requests, its first contentful
paint and its load event. The target is a render (first contentful paint) under 1.5 s. Each page renders from its
one request (the style is in the page; the script is deferred and never holds up the first paint), but the DevTools
profile adds 2 s to every request, that one too, so no page of any site can meet the target there: its figure
says how close to that 2 s floor the page comes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

PROFILES = {  # name: (added latency per request in ms, download and upload bytes per second)
    "DevTools Slow 3G": (2000, 500 * 1000 / 8 * 0.8),
    "WebPageTest 3G Slow": (400, 400 * 1000 / 8),
}
TARGET = 1.5
WAVE = "/survey/2026-autumn"
PAGES = {"start": WAVE, "question": f"{WAVE}/q/respondent_role", "Q7 statement": f"{WAVE}/q/q7-health_met",
         "check your answers": f"{WAVE}/check", "confirmation": f"{WAVE}/thanks"}


def _prepare(context: object, url: str) -> None:
    """Answer a page and send, unthrottled, so that the check page and the confirmation have something to show."""
    from playwright.sync_api import BrowserContext

    assert isinstance(context, BrowserContext)
    page = context.new_page()
    page.goto(url + f"{WAVE}/q/q7-health_met")
    page.locator("label.item:has(input[value='neither'])").click()
    page.click("#continue")
    page.close()


def _time(context: object, url: str, latency: float, rate: float) -> tuple[float, float, int, int]:
    """(first contentful paint, load event) in seconds, the bytes transferred and the requests, for one cold load."""
    from playwright.sync_api import BrowserContext

    assert isinstance(context, BrowserContext)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency,
                                                  "downloadThroughput": rate, "uploadThroughput": rate})
    page.goto(url, wait_until="load")
    fcp = page.evaluate("""() => new Promise(done => new PerformanceObserver(list => {
        const paint = list.getEntries().find(e => e.name === 'first-contentful-paint');
        if (paint) { done(paint.startTime); } }).observe({type: 'paint', buffered: true}))""") / 1000
    load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
    entries = """performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"""
    size = page.evaluate(entries + ".reduce((sum, e) => sum + e.transferSize, 0)")
    requests = page.evaluate(entries + ".length")
    page.close()
    return fcp, load, int(size), int(requests)


def _measure(browser: object, url: str) -> None:
    """Each kind of page, cold, under each profile: print its figures, then the slowest first paint."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    worst: dict[str, float] = {}
    for profile, (latency, rate) in PROFILES.items():
        for name, path in PAGES.items():
            context = browser.new_context(viewport={"width": 375, "height": 812})
            if name in ("check your answers", "confirmation"):
                _prepare(context, url)
            if name == "confirmation":
                sender = context.new_page()
                sender.goto(url + f"{WAVE}/check")
                sender.click("#send")
                sender.close()
            fcp, load, size, requests = _time(context, url + path, latency, rate)
            context.close()
            worst[profile] = max(worst.get(profile, 0.0), fcp)
            print(f"{profile:20} {name:19} {size / 1024:5.1f} KB in {requests} requests  first paint {fcp:.2f} s  "
                  f"loaded {load:.2f} s", flush=True)
    for profile, seconds in worst.items():
        floor = PROFILES[profile][0] / 1000
        verdict = "meets it" if seconds < TARGET else \
            f"misses it (the profile alone adds {floor:.1f} s to the page's one request)"
        print(f"slowest first paint on {profile}: {seconds:.2f} s; target under {TARGET} s: {verdict}")


def main() -> None:
    """Start the service, then load each kind of page cold under each profile and print the figures."""
    from playwright.sync_api import sync_playwright

    from bench.harness import ServerProcess

    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp) / "data", form_min_seconds="0").start()
        try:
            server.open_wave()  # whatever today's date
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
                try:
                    _measure(browser, server.url)
                finally:
                    browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()

"""The form points families at what they said last time: from its confirmation and the next wave's start page,
only while a release is published."""

from __future__ import annotations

import datetime as dt
import re

import msgspec

from tests.conftest import Harness
from tests.findings.sample import publish, release_out, sample_document
from tests.support import FakeClock

WAVE = "/survey/2026-autumn"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
LINK = "See what families told us in the last survey, and what the council is doing about it"


def send_one(server: Harness, clock: FakeClock) -> str:
    """A family answers question 7's first statement and sends; the confirmation page's HTML."""
    with server.client() as http:
        page = http.get(f"{WAVE}/q/q7-local_offer_useful").text
        clock.now += dt.timedelta(seconds=4)
        http.post(f"{WAVE}/q/q7-local_offer_useful",
                  data={**dict(HIDDEN.findall(page)), "q7-local_offer_useful": "tend_to_agree"})
        clock.now += dt.timedelta(seconds=4)
        sent = http.post(WAVE, data=dict(HIDDEN.findall(http.get(f"{WAVE}/check").text)))
        assert sent.status_code == 303, sent.text[:300]
        return http.get(f"{WAVE}/thanks").text


def test_no_link_while_nothing_is_published(shared: Harness) -> None:
    server = shared
    publish(server, [])
    assert LINK not in send_one(server, server.clock)  # type: ignore[arg-type]
    with server.client() as http:
        assert LINK not in http.get(WAVE).text


def test_the_confirmation_and_the_next_waves_start_page_link_to_the_last_release(
        shared: Harness) -> None:
    server = shared
    spring = msgspec.structs.replace(sample_document("2026-spring-final-1"), wave_id="2026-spring")
    publish(server, [release_out(spring)])
    assert 'href="/findings/2026-spring-final-1"' in send_one(server, server.clock)  # type: ignore[arg-type]
    with server.client() as http:
        start = http.get(WAVE, params={"lang": "pl"}).text
    assert 'href="/findings/2026-spring-final-1?lang=pl"' in start


def test_the_start_page_does_not_point_at_a_release_of_its_own_wave(shared: Harness) -> None:
    server = shared
    publish(server, [release_out(sample_document("2026-autumn-interim-1", stage="interim"))])
    with server.client() as http:
        assert LINK not in http.get(WAVE).text

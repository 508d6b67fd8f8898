"""Quotes with care (issue 26 item 4): picked by an analyst from the masked comment, cut or masked further only,
checked by a second person; only then on the families' findings page, beside their statement, with no place
smaller than the local authority."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import httpx
import pytest

from tests.comments.themed import WAVE, CodedWave, plant
from tests.conftest import StartService
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN

THANET = "E07000114"
# Every test here reads the wave's published final release, and making it runs the release's disclosure check
# (about a thousand integer programs, some 12 s of CPU), as tests/releases/ does: slow, like them.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def planted_wave(start_module_service: StartService) -> CodedWave:
    """60 coded comments in the shipped wave, whose questionnaire has a codebook."""
    return plant(start_module_service())


@pytest.fixture(scope="module")
def published(planted_wave: CodedWave) -> str:
    """The wave closed and its final release published: the release id."""
    with planted_wave.service.client(ADMIN_TOKEN) as admin:
        assert admin.post(f"/api/v1/admin/waves/{WAVE}/close").status_code == 200
        made = admin.post(f"/api/v1/waves/{WAVE}/releases", json={"stage": "final"})
        assert made.status_code == 201, made.text
        release_id = made.json()["release_id"]
        assert admin.post(f"/api/v1/releases/{release_id}/publish").status_code == 200
    return str(release_id)


def _from(planted_wave: CodedWave, lad: str) -> str:
    return next(rid for rid, (where, _) in sorted(planted_wave.responses.items()) if where == lad)


def _quotes(client: httpx.Client, release_id: str) -> Any:
    return client.get(f"/api/v1/releases/{release_id}/quotes/public").json()


def test_a_quote_shows_only_after_a_second_persons_check(planted_wave: CodedWave, published: str) -> None:
    base = f"/api/v1/releases/{published}/quotes"
    with planted_wave.service.client(ANALYST_TOKEN) as analyst, planted_wave.service.client(ADMIN_TOKEN) as admin, \
            planted_wave.service.client() as family:
        picked = analyst.post(base, json={"response_id": _from(planted_wave, THANET), "statement_id": "health_met"})
        assert picked.status_code == 201, picked.text
        quote = picked.json()
        assert quote["status"] == "picked" and quote["place"] == "Kent"  # never Thanet: no smaller than the council
        assert "[phone]" in quote["text"] and "07700" not in quote["text"]  # masked before anyone reads it
        assert _quotes(family, published) == []
        own = analyst.post(f"{base}/{quote['quote_id']}/check", json={"version": 1, "approve": True})
        assert own.status_code == 409 and "second person" in own.json()["detail"]
        assert _quotes(family, published) == []
        checked = admin.post(f"{base}/{quote['quote_id']}/check", json={"version": 1, "approve": True})
        assert checked.status_code == 200 and checked.json()["checked_by"] == "admin token"
        assert _quotes(family, published) == [{"statement_id": "health_met", "place": "Kent", "text": quote["text"]}]
        page = family.get(f"/findings/{published}")
        assert page.status_code == 200 and "You said" in page.text and "A family in Kent" in page.text
        assert quote["text"] in page.text
        cut = admin.patch(f"{base}/{quote['quote_id']}",
                          json={"version": 1, "text": "we waited and nobody called back"})
        assert cut.status_code == 200 and cut.json()["status"] == "picked" and cut.json()["version"] == 2
        assert _quotes(family, published) == []  # changed: checked again before it shows
        stale = analyst.post(f"{base}/{quote['quote_id']}/check", json={"version": 1, "approve": True})
        assert stale.status_code == 409  # the version read is not the version there
        for someone in (analyst, admin):  # one picked it, the other wrote this version: neither checks it
            assert someone.post(f"{base}/{quote['quote_id']}/check",
                                json={"version": 2, "approve": True}).status_code == 409
        shorter = analyst.patch(f"{base}/{quote['quote_id']}", json={"version": 2, "text": "nobody called back"})
        assert shorter.status_code == 200 and shorter.json()["version"] == 3
        again = admin.post(f"{base}/{quote['quote_id']}/check", json={"version": 3, "approve": True})
        assert again.status_code == 200
        assert [q["text"] for q in _quotes(family, published)] == ["nobody called back"]
        assert family.post(base, json={"response_id": _from(planted_wave, THANET)}).status_code == 401


def test_a_quote_is_only_cut_or_masked_further(planted_wave: CodedWave, published: str) -> None:
    base = f"/api/v1/releases/{published}/quotes"
    rid = _from(planted_wave, "E07000110")
    with planted_wave.service.client(ANALYST_TOKEN) as analyst:
        reworded = analyst.post(base, json={"response_id": rid, "text": "we waited and nobody ever called"})
        unmasked = analyst.post(base, json={"response_id": rid, "text": "Ring 07700 900001"})
        word_cut = analyst.post(base, json={"response_id": rid, "text": "we wait"})
        statement = analyst.post(base, json={"response_id": rid, "statement_id": "no_such_statement"})
        nothing = analyst.post(base, json={"response_id": "no-such-response"})
        masked = analyst.post(base, json={"response_id": rid, "text": "we waited and [name] called back",
                                          "place": "none"})
        unknown = analyst.get("/api/v1/releases/no-such-release/quotes")
    for refused, field in ((reworded, "text"), (unmasked, "text"), (word_cut, "text"), (statement, "statement_id"),
                           (nothing, "response_id")):
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == field, refused.text
    assert masked.status_code == 201 and masked.json()["place"] == ""  # "nobody" masked further as [name]
    assert unknown.status_code == 404
    with planted_wave.service.client(ADMIN_TOKEN) as admin:
        turned = admin.post(f"{base}/{masked.json()['quote_id']}/check", json={"version": 1, "approve": False})
        assert turned.status_code == 400 and turned.json()["errors"][0]["field"] == "note"
        turned = admin.post(f"{base}/{masked.json()['quote_id']}/check",
                            json={"version": 1, "approve": False, "note": "Too short to say anything"})
        assert turned.json()["status"] == "turned_down"
        quote = f"{base}/{masked.json()['quote_id']}"
        back = admin.patch(quote, json={"version": 1, "place": "local_authority"})
        assert back.status_code == 400 and back.json()["errors"][0]["field"] == "place"  # a place is not put back
        moved = admin.patch(quote, json={"version": 1, "statement_id": "health_met", "place": "none"})
        assert moved.status_code == 200 and moved.json()["statement_id"] == "health_met"
        assert moved.json()["status"] == "picked" and moved.json()["check_note"] == ""  # to be checked again
        assert admin.patch(quote, json={"version": 1, "text": "we waited"}).status_code == 409  # version 2 now
        listed = admin.get(base).json()
        assert "we waited and [name] called back" not in [q["text"] for q in _quotes(admin, published)]
    assert {q["status"] for q in listed} >= {"approved", "picked"}


@pytest.mark.slow  # the pack's charts are drawn too (about 15 s on a loaded machine)
def test_the_board_pack_holds_the_checked_quotes_and_the_themes_chart(planted_wave: CodedWave, published: str) -> None:
    with planted_wave.service.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/releases/{published}/board-pack.zip", params={"pdf": "false"})
        shown = [q["text"] for q in _quotes(analyst, published)]
        waiting = [q["text"] for q in analyst.get(f"/api/v1/releases/{published}/quotes").json()
                   if q["status"] != "approved"]
    assert got.status_code == 200, got.text
    pack = zipfile.ZipFile(io.BytesIO(got.content))
    page = pack.read("board-pack.html").decode()
    assert "In families' own words" in page and shown and all(text in page for text in shown)
    assert waiting and not any(f"“{text}”" in page for text in waiting)  # turned down or unchecked: never shown
    svg = pack.read("charts/themes.svg").decode()
    assert "Communication" in svg and min(float(s) for s in re.findall(r'font-size="([0-9.]+)px"', svg)) >= 12
    figures = pack.read("figures/themes.csv").decode()
    assert figures.count("%") >= 3  # each theme's share, rounded counts through the release's check


def test_a_withdrawn_release_shows_no_quote(planted_wave: CodedWave, published: str) -> None:
    with planted_wave.service.client(ADMIN_TOKEN) as admin:
        assert _quotes(admin, published)
        withdrawn = admin.post(f"/api/v1/releases/{published}/withdraw",
                               json={"notice": "Withdrawn: a table was wrong, a corrected release follows."})
        assert withdrawn.status_code == 200
        assert _quotes(admin, published) == []
        late = admin.post(f"/api/v1/releases/{published}/quotes", json={"response_id": _from(planted_wave, THANET)})
        assert late.status_code == 409

"""Releases through the API: made from the rows before a cut-off, checked, published as frozen bytes, withdrawn
with a notice, corrected by a new version; refused to non-admins, and for bad input naming the field."""

from __future__ import annotations

import datetime as dt
import hashlib

import httpx
import msgspec
import pytest

from surveyapp.actions.releases import published, published_bytes, release_out
from surveyapp.domain.release import ReleaseDocument, TableSpec, decode
from surveyapp.store.releases import add_release, publish_release, read_release
from tests.conftest import Harness

# Each test makes releases of the planted wave (130 responses sent through the API once a session): slow.
pytestmark = pytest.mark.slow
RELEASES = "/api/v1/waves/2026-autumn/releases"
INTERIM: dict[str, object] = {"stage": "interim", "cutoff": "2026-11-22T13:00:00Z"}


@pytest.fixture
def server(planted_app: Harness, small_plan: list[TableSpec]) -> Harness:
    """This module's app: the planted wave with a plan of three tables (the `admin` and `analyst` clients of
    tests/conftest.py are of it)."""
    return planted_app


def _make(admin: httpx.Client, body: dict[str, object] = INTERIM, url: str = RELEASES) -> dict[str, object]:
    made = admin.post(url, json=body)
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def test_an_interim_release_is_made_checked_published_and_read_back(
        server: Harness, admin: httpx.Client, analyst: httpx.Client) -> None:
    draft = _make(admin)
    release_id = str(draft["release_id"])
    assert draft["status"] == "draft" and draft["content_sha256"] is None
    document = draft["document"]
    assert isinstance(document, dict)
    assert document["responses"] == 130  # the planted 130, a multiple of 5 already
    assert document["cutoff"] == "2026-11-22T13:00:00Z"
    assert document["check"]["passed"] and {"threshold", "differencing"} <= {r["rule"] for r in
                                                                            document["check"]["rules"]}
    tables = {t["spec"]["table_id"]: t for t in document["tables"]}
    headline = tables["compare-utla-vs-baseline"]
    assert "Kent families compared with Kent-wide 2019, Medway shown apart" in headline["title"]
    medway = [r for r in headline["rows"] if r["area_name"] == "Medway"]
    assert medway and all(r["baseline_share_agree"] is None and r["delta_share_agree"] is None for r in medway)
    assert not tables["reach-religion"]["rows"]  # final only
    assert "only in the final release" in tables["reach-religion"]["note"]
    title = "Who answered, Autumn 2026: responses by religion against the population"
    assert tables["reach-religion"]["title"] == title
    # the analyst sees the draft and its check, but nothing public does
    assert analyst.get(f"/api/v1/releases/{release_id}").json()["document"]["check"] == document["check"]
    assert published_bytes(server.services, release_id) is None
    assert published(server.services) == []

    out = admin.post(f"/api/v1/releases/{release_id}/publish")
    assert out.status_code == 200, out.text
    frozen = published_bytes(server.services, release_id)
    assert frozen is not None
    assert out.json()["content_sha256"] == hashlib.sha256(frozen).hexdigest()
    assert decode(frozen).tables == msgspec.convert(document, ReleaseDocument).tables
    assert [r.release_id for r in published(server.services)] == [release_id]
    listed = analyst.get("/api/v1/releases", params={"wave": "2026-autumn"}).json()
    assert [(r["release_id"], r["status"]) for r in listed] == [(release_id, "published")]

    again = admin.post(f"/api/v1/releases/{release_id}/publish")
    assert again.status_code == 409 and "published already" in again.json()["detail"]


def test_published_bytes_do_not_change_when_50_more_responses_arrive(
        server: Harness, admin: httpx.Client) -> None:
    release_id = str(_make(admin)["release_id"])
    admin.post(f"/api/v1/releases/{release_id}/publish").raise_for_status()
    before = published_bytes(server.services, release_id)
    with server.client() as family:
        for i in range(50):
            sent = family.post("/api/v1/waves/2026-autumn/responses", json={
                "answers": {"q7": {"health_met": "strongly_agree"}}, "postcode": "ME14" if i % 2 else "CT9"})
            assert sent.status_code == 201, sent.text
    server.clock.now += dt.timedelta(hours=1)  # type: ignore[attr-defined]
    assert published_bytes(server.services, release_id) == before
    shown = admin.get(f"/api/v1/releases/{release_id}").json()
    assert shown["content_sha256"] == hashlib.sha256(before or b"").hexdigest()
    # a later interim release holds the new responses; the published one still does not
    later = _make(admin, {"stage": "interim", "cutoff": "2026-11-22T14:00:00Z"})["document"]
    assert isinstance(later, dict)
    assert later["check"]["checked_against"] == [release_id]  # checked with the published one
    assert later["responses"] == 180 or later["responses_hidden"] is not None
    assert decode(before or b"").responses == 130


def test_a_withdrawn_release_keeps_its_bytes_and_shows_its_notice(
        server: Harness, admin: httpx.Client, analyst: httpx.Client) -> None:
    release_id = str(_make(admin)["release_id"])
    early = admin.post(f"/api/v1/releases/{release_id}/withdraw", json={"notice": "Withdrawn early."})
    assert early.status_code == 409  # a draft is not withdrawn: it was never out
    admin.post(f"/api/v1/releases/{release_id}/publish").raise_for_status()
    frozen = published_bytes(server.services, release_id)
    notice = "Withdrawn: the Medway figures counted some responses twice. A corrected release follows."
    out = admin.post(f"/api/v1/releases/{release_id}/withdraw", json={"notice": notice})
    assert out.status_code == 200, out.text
    shown = analyst.get(f"/api/v1/releases/{release_id}").json()
    assert (shown["status"], shown["withdrawal_notice"]) == ("withdrawn", notice)
    assert shown["withdrawn_at"] is not None
    assert published_bytes(server.services, release_id) == frozen
    listed = published(server.services)
    assert [(r.release_id, r.status, r.withdrawal_notice) for r in listed] == [(release_id, "withdrawn", notice)]
    twice = admin.post(f"/api/v1/releases/{release_id}/withdraw", json={"notice": notice})
    assert twice.status_code == 409


def test_a_correction_is_a_new_version_that_says_what_changed(
        server: Harness, admin: httpx.Client) -> None:
    first = str(_make(admin)["release_id"])
    no_note = admin.post(RELEASES, json={"stage": "interim", "corrects": first, "note": " "})
    assert no_note.status_code == 400  # a draft cannot be corrected, and a correction says what changed
    admin.post(f"/api/v1/releases/{first}/publish").raise_for_status()
    refused = admin.post(RELEASES, json={"stage": "interim", "corrects": first})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "note"
    note = "The Kent figures now leave out two test responses."
    corrected = _make(admin, {"stage": "interim", "corrects": first, "note": note})
    document = corrected["document"]
    assert isinstance(document, dict)
    assert (corrected["version"], document["supersedes"], document["correction_note"]) == (2, first, note)
    assert corrected["release_id"] == first.removesuffix("-v1") + "-v2"
    assert document["cutoff"] == "2026-11-22T13:00:00Z"  # the corrected release's rows
    twice = admin.post(RELEASES, json={"stage": "interim", "corrects": first, "note": note})
    assert twice.status_code == 409


def test_publishing_is_refused_while_a_rule_fails(server: Harness, admin: httpx.Client) -> None:
    draft = _make(admin)
    services = server.services
    row = read_release(services.store, str(draft["release_id"]))
    assert row is not None
    document = msgspec.json.decode(row["draft_json"], type=ReleaseDocument)
    document.check.rules[0].passed = False
    document.check.passed = False
    failing = {**row, "release_id": "2026-autumn-interim-9-v1", "draft_json": msgspec.json.encode(document).decode()}
    add_release(services.store, {k: v for k, v in failing.items() if k not in ("content", "content_sha256")})
    refused = admin.post("/api/v1/releases/2026-autumn-interim-9-v1/publish")
    assert refused.status_code == 409
    rule = document.check.rules[0].rule
    assert rule in refused.json()["detail"]
    assert refused.json()["errors"] == [{"field": f"check.{rule}", "message": f"the check's rule {rule} failed"}]
    assert published_bytes(services, "2026-autumn-interim-9-v1") is None
    assert release_out(services, "2026-autumn-interim-9-v1").status == "draft"  # type: ignore[union-attr]


def test_a_draft_checked_before_another_release_was_published_must_be_made_again(
        server: Harness, admin: httpx.Client) -> None:
    stale = str(_make(admin)["release_id"])
    fresh = str(_make(admin)["release_id"])
    admin.post(f"/api/v1/releases/{fresh}/publish").raise_for_status()
    refused = admin.post(f"/api/v1/releases/{stale}/publish")
    assert refused.status_code == 409 and "make the draft again" in refused.json()["detail"]


def test_a_closed_wave_has_one_final_release_and_corrections_of_it(admin: httpx.Client) -> None:
    admin.post("/api/v1/admin/waves/2026-autumn/close").raise_for_status()
    final = _make(admin, {"stage": "final"})
    assert final["release_id"] == "2026-autumn-final-1-v1"
    assert final["document"]["responses"] == 130  # type: ignore[index]
    admin.post("/api/v1/releases/2026-autumn-final-1-v1/publish").raise_for_status()
    again = admin.post(RELEASES, json={"stage": "final"})
    assert again.status_code == 409 and "correct it" in again.json()["detail"]
    late = admin.post(RELEASES, json={"stage": "final", "cutoff": "2026-11-22T13:00:00Z"})
    assert late.status_code == 400 and late.json()["errors"][0]["field"] == "cutoff"


def test_two_drafts_checked_with_the_same_releases_cannot_both_be_published(
        server: Harness, admin: httpx.Client) -> None:
    """The check of what is out is made again in the writer's transaction, as the draft is frozen."""
    first = str(_make(admin)["release_id"])
    second = str(_make(admin)["release_id"])
    services = server.services
    row = read_release(services.store, first)
    assert row is not None
    assert publish_release(services.store, first, b"{}", "0" * 64, row["made_at"], waves=["2026-autumn"],
                           checked_with=[])
    assert not publish_release(services.store, second, b"{}", "0" * 64, row["made_at"], waves=["2026-autumn"],
                               checked_with=[])
    assert published_bytes(services, second) is None

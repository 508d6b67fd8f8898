"""A release stored and published through the releases' own store and API, and "You said, we did" entries
recorded through theirs, read on the findings page by the service's own reader: the frozen bytes, not the
stored answers, so responses arriving later change nothing a family sees."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from surveyapp.actions.releases.making import encode_draft
from surveyapp.store.releases import add_release
from tests.conftest import Harness
from tests.findings.sample import WAIT, sample_document
from tests.support import ADMIN_TOKEN

LIKERT = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]


def body(rng: random.Random) -> dict[str, Any]:
    return {"answers": {"q7": {WAIT: rng.choice(LIKERT)}, "respondent_role": "parent_carer"},
            "postcode": rng.choice(["ME14 1XX", "CT1 2AB", "CT17 9AA"]), "submission_id": str(uuid.uuid4())}


def store_draft(server: Harness, release_id: str) -> None:
    """The hand-built release stored as the releases' action stores a draft it has made and checked."""
    document = msgspec.structs.replace(sample_document(release_id), made_at=server.clock(),  # type: ignore[arg-type]
                                       cutoff=server.clock().replace(minute=0, second=0, microsecond=0))
    add_release(server.store, {
        "release_id": release_id, "wave_id": document.wave_id, "stage": document.stage, "version": 1,
        "status": "draft", "cutoff": document.cutoff.replace(tzinfo=None),
        "made_at": document.made_at.replace(tzinfo=None), "supersedes": None,
        "draft_json": encode_draft(document), "withdrawal_notice": ""})


@pytest.mark.slow  # 50 responses stored through the writer: about 2 s
def test_a_stored_release_is_read_from_its_frozen_bytes_with_its_entries(fresh_app: Callable[..., Harness]) -> None:
    server = fresh_app()
    rng = random.Random(3)
    release = "2026-autumn-final-9"
    store_draft(server, release)
    with server.client() as http, server.client(ADMIN_TOKEN) as admin:
        assert http.get(f"/findings/{release}").status_code == 404  # a draft is not public
        entry = {"questionnaire_id": "send-repeat", "statement_id": WAIT, "kind": "cannot_change",
                 "text": "We cannot hire more educational psychologists this year.", "why": "The posts are unfilled "
                 "nationally.", "since": "2026-11-01", "status": "published"}
        assert admin.post("/api/v1/actions", json=entry).status_code == 201
        published = admin.post(f"/api/v1/releases/{release}/publish")
        assert published.status_code == 200, published.text
        assert f'href="/findings/{release}"' in http.get("/findings").text
        page = http.get(f"/findings/{release}")
        wait = page.text.split(f'id="{WAIT}"')[1].split('class="statement"')[0]
        assert "We cannot change:" in wait and "educational psychologists" in wait and "unfilled nationally" in wait
        assert "since 1 November 2026" in wait
        assert published.json()["content_sha256"] in page.text  # the fingerprint it was published with
        for _ in range(50):
            assert http.post("/api/v1/waves/2026-autumn/responses", json=body(rng)).status_code == 201
        server.clock.now += dt.timedelta(hours=3)  # type: ignore[attr-defined]
        server.app.state.findings.frozen.clear()  # rendered again from the release, not from memory
        assert http.get(f"/findings/{release}").content == page.content
        notice = "Withdrawn: some paper answers were counted twice. A corrected release follows."
        assert admin.post(f"/api/v1/releases/{release}/withdraw", json={"notice": notice}).status_code == 200
        server.app.state.findings.frozen.clear()
        assert notice in http.get(f"/findings/{release}").text

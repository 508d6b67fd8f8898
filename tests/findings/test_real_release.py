"""A release made, checked and published through the releases' API, read on the findings page: the page reads
the frozen bytes, and more responses arriving later change nothing a family sees."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

from tests.conftest import Harness
from tests.support import ADMIN_TOKEN

STATEMENTS = ["local_offer_useful", "setting_provision", "assessment_wait", "making_progress"]
LIKERT = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]
POSTCODES = ["ME14 1XX", "CT1 2AB", "TN23 1AA", "DA1 1AA", "ME7 1AA"]


def body(rng: random.Random) -> dict[str, Any]:
    return {"answers": {"q7": {s: rng.choice(LIKERT) for s in STATEMENTS}, "respondent_role": "parent_carer"},
            "postcode": rng.choice(POSTCODES), "submission_id": str(uuid.uuid4())}


def test_a_published_release_reads_the_same_after_more_responses(fresh_app: Callable[..., Harness]) -> None:
    server = fresh_app()
    rng = random.Random(7)
    with server.client() as http, server.client(ADMIN_TOKEN) as admin:
        for _ in range(120):
            assert http.post("/api/v1/waves/2026-autumn/responses", json=body(rng)).status_code == 201
        server.clock.now += dt.timedelta(hours=2)  # type: ignore[attr-defined]
        cutoff = server.clock.now.replace(minute=0, second=0, microsecond=0)  # type: ignore[attr-defined]
        made = admin.post("/api/v1/waves/2026-autumn/releases", json={"stage": "interim", "cutoff": cutoff.isoformat()})
        assert made.status_code == 201, made.text
        release_id = made.json()["release_id"]
        assert http.get(f"/findings/{release_id}").status_code == 404  # a draft is not public
        assert admin.post(f"/api/v1/releases/{release_id}/publish").status_code == 200
        listed = http.get("/findings")
        assert f'href="/findings/{release_id}"' in listed.text
        page = http.get(f"/findings/{release_id}")
        assert page.status_code == 200 and "families now agree" in page.text and "These are early findings" in page.text
        data = http.get(f"/findings/{release_id}/data.json").json()
        for _ in range(50):
            assert http.post("/api/v1/waves/2026-autumn/responses", json=body(rng)).status_code == 201
        server.app.state.findings.frozen.clear()  # rendered again from the release, not served from memory
        assert http.get(f"/findings/{release_id}").content == page.content
        assert http.get(f"/findings/{release_id}/data.json").json() == data
        withdrawn = admin.post(f"/api/v1/releases/{release_id}/withdraw",
                               json={"notice": "Withdrawn: a test of the notice."})
        assert withdrawn.status_code == 200, withdrawn.text
        server.app.state.findings.frozen.clear()
        assert "Withdrawn: a test of the notice." in http.get(f"/findings/{release_id}").text

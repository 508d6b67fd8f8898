"""What the release routes refuse: other roles than admin changing anything, the public reading anything, and
bad input (400 naming the field), before any release is made."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Harness
from tests.support import ANALYST_TOKEN

pytestmark = pytest.mark.shared
RELEASES = "/api/v1/waves/2026-autumn/releases"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", RELEASES, {"stage": "final"}),
    ("POST", "/api/v1/releases/2026-autumn-final-1-v1/publish", None),
    ("POST", "/api/v1/releases/2026-autumn-final-1-v1/withdraw", {"notice": "Withdrawn, for a good reason."}),
])
def test_only_an_admin_makes_publishes_or_withdraws(server: Harness, method: str, path: str,
                                                    body: dict[str, str] | None) -> None:
    with server.client(ANALYST_TOKEN) as analyst, server.client() as public:
        assert analyst.request(method, path, json=body).status_code == 403
        assert public.request(method, path, json=body).status_code == 401


def test_the_public_reads_no_release_through_the_api(server: Harness) -> None:
    with server.client() as public:
        assert public.get("/api/v1/releases").status_code == 401
        assert public.get("/api/v1/releases/2026-autumn-final-1-v1").status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"stage": "weekly"}, "stage"),
    ({"stage": "interim"}, "cutoff"),
    ({"stage": "interim", "cutoff": "2026-11-22T09:30:00Z"}, "cutoff"),
    ({"stage": "interim", "cutoff": "2026-11-22T11:00:00Z"}, "cutoff"),  # after the start of this hour (10:00)
    ({"stage": "interim", "cutoff": "yesterday"}, "cutoff"),
    ({"stage": "interim", "cutoff": "2026-11-22T09:00:00Z", "note": "a note"}, "note"),
    ({"stage": "interim", "corrects": "2026-autumn-interim-1-v1", "note": "Fixed."}, "corrects"),
    ({"stage": "interim", "cutoff": "2026-11-22T09:00:00Z", "colour": "red"}, "colour"),
])
def test_bad_input_is_refused_naming_the_field(admin: httpx.Client, body: dict[str, str], field: str) -> None:
    refused = admin.post(RELEASES, json=body)
    assert refused.status_code == 400, refused.text
    assert field in {e["field"] for e in refused.json()["errors"]}, refused.json()


def test_a_final_release_waits_for_the_wave_to_close(admin: httpx.Client) -> None:
    refused = admin.post(RELEASES, json={"stage": "final"})
    assert refused.status_code == 409 and "close it first" in refused.json()["detail"]


def test_unknown_waves_and_releases_are_404_and_aggregate_waves_400(admin: httpx.Client) -> None:
    assert admin.post("/api/v1/waves/2031-spring/releases", json={"stage": "final"}).status_code == 404
    aggregate = admin.post("/api/v1/waves/baseline-2019/releases", json={"stage": "final"})
    assert aggregate.status_code == 400 and aggregate.json()["errors"][0]["field"] == "wave_id"
    assert admin.get("/api/v1/releases/2026-autumn-final-1-v1").status_code == 404
    assert admin.post("/api/v1/releases/2026-autumn-final-1-v1/publish").status_code == 404
    notice = {"notice": "Withdrawn, for a good reason."}
    assert admin.post("/api/v1/releases/2026-autumn-final-1-v1/withdraw", json=notice).status_code == 404
    assert admin.post("/api/v1/releases/x/withdraw", json={"notice": "short"}).status_code == 400
    assert admin.get("/api/v1/releases").json() == []

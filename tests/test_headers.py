"""Security headers on every kind of response: pages, API answers, errors, refusals and unknown paths."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import FakeClock, LiveServer, make_settings

SUBMIT = "/api/v1/waves/2026-autumn/responses"
VALID = {"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX"}

REQUESTS: dict[str, Callable[[httpx.Client], httpx.Response]] = {
    "submission stored (201)": lambda c: c.post(SUBMIT, json={**VALID, "submission_id": str(uuid.uuid4())}),
    "questionnaire (200)": lambda c: c.get("/api/v1/waves/2026-autumn"),
    "invalid submission (400)": lambda c: c.post(SUBMIT, json={"answers": {"q7": "yes"}}),
    "malformed JSON (400)": lambda c: c.post(SUBMIT, content=b"{", headers={"Content-Type": "application/json"}),
    "unknown wave (404)": lambda c: c.get("/api/v1/waves/no-such-wave"),
    "unknown path (404)": lambda c: c.get("/no/such/page"),
    "wrong method (405)": lambda c: c.delete("/api/v1/waves"),
    "no token (401)": lambda c: c.post("/api/v1/admin/backup"),
    "oversized body (413)": lambda c: c.post(SUBMIT, content=b"[" * 200_000,
                                             headers={"Content-Type": "application/json"}),
    "OpenAPI schema": lambda c: c.get("/schema/openapi.json"),
    "form page": lambda c: c.get("/survey/2026-autumn"),
    "health": lambda c: c.get("/healthz"),
}


@pytest.mark.parametrize("what", list(REQUESTS))
def test_every_response_carries_the_security_headers(http: httpx.Client, what: str) -> None:
    response = REQUESTS[what](http)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would be meaningless


def test_behind_tls_every_response_also_sends_hsts(tmp_path: Path) -> None:
    live = LiveServer(make_settings(tmp_path / "data", behind_tls=True), FakeClock()).start()
    try:
        with live.client() as c:
            for what, send in REQUESTS.items():
                hsts = send(c).headers.get("Strict-Transport-Security", "")
                assert "max-age=31536000" in hsts, what
    finally:
        live.stop()


def test_the_refusal_of_too_many_submissions_carries_them_too(tmp_path: Path) -> None:
    live = LiveServer(make_settings(tmp_path / "data", rate_limit_per_minute=1), FakeClock()).start()
    try:
        with live.client() as c:
            REQUESTS["submission stored (201)"](c)
            refused = REQUESTS["submission stored (201)"](c)
    finally:
        live.stop()
    assert refused.status_code == 429
    assert "frame-ancestors 'none'" in refused.headers["Content-Security-Policy"]
    assert refused.headers["X-Content-Type-Options"] == "nosniff"

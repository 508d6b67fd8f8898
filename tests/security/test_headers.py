"""Security headers on every kind of response: pages, API answers, errors, refusals and unknown paths."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

SUBMIT = "/api/v1/waves/2026-autumn/responses"
VALID = {"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX"}

Send = Callable[[httpx.Client], httpx.Response]
REQUESTS: dict[str, tuple[int, Send]] = {  # what is sent, and the status it gets
    "submission stored": (201, lambda c: c.post(SUBMIT, json={**VALID, "submission_id": str(uuid.uuid4())})),
    "questionnaire": (200, lambda c: c.get("/api/v1/waves/2026-autumn")),
    "invalid submission": (400, lambda c: c.post(SUBMIT, json={"answers": {"q7": "yes"}})),
    "malformed JSON": (400, lambda c: c.post(SUBMIT, content=b"{", headers={"Content-Type": "application/json"})),
    "unknown wave": (404, lambda c: c.get("/api/v1/waves/no-such-wave")),
    "unknown path": (404, lambda c: c.get("/no/such/page")),
    "wrong method": (405, lambda c: c.delete("/api/v1/waves")),
    "no token": (401, lambda c: c.post("/api/v1/admin/backup")),
    "oversized body": (413, lambda c: c.post(SUBMIT, content=b"[" * 200_000,
                                             headers={"Content-Type": "application/json"})),
    "OpenAPI schema": (200, lambda c: c.get("/schema/openapi.json")),
    "form page": (200, lambda c: c.get("/survey/2026-autumn")),
    "health": (200, lambda c: c.get("/healthz")),
    "readiness": (200, lambda c: c.get("/readyz")),
}


def _assert_security_headers(response: httpx.Response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would be meaningless


@pytest.mark.shared  # one app for every kind of request: none of them looks at what another stored
@pytest.mark.parametrize("what", list(REQUESTS))
def test_every_response_carries_the_security_headers(http: httpx.Client, what: str) -> None:
    status, send = REQUESTS[what]
    response = send(http)
    assert response.status_code == status, response.text[:300]
    _assert_security_headers(response)


@pytest.mark.uvicorn
@pytest.mark.shared
@pytest.mark.parametrize("what", ["unknown path", "wrong method", "oversized body"])
def test_refusals_as_served_by_uvicorn_carry_them_too(http: httpx.Client, what: str) -> None:
    status, send = REQUESTS[what]
    response = send(http)
    assert response.status_code == status, response.text[:300]
    _assert_security_headers(response)


def test_behind_tls_every_response_also_sends_hsts(start_service) -> None:
    with start_service(behind_tls=True).client() as c:
        for what, (status, send) in REQUESTS.items():
            response = send(c)
            assert response.status_code == status, what
            assert "max-age=31536000" in response.headers.get("Strict-Transport-Security", ""), what


def test_the_refusal_of_too_many_submissions_carries_them_too(start_service) -> None:
    service = start_service(rate_limit_per_minute=1)
    with service.client() as c:
        _, submit = REQUESTS["submission stored"]
        assert submit(c).status_code == 201
        refused = submit(c)
    assert refused.status_code == 429
    assert "frame-ancestors 'none'" in refused.headers["Content-Security-Policy"]
    assert refused.headers["X-Content-Type-Options"] == "nosniff"

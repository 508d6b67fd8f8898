"""Tokens and roles, and administrators' control of waves."""

from __future__ import annotations

import datetime as dt

import pytest

from surveyapp.settings import from_env
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, NEW_WAVE, Service

GUARDED = [  # role, method, path, body, and the status the right role's token gets
    ("analyst", "GET", "/api/v1/waves/2026-autumn/export", None, 200),
    ("analyst", "GET", "/api/v1/waves/2026-autumn/dictionary", None, 200),
    ("admin", "POST", "/api/v1/admin/waves", NEW_WAVE, 201),
    ("admin", "POST", "/api/v1/admin/waves/2026-autumn/close", None, 200),
    ("admin", "POST", "/api/v1/admin/waves/2026-autumn/open", None, 200),
    ("admin", "POST", "/api/v1/admin/backup", None, 201),
]


@pytest.mark.parametrize(("role", "method", "path", "body", "allowed"), GUARDED)
def test_missing_or_wrong_token_is_401_and_other_roles_token_is_403(server: Service, role: str, method: str,
                                                                     path: str, body: object, allowed: int) -> None:
    other = ANALYST_TOKEN if role == "admin" else ADMIN_TOKEN
    with server.client() as anonymous:
        r = anonymous.request(method, path, json=body)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    with server.client("not-the-token") as wrong:
        assert wrong.request(method, path, json=body).status_code == 401
    with server.client(other) as other_role:
        r = other_role.request(method, path, json=body)
        assert r.status_code == 403
        assert role in r.json()["detail"]
    with server.client(ADMIN_TOKEN if role == "admin" else ANALYST_TOKEN) as right:
        assert right.request(method, path, json=body).status_code == allowed


def test_without_configured_tokens_guarded_endpoints_stay_shut(start_service, data_dir) -> None:
    service = start_service(settings=from_env({}, data_dir=data_dir))
    with service.client("") as c:
        assert c.get("/api/v1/waves/2026-autumn/export").status_code == 401
    with service.client("None") as c:
        assert c.post("/api/v1/admin/backup").status_code == 401


@pytest.mark.shared
def test_failed_access_is_logged_without_token_or_address(server: Service, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="surveyapp.auth.guards"), server.client("guessed-token-123") as c:
        c.get("/api/v1/waves/2026-autumn/export")
    text = caplog.text
    assert "analyst access refused" in text
    assert "guessed-token-123" not in text and server.peer not in text


def test_admin_creates_a_wave_that_opens_on_its_date(admin, http, clock) -> None:
    r = admin.post("/api/v1/admin/waves", json=NEW_WAVE)
    assert r.status_code == 201
    assert r.json()["status"] == "scheduled"
    body = {"answers": {"q7": {"health_met": "neither"}}}
    assert http.post("/api/v1/waves/2027-spring/responses", json=body).status_code == 409
    clock.now = dt.datetime(2027, 4, 1, 8, tzinfo=dt.UTC)
    assert http.post("/api/v1/waves/2027-spring/responses", json=body).status_code == 201


@pytest.mark.parametrize(("change", "message"), [
    ({"wave_id": "2026-autumn"}, "exists already"),
    ({"closes_on": "2027-03-01"}, "on or after opens"),
    ({"questionnaire_version": 9}, "unknown questionnaire"),
    ({"title": {"cy": "Gwanwyn"}}, "English title"),
    ({"wave_id": "Spring 2027!"}, "wave_id"),
])
@pytest.mark.shared
def test_a_bad_new_wave_is_refused_with_the_reason(admin, change: dict[str, object], message: str) -> None:
    r = admin.post("/api/v1/admin/waves", json={**NEW_WAVE, **change})
    assert r.status_code == 400
    assert message in r.text


def test_admin_closes_and_reopens_a_wave(admin, http, server: Service) -> None:
    body = {"answers": {"q7": {"health_met": "neither"}}}
    assert admin.post("/api/v1/admin/waves/2026-autumn/close").json()["status"] == "closed"
    r = http.post("/api/v1/waves/2026-autumn/responses", json=body)
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    assert admin.post("/api/v1/admin/waves/2026-autumn/open").json()["status"] == "open"
    assert http.post("/api/v1/waves/2026-autumn/responses", json=body).status_code == 201
    assert server.count() == 1


@pytest.mark.shared
def test_closing_an_unknown_wave_is_404_and_the_baseline_cannot_be_opened(admin) -> None:
    assert admin.post("/api/v1/admin/waves/nope/close").status_code == 404
    assert admin.post("/api/v1/admin/waves/baseline-2019/open").status_code == 409


def test_a_wave_closed_by_an_admin_stays_closed_after_a_restart(start_service) -> None:
    first = start_service()
    with first.client(ADMIN_TOKEN) as admin:
        assert admin.post("/api/v1/admin/waves/2026-autumn/close").status_code == 200
        assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
    first.stop()
    second = start_service()
    with second.client() as http:
        waves = {w["wave_id"]: w["status"] for w in http.get("/api/v1/waves").json()}
    assert waves == {"baseline-2019": "closed", "2026-autumn": "closed", "2027-spring": "scheduled"}

"""Abuse: too many submissions from one client, codes used too often, failed logins, and what is logged."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest

from bench.harness import ADMIN_TOKEN, ServerProcess, count_rows
from surveyapp.http.ratelimit import RateLimiter
from tests.support import ANALYST_TOKEN, Service

SUBMIT = "/api/v1/waves/2026-autumn/responses"
ANSWERS = {"q7": {"health_met": "tend_to_agree"}, "respondent_role": "parent_carer"}


def body(**extra: object) -> dict[str, object]:
    return {"answers": ANSWERS, "postcode": "ME14 1XX", "submission_id": str(uuid.uuid4()), **extra}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """`surveyapp serve` as deployed, allowing 3 submissions a minute per client, with no proxy trusted."""
    server = ServerProcess(tmp_path_factory.mktemp("limited") / "data", rate_limit_per_minute="3").start()
    server.open_wave()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The same behind a proxy that reports the client in X-Forwarded-For, allowing 2 a minute."""
    server = ServerProcess(tmp_path_factory.mktemp("proxied") / "data", rate_limit_per_minute="2",
                           trusted_proxy_header="X-Forwarded-For", log_level="DEBUG").start()
    server.open_wave()
    yield server
    server.stop()


@pytest.mark.slow
def test_the_fourth_submission_in_a_minute_is_429_with_retry_after_and_not_stored(limited: ServerProcess) -> None:
    with httpx.Client(base_url=limited.url, timeout=30) as c:
        assert [c.post(SUBMIT, json=body()).status_code for _ in range(3)] == [201, 201, 201]
        refused = c.post(SUBMIT, json=body())
        # A forged forwarding header changes nothing when no proxy is trusted.
        forged = c.post(SUBMIT, json=body(), headers={"X-Forwarded-For": "198.51.100.9"})
        form = c.post("/survey/2026-autumn", data={"csrf": "x"})
        assert c.get("/api/v1/waves/2026-autumn").status_code == 200  # reading is never limited
    assert refused.status_code == 429 and forged.status_code == 429 and form.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.json()
    assert error["status_code"] == 429 and error["errors"] == []
    assert "nothing was stored" in error["detail"] and "wait" in error["detail"]
    assert "Please wait" in form.text and form.headers["content-type"].startswith("text/html")
    limited.stop()
    assert count_rows(limited.data_dir / "surveyapp.duckdb") == 3


@pytest.mark.slow
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(proxied: ServerProcess) -> None:
    def send(forwarded: str) -> int:
        return c.post(SUBMIT, json=body(), headers={"X-Forwarded-For": forwarded}).status_code

    with httpx.Client(base_url=proxied.url, timeout=30) as c:
        first = [send("198.51.100.1") for _ in range(3)]
        # The client may write anything before the address our proxy appends: only the last one counts.
        spoofed = send("203.0.113.5, 198.51.100.1")
        other = send("198.51.100.2")
    assert first == [201, 201, 429]
    assert spoofed == 429 and other == 201


@pytest.mark.slow  # after the test above: it stops `proxied` to read its whole log
def test_the_log_never_holds_a_client_address_even_at_debug_level(proxied: ServerProcess) -> None:
    with httpx.Client(base_url=proxied.url, timeout=30) as c:
        for forwarded in ("198.51.100.77", "198.51.100.77", "198.51.100.77"):
            c.post(SUBMIT, json=body(), headers={"X-Forwarded-For": forwarded})
        c.post(SUBMIT, content=b"{not json", headers={"X-Forwarded-For": "198.51.100.77"})
        c.get("/no/such/page", headers={"X-Forwarded-For": "198.51.100.77"})
        c.post("/api/v1/admin/backup", headers={"Authorization": "Bearer wrong-token-987654",
                                                 "X-Forwarded-For": "198.51.100.77"})
    proxied.stop()
    log = proxied.log()
    assert "access refused" in log  # the log is there and was written
    assert "198.51.100.77" not in log and "wrong-token-987654" not in log
    assert not re.search(r"127\.0\.0\.1:\d+ - ", log), "a client address and port (an access log line)"


def test_the_limiter_refills_over_the_minute_and_keeps_only_hashes() -> None:
    now = [1000.0]
    limiter = RateLimiter(3, clock=lambda: now[0], max_clients=2)
    assert [limiter.take("192.0.2.1") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("192.0.2.1") == pytest.approx(20.0)
    now[0] += 20.0
    assert limiter.take("192.0.2.1") == 0
    for address in ("192.0.2.2", "192.0.2.3", "192.0.2.4"):
        limiter.take(address)
    assert len(limiter) == 2  # memory stays bounded: the least recently seen are forgotten
    assert not any(b"192.0.2" in key for key in limiter._buckets)


@pytest.mark.uvicorn  # twelve connections at once
def test_concurrent_uses_of_one_code_never_pass_the_ceiling(http: httpx.Client, server: Service) -> None:
    code = http.post(SUBMIT, json=body()).json()["return_code"]
    ceiling = server.settings.max_responses_per_code
    statuses: list[int] = []

    def send() -> None:
        with server.client() as c:
            statuses.append(c.post(SUBMIT, json=body(return_code=code)).status_code)

    threads = [threading.Thread(target=send) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [201] * (ceiling - 1) + [409] * (12 - ceiling + 1)
    assert server.count() == ceiling


def test_a_code_at_its_ceiling_in_one_wave_still_works_in_the_next(http: httpx.Client, admin: httpx.Client,
                                                                  server: Service) -> None:
    code = http.post(SUBMIT, json=body()).json()["return_code"]
    for _ in range(server.settings.max_responses_per_code - 1):
        assert http.post(SUBMIT, json=body(return_code=code)).status_code == 201
    assert http.post(SUBMIT, json=body(return_code=code)).status_code == 409
    created = admin.post("/api/v1/admin/waves", json={
        "wave_id": "2026-winter", "questionnaire_id": "send-repeat", "questionnaire_version": 1,
        "title": {"en": "Winter 2026"}, "opens_on": "2026-11-01", "closes_on": "2027-02-28"})
    assert created.status_code == 201, created.text
    later = http.post("/api/v1/waves/2026-winter/responses", json=body(return_code=code))
    assert later.status_code == 201, later.text


@pytest.mark.parametrize(("token", "path", "expected"), [
    (None, "/api/v1/admin/backup", 401),
    ("guessed-admin-token-55", "/api/v1/admin/backup", 401),
    (ANALYST_TOKEN, "/api/v1/admin/backup", 403),
    ("guessed-analyst-token-66", "/api/v1/waves/2026-autumn/export", 401),
])
@pytest.mark.shared
def test_refused_admin_and_analyst_access_is_logged_without_personal_data(
        server: Service, caplog: pytest.LogCaptureFixture, token: str | None, path: str, expected: int) -> None:
    headers = {"X-Forwarded-For": "198.51.100.23", "User-Agent": "Mozilla/5.0 (Jo Bloggs' laptop)"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with caplog.at_level("DEBUG"), server.client() as c:
        method = c.post if "admin" in path else c.get
        assert method(path, headers=headers).status_code == expected
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the client's
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server_side)
    assert sum("access refused" in r.getMessage() for r in server_side) == 1
    for secret in (server.peer, "198.51.100.23", "Jo Bloggs", ANALYST_TOKEN, ADMIN_TOKEN, "guessed-"):
        assert secret not in logged


@pytest.mark.shared
def test_nothing_in_the_database_can_hold_an_address(server: Service) -> None:
    columns = server.store.rows("SELECT table_name, column_name FROM information_schema.columns")
    names = " ".join(f"{t}.{c}".lower() for t, c in columns)
    assert not re.search(r"\b\w*\.(ip|ip_address|address|client|remote_addr|user_agent)\b", names)

"""Issue 11, "Hardening, second round": each defect's fix, seen from outside by a family, an attacker or an
operator, on the real app over HTTP and a real DuckDB file (the defect's number is in each section)."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from litestar import get

from bench.harness import ServerProcess
from surveyapp.app import create_app
from surveyapp.domain.returncodes import ReturnCodeError, normalise
from surveyapp.http.ratelimit import RateLimiter, client_address
from surveyapp.settings import Settings
from tests.served import Served
from tests.support import FakeClock, Service, make_settings

StartService = Callable[..., Service]  # conftest's start_service fixture

SUBMIT = "/api/v1/waves/2026-autumn/responses"
ANSWERS = {"q7": {"health_met": "tend_to_agree"}, "respondent_role": "parent_carer"}


def body(**extra: object) -> dict[str, object]:
    return {"answers": ANSWERS, "postcode": "ME14 1XX", "submission_id": str(uuid.uuid4()), **extra}


# --- 3. The client behind a proxy is the address the proxy appended, whatever the client wrote before it ---


def test_a_forged_forwarding_line_before_the_proxys_own_does_not_escape_the_limit(
        start_service: StartService) -> None:
    live = start_service(live=True, rate_limit_per_minute=2, trusted_proxy_header="X-Forwarded-For")
    try:
        with live.client() as c:
            statuses = []
            for i in range(4):  # a fresh forged line each time, then the line our proxy added (HAProxy's way)
                headers = [("X-Forwarded-For", f"203.0.113.{i}"), ("X-Forwarded-For", "198.51.100.1")]
                statuses.append(c.post(SUBMIT, json=body(), headers=headers).status_code)
            other = c.post(SUBMIT, json=body(), headers={"X-Forwarded-For": "198.51.100.2"}).status_code
    finally:
        live.stop()
    assert statuses == [201, 201, 429, 429]
    assert other == 201


def _scope(*lines: str, peer: str = "10.0.0.9") -> dict[str, object]:
    return {"headers": [(b"x-forwarded-for", line.encode()) for line in lines], "client": (peer, 4711)}


def test_the_client_is_the_hop_the_trusted_proxies_appended() -> None:
    assert client_address(_scope("203.0.113.5", "198.51.100.1"), "X-Forwarded-For") == "198.51.100.1"
    assert client_address(_scope("203.0.113.5, 198.51.100.1"), "X-Forwarded-For") == "198.51.100.1"
    # Two proxies of ours (a CDN, then nginx): the client is the second address from the right.
    assert client_address(_scope("203.0.113.5, 198.51.100.1, 10.0.0.2"), "X-Forwarded-For", hops=2) \
        == "198.51.100.1"
    # Fewer addresses than our proxies would have written: the request did not come through them all.
    assert client_address(_scope("198.51.100.1"), "X-Forwarded-For", hops=2) == "10.0.0.9"
    assert client_address(_scope(), "X-Forwarded-For") == "10.0.0.9"


# --- 5. Refused requests cost a shared address nothing; the limit fits a school event but not a flood ---


def test_junk_costs_a_shared_address_nothing_and_four_dozen_families_in_a_minute_all_get_in(
        start_service: StartService) -> None:
    defaults = Settings()
    live = start_service(live=True, rate_limit_per_minute=defaults.rate_limit_per_minute,
                         rate_limit_per_hour=defaults.rate_limit_per_hour)
    settings = live.settings
    try:
        with live.client() as c:
            started = time.monotonic()
            junk = [c.post("/api/v1/waves/no-such-wave/responses", json=body()).status_code for _ in range(20)]
            junk += [c.post(SUBMIT, content=b"{not json", headers={"Content-Type": "application/json"}).status_code
                     for _ in range(20)]
            junk += [c.post("/survey/2026-autumn", data={"csrf": "stale"}).status_code for _ in range(10)]
            families = [c.post(SUBMIT, json=body()).status_code for _ in range(48)]
            flood = [c.post(SUBMIT, json=body()).status_code for _ in range(settings.rate_limit_per_minute)]
            elapsed = time.monotonic() - started
    finally:
        live.stop()
    assert set(junk) == {400, 403, 404}
    assert families == [201] * 48
    accepted = families.count(201) + flood.count(201)
    assert 429 in flood, "one address can still not flood the survey"
    # At most the minute's allowance, and what refilled while the test ran (one a second at 60 a minute).
    assert accepted <= settings.rate_limit_per_minute + elapsed * settings.rate_limit_per_minute / 60 + 1


def test_the_limiter_also_caps_an_address_over_the_hour_and_gives_back_what_was_refused() -> None:
    now = [0.0]
    limiter = RateLimiter(60, per_hour=300, clock=lambda: now[0])
    accepted = 0
    for _ in range(60 * 60):  # one attempt a second for an hour
        if limiter.take("192.0.2.1") == 0:
            accepted += 1
        now[0] += 1.0
    assert 300 <= accepted <= 300 + 300  # the hour's allowance (and its refill), not 60 a minute (3,600)
    assert limiter.take("192.0.2.9") == 0
    limiter.refund("192.0.2.9")  # a request that turned out to be junk costs nothing
    assert [limiter.take("192.0.2.9") for _ in range(60)] == [0] * 60
    assert limiter.take("192.0.2.9") > 0


# --- 7. A return code typed in other digits links like the ASCII one; the README's example is not a code ---

FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def test_a_code_in_full_width_or_arabic_indic_digits_links_and_counts_towards_the_ceiling(
        http: httpx.Client, server: Service) -> None:
    first = http.post(SUBMIT, json=body()).json()
    code = first["return_code"]
    typed = [code.translate(FULL_WIDTH), code.lower().translate(ARABIC_INDIC).replace("-", " ")]
    later = [http.post(SUBMIT, json=body(return_code=t)) for t in typed]
    assert [r.status_code for r in later] == [201, 201], [r.text for r in later]
    assert [r.json()["return_code"] for r in later] == [code, code]  # given back in ASCII
    keys = dict(server.store.rows("SELECT response_id, cohort_key FROM responses"))
    assert keys[later[0].json()["response_id"]] == keys[later[1].json()["response_id"]] \
        == keys[first["response_id"]]
    fourth = http.post(SUBMIT, json=body(return_code=code.translate(DEVANAGARI)))
    assert fourth.status_code == 409 and fourth.json()["errors"][0]["field"] == "return_code"
    assert server.count() == 3


@pytest.mark.shared
@pytest.mark.parametrize("typed", ["MAPLE-OTTER-4217", "maple otter 4217", "MAPLE-OTTER-４２１７"])
def test_the_readmes_example_code_is_refused_saying_so(http: httpx.Client, server: Service, typed: str) -> None:
    refused = http.post(SUBMIT, json=body(return_code=typed))
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert error["field"] == "return_code" and "example" in error["message"]
    assert server.count() == 0


def test_digits_that_fold_to_nothing_sensible_are_refused() -> None:
    assert normalise("ＭＡＰＬＥ　ＯＴＴＥＲ　１２３４") == "MAPLE-OTTER-1234"
    assert normalise("maple–otter–1234") == "MAPLE-OTTER-1234"  # en dashes, as phones type them
    for typed in ("MAPLE-OTTER-12３", "MAPLE-OTTER-½234", "MAPLE-OTTER-١٢٣٤٥"):
        with pytest.raises(ReturnCodeError):
            normalise(typed)


# --- 13. One draft stores at most one response; JSON bodies must say they are JSON ---

FORM = "/survey/2026-autumn"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def test_one_draft_stores_one_response_however_often_it_is_sent(
        http: httpx.Client, server: Service, clock: FakeClock) -> None:
    hidden = dict(HIDDEN.findall(http.get(FORM + "/q/q7-health_met").text))
    http.post(FORM + "/q/q7-health_met", data={**hidden, "q7-health_met": "strongly_agree"})
    clock.now += dt.timedelta(seconds=30)  # the minimum fill time, counted from the draft's first page
    sent = [http.post(FORM, data=hidden) for _ in range(3)]  # Send, Back and Send, a reload that posts again
    changed = http.post(FORM + "/q/q7-health_met", data={**hidden, "q7-health_met": "strongly_disagree"})
    forged = http.post(FORM, data={**hidden, "submission_id": str(uuid.uuid4())})  # the draft's id is not posted
    assert [r.status_code for r in sent] == [303, 303, 303] and forged.status_code == 303
    assert changed.status_code == 409  # the sent draft cannot be changed and sent as another response
    assert server.count() == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_json_body_not_labelled_json_is_415_and_nothing_is_stored(
        http: httpx.Client, admin: httpx.Client, server: Service, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    refused = http.post(SUBMIT, content=json.dumps(body()).encode(), headers=headers)
    wave = {"wave_id": "2027-spring", "questionnaire_id": "send-repeat", "questionnaire_version": 1,
            "title": {"en": "Spring 2027"}, "opens_on": "2027-04-01", "closes_on": "2027-06-30"}
    admin_refused = admin.post("/api/v1/admin/waves", content=json.dumps(wave).encode(), headers=headers)
    for response in (refused, admin_refused):
        assert response.status_code == 415, response.text
        error = response.json()
        assert "application/json" in error["errors"][0]["message"] and "nothing was stored" in error["detail"]
    assert server.count() == 0
    assert "2027-spring" not in http.get("/api/v1/waves").text
    labelled = http.post(SUBMIT, json=body(), headers={"Content-Type": "application/json; charset=utf-8"})
    assert labelled.status_code == 201


# --- 9. Hostile bytes get a clear 4xx; a real fault is a 500 that is logged with an id the client is given ---


@pytest.mark.shared
def test_invalid_utf8_inside_a_json_string_is_a_400_naming_the_body(
        http: httpx.Client, admin: httpx.Client, server: Service) -> None:
    json_headers = {"Content-Type": "application/json"}
    submission = http.post(SUBMIT, headers=json_headers,
                           content=b'{"answers": {"q7": {"health_met": "tend_to_agree"}, "q7a": "caf\xe9 \xff"}}')
    wave = admin.post("/api/v1/admin/waves", headers=json_headers, content=(
        b'{"wave_id": "2027-spring", "questionnaire_id": "send-\xc3\x28", "questionnaire_version": 1, '
        b'"title": {"en": "Spring"}, "opens_on": "2027-04-01", "closes_on": "2027-06-30"}'))
    for response in (submission, wave):
        assert response.status_code == 400, response.text
        error = response.json()
        assert error["errors"][0]["field"] == "body" and "UTF-8" in error["errors"][0]["message"]
    assert server.count() == 0
    assert "2027-spring" not in http.get("/api/v1/waves").text


@pytest.mark.shared
@pytest.mark.parametrize("path", ["/static/form.js%00.css", "/static/%00", "/static/form.js%0a"])
def test_a_control_character_in_a_static_path_is_a_4xx_without_any_token(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.shared
def test_a_report_against_itself_is_a_400_and_an_unknown_wave_a_404(analyst: httpx.Client) -> None:
    itself = analyst.get("/results/2026-autumn", params={"baseline": "2026-autumn"})
    assert itself.status_code == 400 and itself.json()["errors"][0]["field"] == "baseline"
    assert analyst.get("/results/no-such-wave").status_code == 404
    assert analyst.get("/api/v1/waves/no-such-wave/report.zip").status_code == 404


@pytest.mark.shared
def test_a_report_on_a_wave_without_responses_is_a_400_saying_so(analyst: httpx.Client) -> None:
    for path in ("/api/v1/waves/2026-autumn/report.zip", "/results/2026-autumn"):
        response = analyst.get(path)
        assert response.status_code == 400, response.text
        if path.startswith("/api"):
            error = response.json()["errors"][0]
            assert error["field"] == "wave" and "no answers to q7 yet" in error["message"]
        else:
            assert "no answers to q7 yet" in response.text


@get("/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("a fault no test should ever see in production")


def test_a_fault_is_a_500_whose_request_id_is_in_the_response_and_the_log(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(make_settings(tmp_path / "data"), clock=FakeClock(), extra_handlers=[boom])
    with caplog.at_level("ERROR"), Served(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert len(request_id) >= 16 and request_id in response.json()["detail"]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelname == "ERROR"
    assert logged[0].exc_info is not None and "GET /boom" in logged[0].getMessage()


# --- 10. Nothing a client sends can forge a line of the log ---


@pytest.mark.slow  # the real `surveyapp serve` in a subprocess, for its own log
def test_a_newline_in_a_path_cannot_write_a_forged_line_into_the_log(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    forged = "2026-11-22 10:00:00,000 CRITICAL surveyapp: the database was deleted"
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            refused = c.get("/api/v1/waves/x%0a" + forged.replace(" ", "%20") + "/export")
            also = c.get("/api/v1/waves/y%0d%0a%1b[31m" + forged.replace(" ", "%20") + "/export")
    finally:
        server.stop()
    assert refused.status_code == also.status_code == 401
    log = server.log()
    assert "access refused" in log  # the refusals were logged ...
    assert "\\n" + forged in log and "\\x1b" in log  # ... with the control characters escaped
    assert not any(line.startswith(forged) for line in log.splitlines()), log
    assert "\x1b" not in log and "\r" not in log

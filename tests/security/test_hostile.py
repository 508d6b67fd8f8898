"""Hostile input: schema-driven fuzzing of every operation, arbitrary bodies and raw bytes at the submission
endpoints. Every answer is a clear 4xx, never a 5xx, and nothing is stored by a refused request.

The fuzzing talks to the app in process (one app for the module); bodies too large to read go through uvicorn,
where a body really arrives over a socket in pieces."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks

from surveyapp.app import create_app
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, Service, make_settings

SUBMIT = "/api/v1/waves/2026-autumn/responses"
FORM = "/survey/2026-autumn"
FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

# Hypothesis- and schemathesis-heavy. The last test checks that a valid response still lands in the app that
# took all the rest (`make test` keeps each module on one worker, in order).
pytestmark = pytest.mark.slow

load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not isinstance(check, type)]
# A response is valid only against its wave's questionnaire, a new wave only against the questionnaires on disk
# and its own dates, and an export's `waves` and `filter` only against the waves stored and their questions:
# schema-valid requests are rightly refused there (with a 400 naming the field).
NEEDS_MORE_THAN_THE_SCHEMA = {"/api/v1/waves/{wave_id}/responses", "/api/v1/admin/waves", "/api/v1/export",
                              "/api/v1/export/dictionary"}


@pytest.fixture(scope="module")
def live(module_service: Service) -> Service:
    """One app in process for the module: every test leaves it as it found it, or adds a valid response."""
    return module_service


def _lifespan_run_by_the_fixture(app: Any) -> Any:
    """The app for schemathesis's ASGI client, which would run the lifespan itself: the fixture already has."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    return asgi


@pytest.fixture(scope="module")
def api_schema(live: Service) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/schema/openapi.json", _lifespan_run_by_the_fixture(live.app))


def _operations() -> list[tuple[str, str]]:
    """Every operation of the served schema, read from the app itself (no server needed to collect)."""
    spec = create_app(make_settings(Path("unused"))).openapi_schema.to_schema()
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item]


def token_for(path: str) -> str:
    return ADMIN_TOKEN if path.startswith("/api/v1/admin/") else ANALYST_TOKEN


@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_operation_survives_generated_requests_with_every_check(
        api_schema: schemathesis.BaseSchema, method: str, path: str) -> None:
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {token_for(path)}"}
    checks = [c for c in ALL_CHECKS
              if not (path in NEEDS_MORE_THAN_THE_SCHEMA and c.__name__ == "positive_data_acceptance")]

    @FUZZ
    @given(case=operation.as_strategy())
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, checks=checks)
        if response.status_code == 400:  # refused for what the schema cannot say: it must name the field
            assert response.json()["errors"], response.text

    fuzz()


def _stored(live: Service) -> int:
    return live.count()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25)
submission_like = st.fixed_dictionaries({}, optional={
    "answers": json_values | st.dictionaries(st.sampled_from(["q7", "respondent_role", "q7a", "postcode", "zz"]),
                                             json_values, max_size=4),
    "postcode": json_values, "return_code": json_values, "submission_id": json_values, "language": json_values,
    "extra": json_values})


def _assert_clear_refusal(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if response.headers.get("content-type", "").startswith("application/json"):
        error = response.json()
        assert error["status_code"] == response.status_code and error["detail"]
        for e in error["errors"]:
            assert e["field"] and e["message"]


@FUZZ
@given(body=submission_like)
def test_arbitrary_json_bodies_are_refused_clearly_and_store_nothing(live: Service, body: dict) -> None:
    before = _stored(live)
    with live.client() as c:
        response = c.post(SUBMIT, json=body)
    if response.status_code == 201:  # the generator can stumble on a valid response; that is fine
        return
    _assert_clear_refusal(response)
    assert _stored(live) == before


@FUZZ
@given(raw=st.binary(max_size=2000), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]))
def test_raw_bytes_are_refused_clearly_and_store_nothing(live: Service, raw: bytes, content_type: str) -> None:
    before = _stored(live)
    with live.client() as c:
        for path in (SUBMIT, FORM):
            response = c.post(path, content=raw, headers={"Content-Type": content_type} if content_type else {})
            assert response.status_code < 500, (path, response.status_code, response.text[:300])
            assert response.status_code != 201
    assert _stored(live) == before


@FUZZ
@given(fields=st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=12))
def test_arbitrary_form_posts_never_fail_and_store_nothing(live: Service, fields: dict[str, str]) -> None:
    before = _stored(live)
    with live.client() as c:
        response = c.post(FORM, data=fields)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert _stored(live) == before


FORM_FIELDS = ["respondent_role", "education_setting", "health_services", "q7-health_met", "q7-local_offer_useful",
               "q7a", "postcode", "return_code", "lang", "leave_empty", "submission_id", "started", "csrf"]


@FUZZ
@given(fields=st.lists(st.tuples(st.sampled_from(FORM_FIELDS) | st.text(max_size=15),
                                 st.sampled_from(["parent_carer", "tend_to_agree", "none", "ME14 1XX", ""])
                                 | st.text(max_size=300)), max_size=15))
def test_form_posts_past_the_csrf_check_are_stored_or_refused_never_fail(live: Service,
                                                                         fields: list[tuple[str, str]]) -> None:
    with live.client() as c:  # a real browser session: the draft cookie and the page's token
        page = c.get(FORM + "/q/respondent_role")
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
        before = _stored(live)
        data: dict[str, list[str]] = {name: [value] for name, value in hidden.items()}
        for name, value in fields:  # a name may come twice, as checkboxes do, or override a hidden field
            data.setdefault(name, []).append(value)
        saved = c.post(FORM + "/q/respondent_role", data=data)
        live.clock.now += dt.timedelta(seconds=30)
        response = c.post(FORM, data=data)
    assert saved.status_code in (303, 400, 403), (saved.status_code, saved.text[:300])
    assert response.status_code in (303, 400, 403, 409), (response.status_code, response.text[:300])
    assert _stored(live) == before + (response.status_code == 303)


@pytest.mark.parametrize("body", [
    b"[" * 30_000 + b"]" * 30_000,  # deep nesting, under the size limit
    b'{"answers": {"q7": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"}}",
    b'{"answers": {' + b",".join(b'"k%d": 1' % i for i in range(5_000)) + b"}}",
    b'{"answers": {"q7a": "' + b"x" * 60_000 + b'"}}',
])
def test_deep_or_wide_json_within_the_size_limit_is_a_clear_400(live: Service, body: bytes) -> None:
    before = _stored(live)
    with live.client() as c:
        response = c.post(SUBMIT, content=body, headers={"Content-Type": "application/json"})
    _assert_clear_refusal(response)
    assert response.status_code == 400
    assert _stored(live) == before


@pytest.mark.parametrize("path", [SUBMIT, FORM])
def test_an_oversized_body_is_refused_with_413_before_it_is_read(module_live: Service, path: str) -> None:
    live = module_live  # over a socket: the body arrives in pieces, and the server stops reading at the limit
    limit = live.settings.max_body_bytes
    content_type = {"Content-Type": "application/json" if path == SUBMIT else "application/x-www-form-urlencoded"}

    def endless() -> Iterator[bytes]:  # a client that would send far more than the limit, without saying so
        for _ in range(64):
            yield b" " * limit

    before = _stored(live)
    with live.client() as c:
        declared = c.post(path, content=b"{" + b" " * (limit + 1) + b"}", headers=content_type)
        streamed = c.post(path, content=endless(), headers=content_type)
    assert declared.status_code == 413 and streamed.status_code == 413
    assert "too large" in declared.text.lower()
    assert _stored(live) == before


def test_a_valid_submission_still_works_after_all_that(live: Service) -> None:
    with live.client() as c:
        response = c.post(SUBMIT, json={"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX",
                                        "submission_id": str(uuid.uuid4())})
    assert response.status_code == 201

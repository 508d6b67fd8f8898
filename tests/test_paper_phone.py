"""Paper and phone: answers returned on paper or taken by phone are typed in by staff and stored with their
channel; nobody else can claim one. Over HTTP, through the real app and a real DuckDB file."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pyreadstat
import pytest

from tests.conftest import Harness, StartService
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN

STAFF_TOKEN = "staff-token-for-tests-0123456789"
RESPONSES = "/api/v1/waves/2026-autumn/responses"
BODY = {"answers": {"respondent_role": "parent_carer", "q7": {"health_met": "tend_to_agree"}}, "postcode": "CT9 1AA"}


@pytest.fixture
def service(start_service: StartService) -> Harness:
    return start_service(staff_token=STAFF_TOKEN)


@pytest.fixture
def staff(service: Harness) -> Iterator[httpx.Client]:
    with service.client(STAFF_TOKEN) as client:
        yield client


def channels(service: Harness) -> list[str]:
    return [row[0] for row in service.store.rows("SELECT channel FROM responses ORDER BY channel")]


# The JSON API's channel rule

def test_staff_and_admin_store_paper_and_phone_answers_through_the_api(service: Harness, staff: httpx.Client):
    assert staff.post(RESPONSES, json={**BODY, "channel": "paper"}).status_code == 201
    with service.client(ADMIN_TOKEN) as admin:
        assert admin.post(RESPONSES, json={**BODY, "channel": "phone"}).status_code == 201
    assert channels(service) == ["paper", "phone"]


def test_without_a_channel_the_api_stays_public_and_stores_api(service: Harness):
    with service.client() as anyone:
        assert anyone.post(RESPONSES, json=BODY).status_code == 201
        assert anyone.post(RESPONSES, json={**BODY, "channel": "api"}).status_code == 201
    assert channels(service) == ["api", "api"]


def test_a_channel_without_a_token_is_401_and_stores_nothing(service: Harness):
    with service.client() as anyone:
        refused = anyone.post(RESPONSES, json={**BODY, "channel": "paper"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert "channel" in refused.json()["detail"] and "staff" in refused.json()["detail"]
    with service.client("not-a-token-at-all-0123456789") as stranger:
        assert stranger.post(RESPONSES, json={**BODY, "channel": "phone"}).status_code == 401
    assert service.count() == 0


def test_an_analyst_token_cannot_claim_a_channel(service: Harness):
    with service.client(ANALYST_TOKEN) as analyst:
        refused = analyst.post(RESPONSES, json={**BODY, "channel": "phone"})
    assert refused.status_code == 403
    assert "analyst" in refused.json()["detail"]
    assert service.count() == 0


@pytest.mark.parametrize("channel", ["fax", "form", "PAPER", ""])
def test_an_unknown_channel_is_400_naming_it(service: Harness, staff: httpx.Client, channel: str):
    refused = staff.post(RESPONSES, json={**BODY, "channel": channel})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Some fields need fixing; nothing was stored."
    [error] = refused.json()["errors"]
    assert error["field"] == "channel" and "paper or phone" in error["message"]
    assert service.count() == 0


def test_the_channel_is_in_the_openapi_schema(service: Harness):
    with service.client() as anyone:
        schema = anyone.get("/schema/openapi.json").json()
    fields = schema["components"]["schemas"]["SubmissionIn"]["properties"]
    assert "staff" in str(fields["channel"])


def test_staff_submissions_are_not_held_to_the_address_rate_limit(start_service: StartService):
    service = start_service(staff_token=STAFF_TOKEN, rate_limit_per_minute=3, rate_limit_per_hour=3)
    with service.client(STAFF_TOKEN) as staff, service.client() as anyone:
        assert [staff.post(RESPONSES, json={**BODY, "channel": "paper"}).status_code for _ in range(8)] == [201] * 8
        public = [anyone.post(RESPONSES, json=BODY).status_code for _ in range(4)]
    assert public == [201, 201, 201, 429]  # the families' allowance from the same address is untouched by staff's


# Exports carry the channel

@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_exports_carry_paper_and_phone(service: Harness, staff: httpx.Client, fmt: str, tmp_path):
    for channel in ("paper", "phone"):
        assert staff.post(RESPONSES, json={**BODY, "channel": channel}).status_code == 201
    with service.client() as anyone:
        assert anyone.post(RESPONSES, json=BODY).status_code == 201
    with service.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/waves/2026-autumn/export?format={fmt}")
        dictionary = analyst.get("/api/v1/waves/2026-autumn/dictionary?format=json").json()
    assert got.status_code == 200
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(got.content)
    frame, _ = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
    assert sorted(frame["channel"]) == ["api", "paper", "phone"]
    described = next(row for row in dictionary if row["name"] == "channel")
    assert "paper" in described["text"] + described["values"] and "phone" in described["text"] + described["values"]

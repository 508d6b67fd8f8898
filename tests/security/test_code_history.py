"""Issue 11, defect 8: whether a return code was used before must not show in the answer to a submission that
types it, nor in the work (and so the time) it costs, below the 3-use ceiling. The time itself is a benchmark
figure (`.venv/bin/python -m bench.codes`), never a timed test; here: the same answer and the same work."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from tests.support import Service

StartService = Callable[..., Service]  # conftest's start_service fixture
SUBMIT = "/api/v1/waves/2026-autumn/responses"
VOLATILE = {"date", "content-length", "x-request-id"}  # the time, a length following the words, a random id


def post(c: httpx.Client, code: str) -> httpx.Response:
    return c.post(SUBMIT, json={"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX",
                                "return_code": code, "submission_id": str(uuid.uuid4())})


def test_a_fresh_code_and_a_code_used_once_get_the_same_answer(server: Service) -> None:
    with server.client() as c:
        assert post(c, "HAZEL-OTTER-1234").status_code == 201  # used once before
        fresh, again = post(c, "HAZEL-OTTER-5678"), post(c, "HAZEL-OTTER-1234")
    assert fresh.status_code == again.status_code == 201
    assert {k: v for k, v in fresh.headers.items() if k not in VOLATILE} == \
        {k: v for k, v in again.headers.items() if k not in VOLATILE}
    assert fresh.json().keys() == again.json().keys() == {"response_id", "return_code"}
    assert (fresh.json()["return_code"], again.json()["return_code"]) == ("HAZEL-OTTER-5678", "HAZEL-OTTER-1234")
    uuid.UUID(fresh.json()["response_id"]), uuid.UUID(again.json()["response_id"])  # both fresh ids, no history


def test_a_code_used_before_costs_the_writer_no_more_work_than_a_fresh_one(server: Service) -> None:
    writer = server.store.writer
    with server.client() as c:
        for code in ("CEDAR-WREN-1111", "CEDAR-WREN-2222", "CEDAR-WREN-2222"):  # 2222 has been used twice
            assert post(c, code).status_code == 201
        work = {}
        for label, code in (("fresh", "CEDAR-WREN-3333"), ("used once", "CEDAR-WREN-1111"),
                            ("used twice", "CEDAR-WREN-2222"), ("fresh again", "CEDAR-WREN-4444")):
            before = writer.statements
            assert post(c, code).status_code == 201
            work[label] = writer.statements - before
        at_ceiling = post(c, "CEDAR-WREN-2222")  # the fourth use: the ceiling, which is looked up exactly
    assert at_ceiling.status_code == 409
    assert work["fresh"] == work["used once"] == work["used twice"] == work["fresh again"], work
    assert server.count("SELECT count(*) FROM responses") == 7

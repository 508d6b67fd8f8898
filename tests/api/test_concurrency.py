"""Many families at once: every acknowledged response is stored exactly once."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import Service

pytestmark = pytest.mark.uvicorn  # many connections at once: the real server's concurrency

THREADS, PER_THREAD = 16, 25


def test_sixteen_threads_submitting_at_once_store_every_acknowledged_response_once(server: Service) -> None:
    barrier = threading.Barrier(THREADS)

    def submit(worker: int) -> list[tuple[str, str]]:
        acknowledged = []
        with server.client() as http:
            barrier.wait()
            for i in range(PER_THREAD):
                submission_id = str(uuid.uuid4())
                body = {"answers": {"q7": {"health_met": "tend_to_agree"}, "q7a": f"worker {worker} answer {i}"},
                        "submission_id": submission_id, "postcode": "CT1"}
                r = http.post("/api/v1/waves/2026-autumn/responses", json=body)
                if r.status_code == 201:
                    acknowledged.append((r.json()["response_id"], submission_id))
                if i % 5 == 0:  # a retry of the same submission must not store twice
                    again = http.post("/api/v1/waves/2026-autumn/responses", json=body)
                    assert again.json()["response_id"] == r.json()["response_id"]
        return acknowledged

    with ThreadPoolExecutor(THREADS) as pool:
        acknowledged = [a for batch in pool.map(submit, range(THREADS)) for a in batch]
    assert len(acknowledged) == THREADS * PER_THREAD
    stored = server.store.rows("SELECT response_id, submission_id FROM responses")
    assert sorted(stored) == sorted(acknowledged)
    texts = server.store.rows("SELECT text, count(*) FROM answers WHERE question_id = 'q7a' GROUP BY text")
    assert len(texts) == THREADS * PER_THREAD and all(n == 1 for _, n in texts)

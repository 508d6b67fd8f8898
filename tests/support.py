"""Plain helpers the test modules import: tokens, the test clock, settings and what a service harness offers.

Fixtures (the services themselves, seeded data, the CLI) live in conftest.py; test modules never import
conftest.py or one another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import uvicorn

from surveyapp.domain.services import Accepted
from surveyapp.domain.submission import Submission
from surveyapp.settings import Settings, from_env

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ADMIN_TOKEN = "admin-token-for-tests-0123456789"
ANALYST_TOKEN = "analyst-token-for-tests-0123456789"
STAFF_TOKEN = "staff-token-for-tests-0123456789"  # the staff role's, where a test turns it on
# httpx reads its certificate authorities again for each client made without `verify` (20 ms of CPU): the tests'
# own clients of services on loopback share one context.
CA = httpx.create_ssl_context()
NEW_WAVE = {"wave_id": "2027-spring", "questionnaire_id": "send-repeat", "questionnaire_version": 1,
            "title": {"en": "Spring 2027"}, "opens_on": "2027-04-01", "closes_on": "2027-06-30"}


@dataclass
class FakeClock:
    """A clock the tests move by hand; starts inside the shipped wave's dates."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 22, 10, 37, 12, tzinfo=dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Test settings: tokens set, and no rate limit (tests post far faster than a family; test_abuse sets one)."""
    overrides = {"rate_limit_per_minute": 0, **overrides}
    return from_env({}, data_dir=data_dir, admin_token=ADMIN_TOKEN, analyst_token=ANALYST_TOKEN, **overrides)


class Service(Protocol):
    """What both harnesses in conftest.py offer: the app in process (Litestar's TestClient) or served by uvicorn."""

    settings: Settings
    clock: FakeClock
    url: str
    peer: str  # the client address the app sees for requests from .client()

    @property
    def services(self) -> Any: ...

    @property
    def store(self) -> Any: ...

    def count(self, sql: str = ..., params: list[object] | None = None) -> int: ...

    def client(self, token: str | None = None) -> httpx.Client: ...

    def stop(self) -> None: ...


def wait_until_started(server: uvicorn.Server, thread: threading.Thread, seconds: float = 30) -> None:
    """Wait until uvicorn, running in `thread`, accepts connections (RuntimeError if it dies or takes too long)."""
    deadline = time.monotonic() + seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)


def keyed_data_dir(data: Path, key_hex: str) -> Path:
    """A data directory whose return-code key is fixed (`key_hex` repeated): the disclosure layer's rounding is
    keyed by it, so every run of a test on this data rounds the same way, as a seeded random generator would."""
    (data / "secrets").mkdir(parents=True, mode=0o700)
    key = data / "secrets" / "return-code.key"
    key.write_text(key_hex * 32)
    os.chmod(key, 0o600)
    return data


def collect_all(service: Service, wave_id: str, bodies: Sequence[Mapping[str, Any]]) -> list[Accepted]:
    """Store each body (the JSON API's fields: answers, postcode, return_code, channel, source, ...) through
    `Services.collect`, the call the API and the form make, all at once, as families sending together: the store
    commits them in a few groups. For fixtures that need the data rather than the API (which has tests of its
    own): posting each took twenty times the CPU. Each must be stored; the outcomes in the bodies' order."""
    services = service.services
    wave = services.open_wave(wave_id)

    async def send() -> list[Accepted]:
        return list(await asyncio.gather(*(services.collect(wave, Submission(**body)) for body in bodies)))

    return asyncio.run(send())


def seed_two_waves(service: Service, body: Callable[[], dict[str, Any]], autumn: int, spring: int) -> Service:
    """`autumn` responses in 2026-autumn, then the admin creates 2027-spring (NEW_WAVE), the clock moves into it,
    and `spring` responses there; each body from `body()`. Every submission must be stored."""
    collect_all(service, "2026-autumn", [body() for _ in range(autumn)])
    with service.client(ADMIN_TOKEN) as admin:
        assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
    service.clock.now = dt.datetime(2027, 4, 10, 12, tzinfo=dt.UTC)
    collect_all(service, "2027-spring", [body() for _ in range(spring)])
    return service

"""Shared fixtures: the real app served by uvicorn over HTTP on a free port, on a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from surveyapp.app import create_app
from surveyapp.settings import Settings, from_env

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ADMIN_TOKEN = "admin-token-for-tests-0123456789"
ANALYST_TOKEN = "analyst-token-for-tests-0123456789"


@dataclass
class FakeClock:
    """A clock the tests move by hand; starts inside the shipped wave's dates."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 22, 10, 37, 12, tzinfo=dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving create_app(settings) in a thread; stop() shuts it down and closes the store."""

    def __init__(self, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
        self.settings, self.clock = settings, clock
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings, clock=clock)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                access_log=False, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    @property
    def store(self):
        return self.app.state.services.store

    def count(self, sql: str = "SELECT count(*) FROM responses", params: list[object] | None = None) -> int:
        return int(self.store.rows(sql, params)[0][0])

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Test settings: tokens set, and no rate limit (tests post far faster than a family; test_abuse sets one)."""
    overrides = {"rate_limit_per_minute": 0, **overrides}
    return from_env({}, data_dir=data_dir, admin_token=ADMIN_TOKEN, analyst_token=ANALYST_TOKEN, **overrides)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def server(data_dir: Path, clock: FakeClock) -> Iterator[LiveServer]:
    live = LiveServer(make_settings(data_dir), clock).start()
    yield live
    live.stop()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def analyst(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client(ANALYST_TOKEN) as client:
        yield client


@pytest.fixture
def admin(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client(ADMIN_TOKEN) as client:
        yield client

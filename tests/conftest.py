"""Shared fixtures: the real app on a real DuckDB file in tmp_path, in process or served by uvicorn.

Most tests talk to `create_app(settings, clock=...)` in process through Litestar's TestClient (its lifespan
runs, so the store, waves and writer are the real ones). Tests marked `uvicorn` get the same app served by
uvicorn on a free loopback port instead: only where the socket matters (many clients at once, a CLI
talking to the service over HTTP, client addresses, a browser). Both offer `.client(token)`, `.count(sql)`,
`.store` and `.services`, so the tests read the same.
"""

from __future__ import annotations

import atexit
import datetime as dt
import gc
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from litestar.testing import TestClient
from litestar.testing.transport import TestClientTransport

from surveyapp.app import Shape, bind, build_app
from surveyapp.domain.returncodes import load_or_create_key
from surveyapp.domain.services import Services
from surveyapp.settings import Settings
from surveyapp.store import Store
from surveyapp.store.waves import write_definitions
from tests.browsing import chromium
from tests.support import (
    ADMIN_TOKEN,
    ANALYST_TOKEN,
    CA,
    NEW_WAVE,
    FakeClock,
    collect_all,
    keyed_data_dir,
    make_settings,
    wait_until_started,
)
from waves.loader import DEFINITIONS_DIR, load_catalogue

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SURVEYAPP = str(Path(sys.executable).with_name("surveyapp"))

# `make test-fast` runs property tests (@given) on this profile: a fifth of Hypothesis' 100 examples, and no
# deadline (speed is the benchmarks' business, and on a busy machine an example can take 300 ms). `make test` runs
# the default; a test that sets its own max_examples or deadline keeps them in both.
hypothesis_settings.register_profile("fast", max_examples=20, deadline=None)


def services_of(app: Litestar) -> Services:
    """The app's services (store, waves, codes, clock): the one place the tests reach into the app for them."""
    return app.state.services  # type: ignore[no-any-return]


_TEMPLATE: dict[str, Path] = {}


def _migrated_empty_store(definitions: Path) -> Path:
    """A database file with every migration applied and nothing stored, made once per test process (a copy of
    it costs a fortieth of what migrating a new file does). For the package's own definitions, they are written
    to it as the service's first start writes them, so that start finds them there and writes nothing."""
    key = "synced" if definitions == DEFINITIONS_DIR else "path"
    if key not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="surveyapp-empty-store-"))
        store = Store(folder / "surveyapp.duckdb")
        if key == "synced":
            catalogue = load_catalogue(definitions)
            write_definitions(store, catalogue.waves, catalogue.aggregate_counts)
        store.close()  # checkpointed: the file holds it all, no write-ahead log is left
        _TEMPLATE[key] = store.path
    return _TEMPLATE[key]


def empty_store_into(settings: Settings) -> None:
    """Give a data folder that has no database yet a copy of the migrated empty one, as the service would make on
    its first start, and the return-code key the service would make with it (a new random one, unless the folder
    has its own: keyed_data_dir). A folder with a database of its own (an older release's, a backup's) is left as
    it is, so upgrades and restores are still tested on the real thing; so is a data path that is not a folder."""
    data, database = settings.data_dir, settings.database_path
    if database.exists() or (data.exists() and not data.is_dir()) or data.is_symlink():
        return
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    load_or_create_key(settings.secret_key_path)  # before the database: a database without its key is refused
    shutil.copyfile(_migrated_empty_store(settings.definitions_dir), database)
    database.chmod(0o600)


_IDLE: dict[Shape, list[Litestar]] = {}


def _app_for(settings: Settings, clock: Callable[[], dt.datetime]) -> Litestar:
    """create_app(settings, clock=clock), on a built app a stopped harness gave back where there is one: building
    the routes is three quarters of what starting a service costs, and a test process starts about three hundred.
    `bind` gives the app all a new one has (its settings, sessions, rate limiter, metrics); the lifespan opens the
    store in the test's own data folder."""
    idle = _IDLE.setdefault(Shape.of(settings), [])
    app = idle.pop() if idle else build_app(Shape.of(settings))
    try:
        bind(app, settings, clock=clock)
    except Exception:
        idle.append(app)
        raise
    return app


def _give_back(app: Litestar) -> None:
    """A stopped harness's app, for the next harness of the same shape to bind."""
    _IDLE[app.state["built"].shape].append(app)


class _Harness:
    """The app for these settings and clock; subclasses decide how requests reach it."""

    url: str
    peer: str  # the client address the app sees for requests from .client()

    def __init__(self, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
        self.settings, self.clock = settings, clock
        empty_store_into(settings)
        self.app = _app_for(settings, clock)
        self.running = False

    @property
    def services(self) -> Services:
        return services_of(self.app)

    @property
    def store(self) -> Any:
        return self.services.store

    @property
    def form_kit(self) -> Any:
        """The families' form's signer and words, made on the form's first request."""
        return self.app.state.form_kit

    def count(self, sql: str = "SELECT count(*) FROM responses", params: list[object] | None = None) -> int:
        return int(self.store.rows(sql, params)[0][0])

    def _headers(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}


class InProcessApp(_Harness):
    """create_app(settings) run by Litestar's TestClient: its lifespan opens the store, requests need no socket."""

    url = "http://testserver.local"
    peer = "testclient"  # what Litestar's test transport reports as the client's host

    def __init__(self, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
        super().__init__(settings, clock)
        self._runner: TestClient[Litestar] = TestClient(self.app, base_url=self.url)

    def start(self) -> InProcessApp:
        self._runner.__enter__()  # an event loop in a thread, and the lifespan's start-up on it
        self.running = True
        return self

    def stop(self) -> None:
        """Run the lifespan's shutdown: drain the writer, checkpoint, close the file (once)."""
        if self.running:
            self.running = False
            self._runner.__exit__(None, None, None)
            _give_back(self.app)

    def client(self, token: str | None = None) -> httpx.Client:
        """A plain httpx client (no redirects followed, its own cookies) whose requests go to the app in process."""
        return httpx.Client(base_url=self.url, headers=self._headers(token), timeout=30,
                            transport=_InProcessTransport(self._runner))


class _InProcessTransport(httpx.BaseTransport):
    """Litestar's test transport on the running TestClient's event loop, as an httpx transport."""

    def __init__(self, runner: TestClient[Litestar]) -> None:
        self._transport = TestClientTransport(client=runner)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._transport.handle_request(request)


class LiveServer(_Harness):
    """uvicorn serving create_app(settings) in a thread on a loopback socket bound before it starts."""

    peer = "127.0.0.1"

    def __init__(self, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
        super().__init__(settings, clock)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))  # bound here, so parallel test workers never race for a port
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, access_log=False, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        wait_until_started(self.server, self.thread)
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.server.should_exit = True
            self.thread.join(timeout=30)
            if not self.thread.is_alive():
                _give_back(self.app)
        self._socket.close()

    def client(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self._headers(token), timeout=30, verify=CA)


Harness = InProcessApp | LiveServer
StartService = Callable[..., Harness]


def _starter(default_dir: Path, default_clock: FakeClock) -> tuple[StartService, Callable[[], None]]:
    started: list[Harness] = []

    def start(*, live: bool = False, data_dir: Path | None = None, clock: FakeClock | None = None,
              settings: Settings | None = None, **overrides: object) -> Harness:
        settings = settings or make_settings(data_dir or default_dir, **overrides)
        kind = LiveServer if live else InProcessApp
        harness = kind(settings, clock or default_clock).start()
        started.append(harness)
        return harness

    def stop_all() -> None:
        for harness in reversed(started):
            harness.stop()

    return start, stop_all


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def start_service(data_dir: Path, clock: FakeClock) -> Iterator[StartService]:
    """start_service(live=False, data_dir=..., clock=..., settings=..., **setting overrides) -> a started app,
    in process, or served by uvicorn with live=True; all are stopped after the test (stop() may come first)."""
    start, stop_all = _starter(data_dir, clock)
    yield start
    stop_all()


def app_for(request: pytest.FixtureRequest, *, live: bool = False, **overrides: object) -> Harness:
    """A started app with these settings: a fresh one for the test, or for a test marked `shared` the module's
    one app with these settings, started once rather than for each test. Starting an app costs about 0.2 s of
    CPU, most of what a short test costs; `shared` is for tests that leave the app as they found it (or check
    only what no other shared test in the module changes), on the app's own clock."""
    if request.node.get_closest_marker("shared") is None:
        start: StartService = request.getfixturevalue("start_service")
        return start(live=live, **overrides)
    if "clock" in request.fixturenames:
        pytest.fail("a `shared` test cannot move the clock: the module's app keeps its own")
    apps: dict[str, Harness] = request.getfixturevalue("_shared_apps")
    key = repr(sorted({"live": live, **overrides}.items()))
    if key not in apps:
        apps[key] = request.getfixturevalue("start_module_service")(live=live, **overrides)
    return apps[key]


@pytest.fixture(scope="module")
def _shared_apps(start_module_service: StartService) -> dict[str, Harness]:
    return {}


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Harness:
    """The app on a fresh DuckDB file: in process, or served by uvicorn when the test is marked `uvicorn`
    (the module's one app when it is marked `shared`: app_for)."""
    return app_for(request, live=request.node.get_closest_marker("uvicorn") is not None)


@pytest.fixture(scope="module")
def module_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApp]:
    """One app in process for a whole module whose tests leave it as they found it (or only add to it)."""
    start, stop_all = _starter(tmp_path_factory.mktemp("module") / "data", FakeClock())
    yield start()  # type: ignore[misc]
    stop_all()


@pytest.fixture(scope="module")
def start_module_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartService]:
    """start_service's arguments, for an app the module's `shared` tests use (each call on a fresh data folder
    unless given one); all are stopped after the module."""
    start, stop_all = _starter(tmp_path_factory.mktemp("module") / "unused", FakeClock())

    def start_fresh(*, data_dir: Path | None = None, **kwargs: Any) -> Harness:
        return start(data_dir=data_dir or tmp_path_factory.mktemp("module") / "data", **kwargs)

    yield start_fresh
    stop_all()


@pytest.fixture(scope="module")
def module_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The same, served by uvicorn."""
    start, stop_all = _starter(tmp_path_factory.mktemp("module-live") / "data", FakeClock())
    yield start(live=True)  # type: ignore[misc]
    stop_all()


@pytest.fixture
def http(server: Harness) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def analyst(server: Harness) -> Iterator[httpx.Client]:
    with server.client(ANALYST_TOKEN) as client:
        yield client


@pytest.fixture
def admin(server: Harness) -> Iterator[httpx.Client]:
    with server.client(ADMIN_TOKEN) as client:
        yield client


# Seeded data: submitted once per session through the API, then copied (a DuckDB file and its keys).

SCALE = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]
SCORE = {a: 5 - i for i, a in enumerate(SCALE)}


@dataclass(frozen=True)
class Seeded:
    """What the seeding left: the data folder to copy, the linked pairs' scores, and the clock's time."""

    data_dir: Path
    pairs: list[tuple[int, int]]
    now: dt.datetime

    def copy_to(self, target: Path) -> Path:
        shutil.copytree(self.data_dir, target)  # keeps the keys' owner-only modes
        return target


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """60 families in autumn (40 in Thanet, 17 in Maidstone, 3 in Dover), 40 again in spring with their code. The
    return-code key is fixed, so the published (rounded) figures are the same on every run."""
    data = keyed_data_dir(tmp_path_factory.mktemp("seeded") / "data", "c4")
    clock = FakeClock()
    service = InProcessApp(make_settings(data), clock).start()
    rng = random.Random(7)
    pairs: list[tuple[int, int]] = []
    try:
        befores = [rng.choice(SCALE) for _ in range(60)]
        sent = collect_all(service, "2026-autumn", [
            {"answers": {"q7": {"health_met": before, "local_offer_useful": "dont_know"},
                         "ethnic_group": "white_british" if i % 4 else "black_african"},
             "postcode": "CT16 1AA" if i < 3 else "ME14 5AB" if i < 20 else "CT9 1AA"}
            for i, before in enumerate(befores)])
        with service.client(ADMIN_TOKEN) as admin:
            assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
        clock.now = dt.datetime(2027, 4, 10, 12, tzinfo=dt.UTC)
        afters = [rng.choice(SCALE) for _ in range(40)]
        collect_all(service, "2027-spring", [
            {"answers": {"q7": {"health_met": after}}, "return_code": first.return_code, "postcode": "CT9"}
            for first, after in zip(sent, afters, strict=False)])
        pairs += [(SCORE[before], SCORE[after]) for before, after in zip(befores, afters, strict=False)]
    finally:
        service.stop()
    return Seeded(data, pairs, clock.now)


@pytest.fixture(scope="session")
def seeded_service(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApp]:
    """A copy of the seeded data served in process, shared by tests that only read it."""
    start, stop_all = _starter(seeded.copy_to(tmp_path_factory.mktemp("seeded-app") / "data"), FakeClock(seeded.now))
    yield start()  # type: ignore[misc]
    stop_all()


@pytest.fixture(scope="session")
def seeded_live(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A copy of the seeded data served by uvicorn, for the CLI to reach over HTTP; tests only read it."""
    start, stop_all = _starter(seeded.copy_to(tmp_path_factory.mktemp("seeded-live") / "data"),
                               FakeClock(seeded.now))
    yield start(live=True)  # type: ignore[misc]
    stop_all()


@pytest.fixture
def seeded_analyst(seeded_service: InProcessApp) -> Iterator[httpx.Client]:
    with seeded_service.client(ANALYST_TOKEN) as client:
        yield client


@pytest.fixture
def seeded_copy(seeded: Seeded, tmp_path: Path) -> Path:
    """A private copy of the seeded data folder, with no service on it."""
    return seeded.copy_to(tmp_path / "seeded")


# The `surveyapp` command, as a person runs it.

Cli = Callable[..., subprocess.CompletedProcess[str]]


def run_cli(data_dir: Path, *args: str, url: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SURVEYAPP_")}
    environ.update({"SURVEYAPP_DATA_DIR": str(data_dir), "SURVEYAPP_ADMIN_TOKEN": ADMIN_TOKEN,
                    "SURVEYAPP_ANALYST_TOKEN": ANALYST_TOKEN, **env})
    if url:
        environ["SURVEYAPP_URL"] = url
    return subprocess.run([SURVEYAPP, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)


@pytest.fixture
def cli() -> Cli:
    """cli(data_dir, *args, url=None, **SURVEYAPP_env) runs the real `surveyapp` command in a subprocess."""
    return run_cli


@pytest.fixture
def surveyapp_command() -> str:
    """The installed `surveyapp` script's path."""
    return SURVEYAPP


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything imported by now (polars, DuckDB, Litestar, scipy, altair...) lives as long as the run: keep it out
    of the cyclic collector's full passes, which otherwise walk it all again every few tests (as `surveyapp
    serve` does, surveyapp/cli/main.py). The tests then allocate far more than a served request does (frames,
    charts, specs): collecting the youngest objects every 50,000 allocations rather than every 700 spends 5 to 8%
    less of the run's CPU on the collector."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


@atexit.register  # at import, so it runs after every exit handler registered later (coverage's among them)
def _end_worker() -> None:
    """A pytest-xdist worker whose run is over (its results and coverage already sent) leaves without tearing
    down its interpreter: freeing everything a run built (DuckDB's, polars' and V8's objects, the kept apps) takes
    a second or two that nothing needs, and the run is not over until its last worker has gone."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Hand the frozen objects back before exit, or DuckDB's bindings (nanobind) report them all as leaked. Not in
    a worker, which leaves without that report (_end_worker): pytest collects garbage at its end, and with them
    back that walks everything the run imported, half a second before the run is over."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        gc.unfreeze()
    for template in _TEMPLATE.values():
        shutil.rmtree(template.parent, ignore_errors=True)
    _TEMPLATE.clear()


_MODULE_MARKS = re.compile(r"^pytestmark = (.*)$", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under a `-m` that only leaves marks out (`make test-fast`: "not browser and not slow and not r"), a test
    module marked with one of them as a whole (its `pytestmark`) is not even imported: every worker would import
    it for no test, and some cost a second (test_hostile builds an app and imports schemathesis to name its
    cases). `make test` collects them all."""
    markexpr = str(config.getoption("markexpr") or "").strip()
    if not re.fullmatch(r"not \w+(?: and not \w+)*", markexpr) or not collection_path.name.startswith("test_") \
            or collection_path.suffix != ".py":
        return None
    left_out = set(re.findall(r"not (\w+)", markexpr))
    found = _MODULE_MARKS.search(collection_path.read_text(encoding="utf-8"))
    return True if found and left_out & set(re.findall(r"mark\.(\w+)", found.group(1))) else None


_SECONDS = "surveyapp/test-seconds"  # each test's last time (setup, call and teardown), in pytest's cache
_UNTIMED = 0.1  # a test not timed yet (new, or a fresh clone's first run)


@pytest.hookimpl(trylast=True)  # after `-m` has deselected what this run leaves out
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with slow or browser tests first, those with a timeout of their own (the longest) before them, then
    the rest, the longest first (by each selected test's time in the last run that ran it), so that the parallel
    workers start the long modules early and end together on short ones; each module's tests stay together and in
    order. Every worker reads the same times, so they all order the tests alike, as pytest-xdist requires."""
    cache = getattr(config, "cache", None)  # none under -p no:cacheprovider
    seconds: dict[str, float] = cache.get(_SECONDS, {}) if cache is not None else {}
    rank: dict[object, int] = {}
    cost: dict[object, float] = {}
    for item in items:
        slow = item.get_closest_marker("slow") is not None or item.get_closest_marker("browser") is not None
        long = slow and item.get_closest_marker("timeout") is not None
        rank[item.module] = min(rank.get(item.module, 2), 0 if long else 1 if slow else 2)
        cost[item.module] = cost.get(item.module, 0.0) + seconds.get(item.nodeid, _UNTIMED)
    items.sort(key=lambda item: (rank[item.module], -cost[item.module]))


_TIMED: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Each test's time, as the run's controller receives it (from the workers, or in a run without them)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        _TIMED[report.nodeid] = _TIMED.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Keep this run's times for the next run's order, beside the earlier times of the tests it did not run."""
    cache = getattr(session.config, "cache", None)
    if _TIMED and cache is not None and not os.environ.get("PYTEST_XDIST_WORKER"):
        cache.set(_SECONDS, {**cache.get(_SECONDS, {}), **{k: round(v, 3) for k, v in _TIMED.items()}})


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, once per module (tests/browsing.py)."""
    with chromium() as launched:
        yield launched

"""An app bound again to a run's settings (`surveyapp.app.bind`; the tests' harness does it for nearly every test)
starts as a newly made one: no session, rate-limit count or metric of the run before carries over."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

from surveyapp.app import Shape, bind, build_app
from surveyapp.render.demo import DEMO_NOTE
from tests.conftest import empty_store_into
from tests.support import ADMIN_TOKEN, FakeClock, make_settings

RESPONSES = "/api/v1/waves/2026-autumn/responses"
METRICS_TOKEN = "0f3c9a7e5b1d2468ace13579bdf02468"
BROWSER = {"Accept": "text/html"}
BODY = {"answers": {"q7": {"health_met": "neither"}}}


def _settings(folder: Path) -> object:
    settings = make_settings(folder, rate_limit_per_minute=1, metrics_token=METRICS_TOKEN)
    empty_store_into(settings)
    return settings


def _requests_counted(client: TestClient) -> float:
    metrics = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith("surveyapp_http_requests_total{"))


def test_a_run_bound_after_another_has_none_of_its_sessions_limits_or_metrics(tmp_path: Path) -> None:
    first, second = _settings(tmp_path / "first"), _settings(tmp_path / "second")
    app = build_app(Shape.of(first))
    bind(app, first, clock=FakeClock())
    with TestClient(app) as client:
        signed_in = client.post("/sign-in", data={"token": ADMIN_TOKEN}, headers=BROWSER, follow_redirects=False)
        cookie = signed_in.cookies.get("surveyapp_session") or client.cookies.get("surveyapp_session")
        assert cookie and client.get("/console", headers=BROWSER, follow_redirects=False).status_code == 200
        client.cookies.clear()  # as a family, whom the rate limit counts (staff are exempt)
        assert client.post(RESPONSES, json=BODY).status_code == 201
        assert client.post(RESPONSES, json=BODY).status_code == 429  # one a minute
        assert _requests_counted(client) >= 4
    bind(app, second, clock=FakeClock())
    with TestClient(app) as client:
        client.cookies.set("surveyapp_session", cookie)
        dead = client.get("/console", headers=BROWSER, follow_redirects=False)
        assert dead.status_code == 303 and dead.headers["location"].startswith("/sign-in")  # no session
        client.cookies.clear()
        assert client.post(RESPONSES, json=BODY).status_code == 201  # a new limiter's first
        assert _requests_counted(client) == 2  # the console and the response: none of the first run's
        assert app.state["services"].settings.data_dir == tmp_path / "second"


def test_a_running_app_or_one_of_another_shape_is_not_bound(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data")
    app = build_app(Shape.of(settings))
    bind(app, settings, clock=FakeClock())
    with TestClient(app), pytest.raises(RuntimeError, match="stop it"):
        bind(app, settings, clock=FakeClock())
    with pytest.raises(ValueError, match="built for"):
        bind(app, make_settings(tmp_path / "data", max_body_bytes=settings.max_body_bytes * 2))


@pytest.mark.parametrize("first_demo", [False, True])
def test_apps_of_two_shapes_in_one_process_each_mark_their_own_pages(tmp_path: Path, first_demo: bool) -> None:
    """A process that makes apps of two shapes (the tests do; a demo is one) answers each app's pages with that
    app's own hooks: the "demo data" mark on every page of the demo's, on none of the other's, whichever answered
    first."""
    pages = ["/survey/2026-autumn", "/", "/sign-in", "/findings"]
    for run, demo in enumerate((first_demo, not first_demo, first_demo)):
        settings = make_settings(tmp_path / str(run), demo=demo)
        empty_store_into(settings)
        app = build_app(Shape.of(settings))
        bind(app, settings, clock=FakeClock())
        with TestClient(app) as client:
            for path in pages:
                page = client.get(path, headers=BROWSER)
                assert page.status_code == 200, (path, page.status_code)
                assert (DEMO_NOTE in page.text) is demo, (path, demo)
        pages.append(pages.pop(0))  # another page answers first in the next app

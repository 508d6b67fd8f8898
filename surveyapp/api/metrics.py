"""`GET /metrics`: the service's metrics in Prometheus' text format, for the metrics token or the admin token.

The request metrics are counted as requests are answered (`surveyapp.http.metrics`); `ServiceCollector` reads
the rest when Prometheus scrapes: submissions stored since start, the writer's queue, drafts kept, the data
disk's free bytes and the newest backup's age. docs/operations/monitoring.md lists them all.
"""

from __future__ import annotations

import hmac
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from surveyapp.auth.middleware import bearer_token, identity_of
from surveyapp.http.metrics import RequestMetrics
from surveyapp.settings import Settings


def newest_backup_age(backups: Path, now: float) -> float | None:
    """Seconds since the newest finished backup (`surveyapp-*.duckdb`) was written, or None without one."""
    try:
        times = [p.stat().st_mtime for p in backups.glob("surveyapp-*.duckdb")]
    except OSError:
        return None
    return max(0.0, now - max(times)) if times else None


class ServiceCollector(Collector):
    """What the running service holds, read at each scrape (nothing before the service has started)."""

    def __init__(self, state: State) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        services, drafts = self.state.get("services"), self.state.get("drafts")
        if services is None:
            return
        writer = services.store.writer
        yield CounterMetricFamily("surveyapp_submissions_stored", "Submissions stored since the service started",
                                  value=writer.stored)
        yield GaugeMetricFamily("surveyapp_writer_queue_depth", "Jobs waiting for the writer thread",
                                value=writer.queued())
        if drafts is not None:
            yield GaugeMetricFamily("surveyapp_drafts", "Form drafts kept, not expired",
                                    value=drafts.count(services.clock()))
        data_dir = services.settings.data_dir
        yield GaugeMetricFamily("surveyapp_disk_free_bytes", "Free bytes on the disk holding the data folder",
                                value=shutil.disk_usage(data_dir).free)
        age = newest_backup_age(data_dir / "backups", time.time())
        yield GaugeMetricFamily("surveyapp_last_backup_age_seconds", "Seconds since the newest backup in "
                                "<data dir>/backups was written; -1 when there is none", value=-1 if age is None
                                else age)
        yield GaugeMetricFamily("surveyapp_store_unavailable", "1 while the database cannot be written",
                                value=1 if services.health() else 0)


def _allowed(request: Request[Any, Any, Any], settings: Settings) -> bool:
    user = identity_of(request)
    if user is not None and user.has("admin"):
        return True
    token = bearer_token(request)
    return bool(settings.metrics_token and token) and hmac.compare_digest(
        (token or "").encode(), (settings.metrics_token or "").encode())


@get("/metrics", include_in_schema=False, sync_to_thread=True)
def metrics(request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Response[bytes]:
    """The metrics in Prometheus' text format: `Authorization: Bearer` with the metrics or admin token."""
    if not _allowed(request, settings):
        return Response(b"GET /metrics needs Authorization: Bearer with SURVEYAPP_METRICS_TOKEN or the admin "
                        b"token\n", status_code=401, media_type="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"})
    registry = request.app.state["metrics"].registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def install(state: State) -> RequestMetrics:
    """A registry for this app with the service's collector in it."""
    found = RequestMetrics()
    found.registry.register(ServiceCollector(state))
    return found

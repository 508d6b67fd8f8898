"""The service's Prometheus metrics, in a registry of the app's own (prometheus-client, the official library).

`RequestMetrics` holds what is counted as it happens: requests by route template, method and status, their
latency, and each group commit's size and time (the writer calls `observe_commit`). What is read when
Prometheus scrapes (submissions stored, the writer's queue, drafts, disk free, the last backup's age) is a
collector the API adds (`surveyapp.api.metrics`). `GET /metrics` renders the registry in Prometheus' text
format.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
COMMIT_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
COMMIT_TIME_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class RequestMetrics:
    """The counters and histograms of one app, in its own registry (tests start many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("surveyapp_http_requests", "HTTP requests answered, by route template, method "
                                "and status", ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("surveyapp_http_request_duration_seconds", "Time to answer a request, by route "
                                 "template and method", ["route", "method"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.commit_size = Histogram("surveyapp_group_commit_size", "Submissions in each group commit",
                                     buckets=COMMIT_SIZE_BUCKETS, registry=self.registry)
        self.commit_time = Histogram("surveyapp_group_commit_seconds", "Time each group commit of submissions "
                                     "took, from BEGIN to COMMIT", buckets=COMMIT_TIME_BUCKETS,
                                     registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def observe_commit(self, size: int, seconds: float) -> None:
        """Called by the writer's thread after each group commit of submissions."""
        self.commit_size.observe(size)
        self.commit_time.observe(seconds)

"""Published pages never change, so each is rendered once and its bytes served again, before the app's stack.

`FrozenPages` is the outermost ASGI handler. The first GET of a findings address goes through the access log
and the app as usual; when its handler declares `opt={"frozen": True}` and answers 200, the response's status,
headers (the security headers included; the request id left out) and body are kept, keyed by path and query
(only no query or a known `lang=`, so no one can fill the memory with addresses of their own). Later GETs of
that address are answered from memory without the access log, routing, middleware or rendering: each is
counted in the request metrics (`GET /metrics`, by route template, as every request is) but not written to the
access log line by line, which costs ten times what the answer does (about 60 µs against 5 µs a request).
Everything kept is dropped when what the pages show changes: a release is published or withdrawn, or a "You said,
we did" entry is added or edited. That is checked at most every `CHECK_SECONDS`, from the releases' and entries'
own state, by `Frozen.fingerprint`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Message, Receive, Scope, Send

from surveyapp.http.metrics import RequestMetrics

CHECK_SECONDS = 2.0
PREFIX = "/findings"


@dataclass(frozen=True)
class Kept:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    route: str  # the route's template, for the access log


class Frozen:
    """The kept responses, and when they were last checked against the releases and entries."""

    def __init__(self, fingerprint: Callable[[], str], languages: Callable[[], tuple[str, ...]]) -> None:
        self.fingerprint, self.languages = fingerprint, languages
        self.kept: dict[tuple[str, bytes], Kept] = {}
        self._seen: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def cacheable(self, query: bytes) -> bool:
        return query == b"" or (query.startswith(b"lang=") and query[5:].decode("latin-1") in self.languages())

    def fresh(self) -> bool:
        """Drop everything kept when the releases or entries have changed since the last look; False when they
        cannot be read just now (the store is unavailable): then nothing is served from memory, and the app
        answers as it can."""
        now = time.monotonic()
        if now - self._checked < CHECK_SECONDS:
            return self._seen is not None
        with self._lock:
            self._checked = now
            try:
                seen: str | None = self.fingerprint()
            except Exception:  # whatever it is, the app's own answer says it
                seen = None
            if seen != self._seen or seen is None:
                self.kept.clear()
                self._seen = seen
            return seen is not None

    def clear(self) -> None:
        with self._lock:
            self.kept.clear()
            self._checked = 0.0


def fingerprint_of(parts: list[Any]) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class FrozenPages:
    """ASGI middleware: a kept findings response is sent from memory; a frozen handler's 200 is kept."""

    def __init__(self, app: ASGIApp, frozen: Callable[[], Frozen | None], metrics: RequestMetrics) -> None:
        self.app, self.frozen, self.metrics = app, frozen, metrics
        self._counted: dict[str, tuple[Any, Any]] = {}  # route -> its metrics, labelled once (labelling is slow)

    def _count(self, route: str, seconds: float) -> None:
        found = self._counted.get(route)
        if found is None:
            found = self._counted[route] = (self.metrics.requests.labels(route, "GET", "200"),
                                            self.metrics.latency.labels(route, "GET"))
        found[0].inc()
        found[1].observe(seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        frozen = self.frozen() if scope["type"] == ScopeType.HTTP and scope.get("method") == "GET" else None
        path = scope.get("path", "")
        if frozen is None or not path.startswith(PREFIX) or not frozen.cacheable(scope.get("query_string", b"")):
            await self.app(scope, receive, send)
            return
        if not frozen.fresh():
            await self.app(scope, receive, send)
            return
        key = (path, scope.get("query_string", b""))
        kept = frozen.kept.get(key)
        if kept is not None:
            started = time.perf_counter()
            start: HTTPResponseStartEvent = {"type": "http.response.start", "status": kept.status,
                                             "headers": kept.headers}
            body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": kept.body, "more_body": False}
            await send(start)
            await send(body)
            self._count(kept.route, time.perf_counter() - started)
            return
        await self._answer_and_keep(frozen, key, scope, receive, send)

    async def _answer_and_keep(self, frozen: Frozen, key: tuple[str, bytes], scope: Scope, receive: Receive,
                               send: Send) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(status=message["status"], headers=list(message.get("headers", [])))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                handler = scope.get("route_handler")
                if (not message.get("more_body") and start.get("status") == 200 and handler is not None
                        and handler.opt.get("frozen")):
                    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"x-request-id"]
                    frozen.kept[key] = Kept(200, headers, b"".join(chunks), str(scope.get("path_template", "")))
            await send(message)

        await self.app(scope, receive, keep)

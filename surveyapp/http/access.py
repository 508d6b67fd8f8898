"""The access log, the request id and the request metrics, for every request the app answers.

`AccessLog` wraps the app's whole ASGI handler (outside the exception handlers, so a 404, a refusal and a 500
are counted too). Each request gets a random request id: bound to the log's context (every line logged while
it is served carries `request_id`), returned in `X-Request-Id`, and used by the 5xx handlers
(`surveyapp.http.errors`). When the response has gone, one `access` line says the method, the route's
template (`/api/v1/waves/{wave_id}/responses`, never the raw path, which could hold a code or a draft's
id), the status, the duration and the request id: no address, no query string. A handler declaring
`opt={"audit": "<what>"}` (exports, internal figures, backups, wave changes) is logged again as `audit`, with
who did it: the role and name of `request.user`, never a token; and recorded as a row of the audit log (its
`record` callable, `surveyapp.store.audit`) before the response starts: when the row cannot be stored the client
gets a 503 instead of the response. A request from nobody the service knows (no token, or an unknown one) is in
the access log alone, so that anyone on the internet cannot fill the audit table.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any
from urllib.parse import parse_qs

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from surveyapp.http.metrics import RequestMetrics
from surveyapp.store.audit import Appended, Entry, outcome_of

# What records a row: None while the service has no store yet (then nothing is recorded, and nothing served).
Recorder = Callable[[Entry], "Future[Appended] | None"]
UNRECORDED = json.dumps({"status_code": 503, "detail": "the audit log could not record this request, so its "
                        "answer is withheld; try again in a minute"}).encode()

access_log = logging.getLogger("surveyapp.access")
audit_log = logging.getLogger("surveyapp.audit")
REQUEST_ID = "X-Request-Id"
UNMATCHED = "(no route)"  # the route of a request no handler matched: its path is never logged


def request_id_of(scope: Scope) -> str:
    """The request id AccessLog gave this request (a fresh one where it did not run)."""
    found = scope.get("state", {}).get("request_id")
    return found if isinstance(found, str) else secrets.token_hex(8)


class AccessLog:
    """ASGI middleware: a request id, the access line, the audit line and the request metrics."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics, record: Recorder | None = None) -> None:
        self.app, self.metrics, self.record = app, metrics, record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # unless a response starts
        started = time.perf_counter()
        audited: Appended | None = None
        withheld = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, audited, withheld
            if withheld:
                return  # the 503 went instead of this response
            if message["type"] == "http.response.start":
                status = message["status"]
                if self._audited(scope):
                    audited = await self._store_row(scope, status, request_id)
                    if audited is None:
                        withheld = True
                        await _unrecorded(send, request_id)
                        return
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                if audited is None and not withheld and self._audited(scope):  # no response started at all
                    audited = await self._store_row(scope, status, request_id)
                self._record(scope, 503 if withheld else status, time.perf_counter() - started, request_id, audited)

    def _audited(self, scope: Scope) -> bool:
        """Whether this request is recorded in the audit log: its handler declares `audit`, and it comes from
        someone the service knows."""
        handler: Any = scope.get("route_handler")
        return bool(handler is not None and handler.opt.get("audit") and scope.get("user") is not None
                    and self.record is not None)

    async def _store_row(self, scope: Scope, status: int, request_id: str) -> Appended | None:
        """Record the request in the audit log and wait for its commit; None when it could not be stored."""
        assert self.record is not None
        try:
            future = self.record(audit_entry(scope, status, request_id))
            if future is None:
                return None
            appended: Appended = await asyncio.wrap_future(future)
            return appended
        except Exception:
            audit_log.exception("the audit log could not record %s (request %s); its answer was withheld",
                                scope.get("path_template") or UNMATCHED, request_id)
            return None

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str,
                audited: Appended | None = None) -> None:
        method = str(scope.get("method", ""))
        route = scope.get("path_template") or UNMATCHED
        self.metrics.observe(method, route, status, seconds)
        ms = round(seconds * 1000, 1)
        access_log.info("%s %s %d %.1f ms (request %s)", method, route, status, ms, request_id,
                        extra={"method": method, "route": route, "status": status, "duration_ms": ms})
        handler: Any = scope.get("route_handler")
        action = handler.opt.get("audit") if handler is not None else None
        if action:
            user = scope.get("user")
            role, name = getattr(user, "role", "nobody"), getattr(user, "name", "")
            wave = scope.get("path_params", {}).get("wave_id")
            chain = {"audit_seq": audited.seq, "audit_hash": audited.row_hash} if audited is not None else {}
            audit_log.info("%s by %s (%s): %s %s %d", action, role, name, method, route, status,
                           extra={"action": action, "role": role, "who": name, "wave_id": wave, "status": status,
                                  **chain})


async def _unrecorded(send: Send, request_id: str) -> None:
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"retry-after", b"60"), (b"cache-control", b"no-store"),
        (b"x-request-id", request_id.encode())]})
    await send({"type": "http.response.body", "body": UNRECORDED, "more_body": False})


TARGETS = ("release_id", "wave_id", "source_id")  # the path parameter a row's target names, the first found
MAX_QUERY = 20  # query parameters kept in a row's detail


def audit_entry(scope: Scope, status: int, request_id: str) -> Entry:
    """The audit row of a request: who (`request.user`), what (the handler's `audit`), the target (the wave,
    release or source the path names, else the route), the outcome by status, and the method, route, request id
    and query parameters (an analysis' `by`, `filter`, ...) as its detail. `at` is the recorder's to set."""
    handler: Any = scope.get("route_handler")
    user = scope.get("user")
    route = str(scope.get("path_template") or UNMATCHED)
    params = scope.get("path_params", {})
    target = next((f"{key.removesuffix('_id')}:{params[key]}" for key in TARGETS if params.get(key)), route)
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    detail: dict[str, Any] = {"method": str(scope.get("method", "")), "route": route, "request_id": request_id}
    if query:
        detail["query"] = {key: values for key, values in list(query.items())[:MAX_QUERY]}
    return Entry(at=dt.datetime.now(dt.UTC), action=str(handler.opt["audit"]), target=target,
                 outcome=outcome_of(status), status=status, actor_role=str(getattr(user, "role", "")),
                 actor_name=str(getattr(user, "name", "")), actor_subject=str(getattr(user, "subject", "")),
                 detail=detail)


def timed(entry: Entry, at: dt.datetime) -> Entry:
    """The entry at the service's own clock's time."""
    return dataclasses.replace(entry, at=at)

"""The access log, the request id and the request metrics, for every request the app answers.

`AccessLog` wraps the app's whole ASGI handler (outside the exception handlers, so a 404, a refusal and a 500
are counted too). Each request gets a random request id: bound to the log's context (every line logged while
it is served carries `request_id`), returned in `X-Request-Id`, and used by the 5xx handlers
(`surveyapp.http.errors`). When the response has gone, one `access` line says the method, the route's
template (`/api/v1/waves/{wave_id}/responses`, never the raw path, which could hold a code or a draft's
id), the status, the duration and the request id: no address, no query string. A handler declaring
`opt={"audit": "<what>"}` (exports, backups, wave changes) is logged again as `audit`, with who did it: the
role and name of `request.user`, never a token.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from surveyapp.http.metrics import RequestMetrics

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

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # unless a response starts
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                self._record(scope, status, time.perf_counter() - started, request_id)

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
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
            audit_log.info("%s by %s (%s): %s %s %d", action, role, name, method, route, status,
                           extra={"action": action, "role": role, "who": name, "wave_id": wave, "status": status})

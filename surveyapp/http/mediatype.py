"""JSON bodies must say they are JSON: a body sent to the API under another Content-Type is refused with 415.

A browser lets any site post `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` to
another origin without asking it first (a CORS "simple request"); `application/json` needs a preflight that
this service never grants. So refusing every other type keeps other sites from posting to the API from a
visitor's browser. Requests without a body (open, close, backup) are untouched.
"""

from __future__ import annotations

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope.get("headers", []) if key.lower() == name), None)


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    return _header(scope, b"transfer-encoding") is not None or (length is not None and length.strip() != b"0")


def is_json(content_type: bytes | None) -> bool:
    """`application/json`, or a `+json` type, with any parameters (`; charset=utf-8`)."""
    if content_type is None:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


class JsonBodyMiddleware:
    """Answers 415 to a body sent to /api/ that is not labelled JSON; everything else passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == ScopeType.HTTP and scope.get("method") in _WITH_BODY
                and scope.get("path", "").startswith("/api/") and _has_body(scope)
                and not is_json(_header(scope, b"content-type"))):
            await _unsupported(send)
            return
        await self.app(scope, receive, send)


async def _unsupported(send: Send) -> None:
    body = msgspec.json.encode({
        "status_code": 415, "detail": "The body must be JSON; nothing was stored.",
        "errors": [{"field": "Content-Type", "message": "send the body as JSON with the header "
                                                        "`Content-Type: application/json`"}]})
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 415, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]}
    await send(start)
    await send(HTTPResponseBodyEvent(type="http.response.body", body=body, more_body=False))

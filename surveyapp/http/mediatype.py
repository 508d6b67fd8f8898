"""JSON bodies must say they are JSON: a body sent to the API under another Content-Type is refused with 415.

A browser lets any site post `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` to
another origin without asking it first (a CORS "simple request"); `application/json` needs a preflight that
this service never grants. So refusing every other type keeps other sites from posting to the API from a
visitor's browser. Requests without a body (open, close, backup) are untouched.

A JSON body is also read once here, before msgspec decodes it for the handler, for what msgspec takes silently or
refuses without saying where: a key given twice in one object (msgspec keeps the last), a lone UTF-16 surrogate
in a string and a number too large for a float (`1e999`). Each is a 400 naming the field (`answers.q7a`), and
nothing is stored. A body over the size limit is not read here (Litestar answers 413).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from surveyapp.http.bodies import read_ahead

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


class _Twice:
    """Where an object gave this key a second time (json's object_pairs_hook leaves it in the key's place)."""


class _Pairs(dict[str, Any]):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = _Pairs()
    for key, value in pairs:
        found[key] = _Twice() if key in found else value
    return found


def json_problem(raw: bytes) -> tuple[str, str] | None:
    """The first field of a JSON body that msgspec would take silently or refuse without naming it, and what
    to do about it; None when there is none (or the body is not JSON at all: msgspec says so itself)."""
    try:
        value = json.loads(raw, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        return None
    return _walk(value, "")


def _walk(value: Any, path: str) -> tuple[str, str] | None:
    field = path or "body"
    if isinstance(value, _Twice):
        return field, "this key is given more than once in the same object; send it once"
    if isinstance(value, float) and not math.isfinite(value):
        return field, ("the number is too large for a 64-bit float, or not a number; send a finite number (or the "
                       "value the field asks for)")
    if isinstance(value, str) and any("\ud800" <= c <= "\udfff" for c in value):
        return field, ("the text holds a lone UTF-16 surrogate (\\ud800 to \\udfff) that is no character; "
                       "send valid text")
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        if isinstance(key, str) and any("\ud800" <= c <= "\udfff" for c in key):
            return field, "a key holds a lone UTF-16 surrogate (\\ud800 to \\udfff); send valid text"
        found = _walk(inner, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key)
        if found is not None:
            return found
    return None


class JsonBodyMiddleware:
    """Answers 415 to a body sent to /api/ that is not labelled JSON, and 400 to a JSON body with a key given twice,
    a lone surrogate or an infinite number (naming the field); everything else passes through."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = 1 << 20) -> None:
        self.app, self.max_bytes = app, max_bytes

    @classmethod
    def factory(cls, max_bytes: int) -> Callable[[ASGIApp], Any]:
        return lambda app: cls(app, max_bytes=max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (scope["type"] == ScopeType.HTTP and scope.get("method") in _WITH_BODY
                and scope.get("path", "").startswith("/api/") and _has_body(scope)):
            await self.app(scope, receive, send)
            return
        if not is_json(_header(scope, b"content-type")):
            await _unsupported(send)
            return
        read = await read_ahead(receive, self.max_bytes)
        problem = json_problem(read.body) if read.body is not None else None
        if problem is not None:
            await _refuse(send, 400, "The request is not valid; nothing was stored.", *problem)
            return

        await self.app(scope, read.replay, send)


async def _unsupported(send: Send) -> None:
    await _refuse(send, 415, "The body must be JSON; nothing was stored.", "Content-Type",
                  "send the body as JSON with the header `Content-Type: application/json`")


async def _refuse(send: Send, status: int, detail: str, field: str, message: str) -> None:
    body = msgspec.json.encode({"status_code": status, "detail": detail,
                                "errors": [{"field": field, "message": message}]})
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]}
    await send(start)
    await send(HTTPResponseBodyEvent(type="http.response.body", body=body, more_body=False))

"""The CSRF field of a staff form, read before the guards run.

`surveyapp.auth.guards.require` makes a plain (synchronous) guard, so that code can also call it as a check, but a
guard cannot read a request's body. So for a state-changing request that comes with a session cookie and
no bearer header, posted as an HTML form (`application/x-www-form-urlencoded`, what a `<form method="post">`
sends), this middleware reads the body once, leaves its `csrf_token` field in the scope's state for the guard,
and hands the same body on to the handler. Anything else passes untouched; a body over the size limit is not
parsed (the guard then finds no field and refuses, or Litestar answers 413 first). A script holding a
session sends the `X-CSRF-Token` header instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from surveyapp.auth.guards import SAFE_METHODS
from surveyapp.auth.sessions import CSRF_FIELD, CSRF_STATE, SESSION_COOKIE
from surveyapp.http.bodies import read_ahead

_FORM = b"application/x-www-form-urlencoded"


def _header(scope: Scope, name: bytes) -> bytes:
    return next((value for key, value in scope.get("headers", []) if key.lower() == name), b"")


def _wanted(scope: Scope) -> bool:
    if scope["type"] != ScopeType.HTTP or scope.get("method") in SAFE_METHODS:
        return False
    if _header(scope, b"authorization") or f"{SESSION_COOKIE}=".encode() not in _header(scope, b"cookie"):
        return False
    return _header(scope, b"content-type").split(b";", 1)[0].strip().lower() == _FORM


class CsrfFieldMiddleware:
    """Puts a session's posted form's `csrf_token` where `require` looks for it, and replays the body."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    @classmethod
    def factory(cls, max_bytes: int) -> Callable[[ASGIApp], Any]:
        return lambda app: cls(app, max_bytes=max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _wanted(scope):
            await self.app(scope, receive, send)
            return
        read = await read_ahead(receive, self.max_bytes)
        if read.body is not None:
            try:
                fields = parse_qsl(read.body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=1000)
            except ValueError:  # more fields than any staff form has: not parsed, so refused by the guard
                fields = []
            token = next((value for name, value in fields if name == CSRF_FIELD), None)
            if token is not None:
                scope.setdefault("state", {})[CSRF_STATE] = token

        await self.app(scope, read.replay, send)

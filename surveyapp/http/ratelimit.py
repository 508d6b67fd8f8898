"""Per-client rate limiting of submissions (the JSON API and the form) and of new form drafts, in memory only.

A token bucket per client: `per_minute` submissions at once, refilled at `per_minute` a minute, and at most
`per_hour` over an hour. Only submissions that cost something count (stored, or refused by the store); junk
is given back. Over the limit, the answer is 429 with Retry-After, before the body is read. Requests with a
staff or admin token are never counted (`ClientLimit.exempt`): staff typing in returned paper forms from one
office would otherwise be stopped after a few dozen, and the token already says who they are. The form takes
from the same bucket when a saved page starts a new draft (`ClientLimit.take`), so drafts cannot be made
without limit either.

The client is the connection's address, or, when SURVEYAPP_TRUSTED_PROXY_HEADER is configured, the address
our own proxies appended to that header (SURVEYAPP_TRUSTED_PROXY_HOPS from the right, across every line of
it; earlier entries, and earlier lines, are whatever the client wrote). Addresses are never logged or stored:
the table holds a keyed hash of each, under a key made at start-up and never written down, and forgets idle
clients.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Message, Receive, Scope, Send

_SUBMISSION = re.compile(r"^(/api/v1/waves/[^/]+/responses|/survey/[^/]+)/?$")
MAX_CLIENTS = 100_000  # a bound on memory: beyond it, the least recently seen clients are forgotten


@dataclass
class _Bucket:
    tokens: float  # the minute's allowance left
    hourly: float  # the hour's allowance left
    updated: float


class RateLimiter:
    """Token buckets keyed by a hash of the client's address: `per_minute` at once and a minute, and (when
    `per_hour` is set) no more than `per_hour` over an hour."""

    def __init__(self, per_minute: int, *, per_hour: int = 0, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.capacity, self.rate = float(per_minute), per_minute / 60.0
        self.hour_capacity, self.hour_rate = (float(per_hour), per_hour / 3600.0) if per_hour > 0 else (math.inf, 0.0)
        self._clock, self._max = clock, max_clients
        self._key = secrets.token_bytes(32)
        self._buckets: dict[bytes, _Bucket] = {}

    def _id(self, address: str) -> bytes:
        return hashlib.blake2b(address.encode(), key=self._key, digest_size=16).digest()

    def take(self, address: str) -> float:
        """Count one submission; 0 if allowed, else the seconds until the next one will be."""
        now, key = self._clock(), self._id(address)
        bucket = self._buckets.pop(key, None)  # re-inserted below: the dict stays in least-recent order
        if bucket is None:
            bucket = _Bucket(self.capacity, self.hour_capacity, now)
        else:
            elapsed = now - bucket.updated
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.hourly = min(self.hour_capacity, bucket.hourly + elapsed * self.hour_rate)
            bucket.updated = now
        self._buckets[key] = bucket
        if len(self._buckets) > self._max:
            del self._buckets[next(iter(self._buckets))]
        if bucket.tokens >= 1.0 and bucket.hourly >= 1.0:
            bucket.tokens -= 1.0
            bucket.hourly -= 1.0
            return 0.0
        waits = [(1.0 - bucket.tokens) / self.rate if bucket.tokens < 1.0 else 0.0,
                 (1.0 - bucket.hourly) / self.hour_rate if bucket.hourly < 1.0 else 0.0]
        return max(waits)

    def refund(self, address: str) -> None:
        """Give back what `take` counted, for a request that turned out to cost nothing (junk, a 404)."""
        bucket = self._buckets.get(self._id(address))
        if bucket is not None:
            bucket.tokens = min(self.capacity, bucket.tokens + 1.0)
            bucket.hourly = min(self.hour_capacity, bucket.hourly + 1.0)

    def __len__(self) -> int:
        return len(self._buckets)


def client_address(scope: Scope, trusted_header: str | None, hops: int = 1) -> str:
    """The client's address: the one our proxies appended to the trusted header when configured, else the peer.

    Every line of the header counts, in order: a client can send its own `X-Forwarded-For` line before the
    one a proxy adds (HAProxy adds a line; nginx with `$proxy_add_x_forwarded_for` appends to the client's),
    so the first line is whatever the client wrote. Each of our `hops` proxies appends the address it saw,
    so the client is the `hops`-th address from the right. With fewer addresses than that, the request did
    not come through our proxies, and the peer is the client.
    """
    if trusted_header:
        wanted = trusted_header.lower().encode("latin-1")
        hops_seen = [part.strip() for name, value in scope.get("headers", []) if name.lower() == wanted
                     for part in value.decode("latin-1").split(",")]
        hops_seen = [h for h in hops_seen if h]
        if len(hops_seen) >= hops > 0:
            return hops_seen[-hops]
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


@dataclass(frozen=True)
class ClientLimit:
    """The one limiter, and how to find the client in a request: shared by the middleware and the form."""

    limiter: RateLimiter
    trusted_header: str | None = None
    trusted_hops: int = 1
    exempt: Callable[[Scope], bool] | None = None  # requests never counted: staff's (a staff or admin token)

    @classmethod
    def from_settings(cls, *, per_minute: int, per_hour: int, trusted_header: str | None,
                      trusted_hops: int = 1, exempt: Callable[[Scope], bool] | None = None) -> ClientLimit | None:
        """None when rate limiting is off (`per_minute` 0)."""
        if per_minute <= 0:
            return None
        return cls(RateLimiter(per_minute, per_hour=per_hour), trusted_header, trusted_hops, exempt)

    def exempted(self, scope: Scope) -> bool:
        return self.exempt is not None and self.exempt(scope)

    def address(self, scope: Scope) -> str:
        return client_address(scope, self.trusted_header, self.trusted_hops)

    def take(self, scope: Scope) -> float:
        """Count one costly request from this client; 0 if allowed (or exempt), else the seconds to wait."""
        return 0.0 if self.exempted(scope) else self.limiter.take(self.address(scope))


# What a submission costs the service: stored (201 from the API, 303 from the form) or refused only once it
# reached the store (409: a reused submission id, a code used too often, or the wave not open). Anything else
# (404, 400 on garbage, 403 without the form's token, 413, 415) is given back.
CHARGED = frozenset({201, 303, 409})


class RateLimitMiddleware:
    """Refuses submissions over the per-client limit with 429 and Retry-After; all else passes through.

    A submission's allowance is taken before its body is read (so a flood is refused cheaply), and given back
    when the answer shows it cost nothing: junk from a school's shared address never locks its families out.
    """

    def __init__(self, app: ASGIApp, *, limit: Callable[[], ClientLimit | None]) -> None:
        self.app, self.limit = app, limit

    @classmethod
    def factory(cls, limit: Callable[[], ClientLimit | None]) -> Callable[[ASGIApp], Any]:
        """Litestar wraps each route in its own middleware instances: they must share one limiter, the running
        service's (`limit()`, read for each request: None when rate limiting is off)."""
        return lambda app: cls(app, limit=limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit()
        if (limit is None or scope["type"] != ScopeType.HTTP or scope.get("method") != "POST"
                or not _SUBMISSION.match(scope.get("path", "")) or limit.exempted(scope)):
            await self.app(scope, receive, send)
            return
        limiter, address = limit.limiter, limit.address(scope)
        wait = limiter.take(address)
        if wait > 0:
            await _too_many(scope, send, math.ceil(wait))
            return
        status = [0]

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if status[0] not in CHARGED:
                limiter.refund(address)


async def _too_many(scope: Scope, send: Send, retry_after: int) -> None:
    detail = (f"Too many responses have been sent from this connection in the last minute; nothing was stored. "
              f"Please wait {retry_after} second{'s' if retry_after != 1 else ''} and send again.")
    if scope.get("path", "").startswith("/api/"):
        body = msgspec.json.encode({"status_code": 429, "detail": detail, "errors": []})
        media = b"application/json"
    else:  # the families' form: a plain page they can read, then go back to their answers
        body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Please wait a moment'
                f"</title></head><body><h1>Please wait a moment</h1><p>{detail}</p><p>Use your browser's "
                f"back button to return to your answers.</p></body></html>").encode()
        media = b"text/html; charset=utf-8"
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", media), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()), (b"cache-control", b"no-store")]}
    await send(start)
    await send(HTTPResponseBodyEvent(type="http.response.body", body=body, more_body=False))

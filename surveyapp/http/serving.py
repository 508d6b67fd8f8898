"""How `surveyapp serve` runs uvicorn: no client can hold the service's connections.

uvicorn times out idle keep-alive connections, but not a connection that has not yet sent complete headers
(a slowloris, or a socket opened and left silent), and it caps neither connections per client nor, at
accept, connections in all: ~20,000 idle half-open connections from one client exhausted the process's file
descriptors. `guarded_protocol` is uvicorn's own httptools protocol with three limits added where each
connection is accepted and parsed:

- **header timeout**: a connection that has not sent a complete request line and headers within
  `header_timeout` seconds of opening (or of its previous response) gets a 408 and is closed;
- **per client**: an address with `per_client` connections open has any further one answered 503 and
  closed at once (off behind a trusted proxy, whose own address every connection has: nginx's `limit_conn`
  does it there);
- **in all**: beyond `max_connections` open connections, any further one is answered 503 and closed at once,
  below the process's file-descriptor limit.

Addresses are held in memory only, as keyed hashes under a key made at start-up, like the rate limiter's.
What remains is documented in docs/operations/reliability.md ("Connections"): a slow body, and many addresses
together.
"""

from __future__ import annotations

import asyncio
import hashlib
import resource
import secrets
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from surveyapp.settings import Settings

RESERVED_DESCRIPTORS = 64  # kept back from the process's limit for the database, its WAL, logs and backups


def _reply(status: bytes, text: str) -> bytes:
    body = text.encode()
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"retry-after: 10\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


_TOO_SLOW = _reply(b"408 Request Timeout", "The request's headers did not arrive in time.")
_BUSY_CLIENT = _reply(b"503 Service Unavailable",
                      "Too many connections are open from this address; close some and try again.")
_BUSY = _reply(b"503 Service Unavailable", "The service has too many connections open; try again shortly.")


def descriptor_budget(max_connections: int) -> int:
    """`max_connections`, but never more than the process may open, less what it needs for itself."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return max_connections
    return max(1, min(max_connections, soft - RESERVED_DESCRIPTORS))


class _Connections:
    """The connections let in, in all and by client (a keyed hash of its address, never the address)."""

    def __init__(self, *, per_client: int, max_connections: int) -> None:
        self.per_client, self.max_connections = per_client, max_connections
        self._key = secrets.token_bytes(32)
        self._by_client: dict[bytes, int] = {}
        self._admitted: set[asyncio.Protocol] = set()  # refused connections may linger until their close

    def admit(self, connection: asyncio.Protocol, client: tuple[str, int] | None) -> tuple[bytes | None, bytes | None]:
        """Count a new connection in: (None, its client's id, when counted), or (the reply refusing it, None)."""
        if self.max_connections and len(self._admitted) >= self.max_connections:
            return _BUSY, None
        client_id = None
        if self.per_client and client is not None:
            client_id = hashlib.blake2b(client[0].encode(), key=self._key, digest_size=16).digest()
            if self._by_client.get(client_id, 0) >= self.per_client:
                return _BUSY_CLIENT, None
            self._by_client[client_id] = self._by_client.get(client_id, 0) + 1
        self._admitted.add(connection)
        return None, client_id

    def release(self, connection: asyncio.Protocol, client_id: bytes | None) -> None:
        """Count a closed connection out."""
        self._admitted.discard(connection)
        if client_id is not None:
            left = self._by_client.get(client_id, 1) - 1
            if left > 0:
                self._by_client[client_id] = left
            else:
                self._by_client.pop(client_id, None)


def guarded_protocol(*, header_timeout: float, per_client: int, max_connections: int) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with a header timeout and caps per client and in all (0 turns a cap off)."""
    connections = _Connections(per_client=per_client, max_connections=max_connections)

    class GuardedProtocol(HttpToolsProtocol):
        _client_id: bytes | None = None
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            refusal, self._client_id = connections.admit(self, self.client)
            if refusal is not None:
                self._refuse(refusal)
                return
            self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            connections.release(self, self._client_id)
            self._client_id = None
            super().connection_lost(exc)

        def on_headers_complete(self) -> None:
            self._cancel_header_timer()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.timeout_keep_alive_task is not None:  # idle, awaiting the next request's headers
                self._arm_header_timer()

        def _refuse(self, reply: bytes) -> None:
            self.transport.write(reply)
            self.transport.close()

        def _arm_header_timer(self) -> None:
            self._cancel_header_timer()
            self._header_timer = self.loop.call_later(header_timeout, self._headers_too_slow)

        def _cancel_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self._refuse(_TOO_SLOW)

    return GuardedProtocol


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments `surveyapp serve` gives uvicorn.run for these settings."""
    per_client = 0 if settings.trusted_proxy_header else settings.max_connections_per_client
    return {
        "http": guarded_protocol(header_timeout=settings.header_timeout_seconds, per_client=per_client,
                                 max_connections=descriptor_budget(settings.max_connections)),
        "timeout_keep_alive": 5,  # uvicorn's default, said here: an idle keep-alive connection closes after 5 s
        "backlog": 2048,  # connections waiting to be accepted (the kernel may cap it: net.core.somaxconn)
    }

"""Issue 11, defect 4: one client cannot take every connection of `surveyapp serve`.

Against the real server process on 127.0.0.1 only, with small bounded numbers: a connection that has not sent
complete headers in time is closed, one address holds at most its share of connections, and another address
is served meanwhile. (127.0.0.2 is a second local address on Linux's loopback: a second client.)
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import pytest

from bench.harness import ServerProcess

pytestmark = pytest.mark.slow
HEADER_TIMEOUT = 2.0
PER_CLIENT = 5


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("connections") / "data", header_timeout_seconds=str(HEADER_TIMEOUT),
                           max_connections_per_client=str(PER_CLIENT), max_connections="8").start()
    yield server
    server.stop()


SLOWLORIS = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"  # headers begun, never finished


def connect(port: int, source: str = "127.0.0.1", partial: bytes = SLOWLORIS) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    if partial:
        sock.sendall(partial)
    return sock


def closed_within(socks: list[socket.socket], seconds: float) -> int:
    """How many of the connections the server closes within `seconds` (it may say why first: 408 or 503)."""
    open_ = set(socks)
    closed = 0
    deadline = time.monotonic() + seconds
    while open_ and (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select(list(open_), [], [], left)
        for sock in readable:
            try:
                if sock.recv(4096):
                    continue
            except ConnectionResetError:
                pass
            open_.discard(sock)
            closed += 1
    return closed


def healthz(port: int, source: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    return int(reply.split(b" ", 2)[1]) if reply else 0


def test_a_connection_without_complete_headers_is_closed_after_the_header_timeout(guarded: ServerProcess) -> None:
    slow, silent = connect(guarded.port), connect(guarded.port, partial=b"")
    started = time.monotonic()
    try:
        assert closed_within([slow, silent], HEADER_TIMEOUT - 0.5) == 0  # not before the timeout ...
        assert closed_within([slow, silent], 3) == 2  # ... but soon after it
    finally:
        slow.close()
        silent.close()
    assert time.monotonic() - started < HEADER_TIMEOUT + 3
    assert healthz(guarded.port, "127.0.0.1") == 200  # and complete requests are served as ever


def test_one_address_holds_at_most_its_share_and_another_is_served_meanwhile(guarded: ServerProcess) -> None:
    hogs = [connect(guarded.port) for _ in range(40)]  # one client trying to take every connection
    try:
        assert closed_within(hogs, 0.5) == 40 - PER_CLIENT  # the rest were refused as soon as they came
        assert healthz(guarded.port, "127.0.0.2") == 200  # a second client is served meanwhile
        others = [connect(guarded.port, source="127.0.0.2") for _ in range(PER_CLIENT)]
        try:  # 5 + 5 would pass SURVEYAPP_MAX_CONNECTIONS=8: the last two are refused, whoever they are
            assert closed_within(others, 0.5) == 2
        finally:
            for sock in others:
                sock.close()
    finally:
        for sock in hogs:
            sock.close()
    time.sleep(0.3)
    assert healthz(guarded.port, "127.0.0.1") == 200  # once its connections are gone, it is served again

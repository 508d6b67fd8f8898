"""Shared by the load and crash harnesses: the real server in a subprocess and a raw HTTP/1.1 client.

The server is started exactly as `make run` starts it (`surveyapp serve`), on a data directory and a free
loopback port of its own. The client is a minimal asyncio HTTP/1.1 keep-alive client: it costs far less
CPU per request than httpx, which matters when client and server share two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parents[1]
SURVEYAPP = Path(sys.executable).with_name("surveyapp")
ADMIN_TOKEN = "admin-token-for-benchmarks-0123456789"  # noqa: S105 - a throwaway server's token
WAVE = "2026-autumn"
SUBMIT_PATH = f"/api/v1/waves/{WAVE}/responses"
_LIKERT = ("strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree", "dont_know")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def submission_body(n: int = 0) -> bytes:
    """A valid submission with a fresh submission id."""
    return msgspec.json.encode({
        "answers": {"q7": {"health_met": _LIKERT[n % len(_LIKERT)]}, "respondent_role": "parent_carer"},
        "postcode": "ME14 1XX", "submission_id": str(uuid.uuid4())})


class ServerProcess:
    """`surveyapp serve` on 127.0.0.1 in a subprocess, with its data in `data_dir`."""

    def __init__(self, data_dir: Path, *, port: int | None = None, **settings: str) -> None:
        self.data_dir, self.port = data_dir, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SURVEYAPP_DATA_DIR": str(data_dir), "SURVEYAPP_ADMIN_TOKEN": ADMIN_TOKEN,
                    "SURVEYAPP_RATE_LIMIT_PER_MINUTE": "0", "SURVEYAPP_LOG_LEVEL": "WARNING",
                    **{f"SURVEYAPP_{k.upper()}": v for k, v in settings.items()}}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    def spawn(self) -> ServerProcess:
        """Start the process without waiting for it to answer."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(SURVEYAPP), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        return self

    def start(self, timeout: float = 60) -> ServerProcess:
        """Start the process, wait until it answers /healthz, and open the wave.

        `surveyapp serve` runs on the real clock, so the wave is opened by an administrator's override
        (kept in the database across restarts): the harnesses keep working after the wave's closing date.
        """
        self.spawn()
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                status, _ = asyncio.run(request_once(self.port, "GET", "/healthz"))
                if status == 200:
                    self.open_wave()
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown, no checkpoint, exactly like a power cut for the process."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM and wait: uvicorn shuts down, the lifespan drains the writer and checkpoints."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def open_wave(self) -> None:
        status, body = asyncio.run(request_once(
            self.port, "POST", f"/api/v1/admin/waves/{WAVE}/open", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}))
        if status != 200:
            raise RuntimeError(f"could not open {WAVE}: {status} {body[:200]!r}")


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int) -> None:
        self.reader, self.writer, self.port = reader, writer, port

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, port)

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        if body:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return int(status_line.split(" ", 2)[1]), payload

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def request_once(port: int, method: str, path: str, body: bytes = b"",
                       headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = await asyncio.wait_for(Connection.open(port), 5)
    try:
        return await asyncio.wait_for(conn.request(method, path, body, headers), 30)
    finally:
        await conn.close()


def count_rows(database: Path, sql: str = "SELECT count(*) FROM responses") -> int:
    """Open the database file (the server must be stopped) and count."""
    import duckdb

    conn = duckdb.connect(str(database), read_only=True)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@dataclass
class Figures:
    ok: int = 0
    errors: int = 0
    latencies: list[float] | None = None

    def percentile(self, p: float) -> float:
        values = sorted(self.latencies or [0.0])
        return values[min(len(values) - 1, int(p * len(values)))]

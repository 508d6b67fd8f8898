"""An app served by uvicorn in a thread on a free loopback port, with the server configuration a test gives
(the shared `LiveServer` fixture serves `create_app(settings)` with uvicorn's defaults only)."""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Any

import uvicorn

from tests.support import wait_until_started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """`with Served(app) as url:` serves the app until the block ends (its lifespan opens and closes the store)."""

    def __init__(self, app: Any, config: uvicorn.Config | None = None) -> None:
        self.port = config.port if config is not None else free_port()
        self.config = config or uvicorn.Config(app, host="127.0.0.1", port=self.port, access_log=False,
                                               log_level="warning", lifespan="on")
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        wait_until_started(self.server, self.thread)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

"""A request body read ahead of the app by a middleware, up to a limit, and handed on unchanged."""

from __future__ import annotations

from litestar.types import Receive, ReceiveMessage


class ReadAhead:
    """The body's messages as received; `body` is the whole body, or None when it passed `max_bytes` or the
    client left before its end (the app then meets the same limit or disconnect itself)."""

    def __init__(self, messages: list[ReceiveMessage], body: bytes | None, receive: Receive) -> None:
        self.messages, self.body, self._receive = messages, body, receive

    async def replay(self) -> ReceiveMessage:
        """The `receive` the app gets: the messages read ahead first, then the client's own."""
        return self.messages.pop(0) if self.messages else await self._receive()


async def read_ahead(receive: Receive, max_bytes: int) -> ReadAhead:
    messages: list[ReceiveMessage] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return ReadAhead(messages, None, receive)
        size += len(message.get("body", b""))
        if size > max_bytes:
            return ReadAhead(messages, None, receive)
        if not message.get("more_body", False):
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
            return ReadAhead(messages, body, receive)

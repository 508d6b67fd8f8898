"""The families' form (server-rendered HTML that works without JavaScript)."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler


def web_handlers() -> list[ControllerRouterHandler]:
    """Route handlers of the form; empty until the form is built."""
    return []

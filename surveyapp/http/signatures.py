"""Each handler's parsed signature, kept for the process rather than parsed again for every app.

Litestar parses the signature of every route handler and dependency (`ParsedSignature.from_fn`: its type
hints, evaluated from the strings `from __future__ import annotations` leaves) each time an app is built, and
builds an app's routes from copies of the handlers, so nothing it parsed for one app serves the next. A process
that builds many apps (the tests, about three hundred) spent a fifth of each start on it. The parse depends only
on the function and the names it is resolved against, and its result is immutable (frozen dataclasses that
Litestar copies before changing), so `keep_parsed_signatures` keeps one per function and namespace. Functions
are held weakly: a dependency made for one app (a closure over its state) goes with that app.
"""

from __future__ import annotations

import atexit
import weakref
from collections.abc import Callable
from typing import Any

from litestar.utils.signature import ParsedSignature

_ORIGINAL = ParsedSignature.from_fn
_PARSED: weakref.WeakKeyDictionary[Callable[..., Any], dict[tuple[tuple[str, Any], ...], ParsedSignature]] = (
    weakref.WeakKeyDictionary())


def _from_fn(cls: type[ParsedSignature], fn: Callable[..., Any], signature_namespace: dict[str, Any]) -> Any:
    try:
        names = tuple(sorted(signature_namespace.items(), key=lambda item: item[0]))
        known = _PARSED.setdefault(fn, {})
        parsed = known.get(names)
    except TypeError:  # a function that takes no weak reference, or a name bound to an unhashable value
        return _ORIGINAL(fn, signature_namespace)
    if parsed is None:
        parsed = known[names] = _ORIGINAL(fn, signature_namespace)
    return parsed


def keep_parsed_signatures() -> None:
    """Parse each handler's signature once per process (idempotent)."""
    ParsedSignature.from_fn = classmethod(_from_fn)  # type: ignore[assignment,method-assign]


@atexit.register
def _forget() -> None:
    """Let go of what is kept before the interpreter's own teardown, or DuckDB's bindings (nanobind), finding
    objects of theirs still held then, report them as leaked."""
    _PARSED.clear()

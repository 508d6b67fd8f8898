"""The log can only hold lines the service wrote: control characters in logged values are escaped.

A client chooses paths, headers and bodies; a path with `%0a` in it would otherwise end the log line and
start a forged one ("... CRITICAL ..."). `escape` writes every control character (and the Unicode line and
paragraph separators) as a visible `\\n`, `\\r`, `\\t` or `\\xNN`. `SafeFormatter` does so for the message of
every record, whoever logged it (the service, Litestar or uvicorn), and indents each line of a traceback, so
that every line of the log starting at its first column is a record the service wrote.
"""

from __future__ import annotations

import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape(value: object) -> str:
    """The value as text with every control character made visible: safe inside one log line."""
    return _CONTROL.sub(_visible, str(value))


class SafeFormatter(logging.Formatter):
    """A formatter whose messages are always one line, and whose tracebacks are indented under them."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        return _indent(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indent(super().formatStack(stack_info))


def _indent(text: str) -> str:
    return "\n".join("    " + _CONTROL.sub(lambda m: "" if m.group(0) == "\n" else _visible(m), line)
                     for line in text.split("\n"))


def configure(level: str, fmt: str = "%(asctime)s %(levelname)s %(name)s: %(message)s") -> None:
    """Log to standard error through SafeFormatter, for every logger (uvicorn's included)."""
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

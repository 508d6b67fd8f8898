"""The log can only hold lines the service wrote: control characters in logged values are escaped.

A client chooses paths, headers and bodies; a path with `%0a` in it would otherwise end the log line and
start a forged one ("... CRITICAL ..."). `escape` writes every control character (and the Unicode line and
paragraph separators) as a visible `\\n`, `\\r`, `\\t` or `\\xNN`. `SafeFormatter` does so for the message of
every record, whoever logged it (the service, Litestar or uvicorn), and indents each line of a traceback, so
that every line of the log starting at its first column is a record the service wrote. The JSON log
(SURVEYAPP_LOG_FORMAT=json, the default) holds one JSON object a line, which JSON's own escaping keeps whole.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import MutableMapping
from typing import Any

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


class UtcFormatter(SafeFormatter):
    """SafeFormatter with times in UTC, their zone said (`2026-12-06T20:16:57.123Z`)."""

    converter = time.gmtime  # type: ignore[assignment]  # typeshed's stub wants an optional argument
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _drop_colours(_: object, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """uvicorn adds its message again with terminal colours (`color_message`): not for a log file."""
    event.pop("color_message", None)
    return event


def json_formatter() -> logging.Formatter:
    """One JSON object a line for every record, the service's and its libraries' alike (structlog renders the
    standard library's records): `time` (UTC, ISO 8601 with `Z`), `level`, `logger`, `event`, and the
    `request_id` and other fields bound while a request is served. JSON escapes every control character (and,
    ASCII only, the Unicode line separators), so a logged value cannot end the line; a traceback is one
    `exception` field."""
    import structlog

    pre_chain: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
    ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _drop_colours,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(default=str)])


def configure(level: str, fmt: str = "text") -> None:
    """Log to standard error, for every logger (uvicorn's included): `json`, one object a line, or `text`
    through UtcFormatter; either way no logged value can start a line of its own."""
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter() if fmt == "json" else UtcFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

"""SURVEYAPP_LOG_FORMAT=text, for developers: one line a record, UTC times with their zone, no forged lines."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from collections.abc import Iterator

import pytest

from surveyapp.http import logsafe


@pytest.fixture
def elsewhere() -> Iterator[None]:
    """A machine not on UTC (India), and the root logger put back afterwards."""
    root = logging.getLogger()
    handlers, level, zone = root.handlers[:], root.level, os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    root.handlers[:], root.level = handlers, level
    if zone is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = zone
    time.tzset()


@pytest.mark.usefixtures("elsewhere")
def test_text_lines_carry_utc_times_with_their_zone_and_cannot_be_forged(capsys: pytest.CaptureFixture[str]) -> None:
    logsafe.configure("INFO", "text")
    logging.getLogger("surveyapp.texttest").info("GET %s", "/x\n2026-01-01T00:00:00.000Z CRITICAL surveyapp: forged")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO surveyapp\.texttest: GET /x\\n2026", lines[0])
    logged = dt.datetime.fromisoformat(lines[0].split(" ", 1)[0])
    assert abs(logged - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)

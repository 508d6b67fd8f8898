"""A power cut for the process: SIGKILL under load loses no acknowledged response and doubles none.

The short version of `bench/crash.py` (which kills 20 times): the real `surveyapp serve` in a subprocess,
killed three times at random moments while clients submit and retry, restarted each time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.crash import describe, run

pytestmark = pytest.mark.slow


@pytest.mark.timeout(120)
def test_every_acknowledged_response_survives_sigkill_exactly_once(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Servers killed with SIGKILL never write coverage data: spare them the cost of measuring it.
    monkeypatch.delenv("COVERAGE_PROCESS_CONFIG", raising=False)
    report = run(kills=3, clients=8, up=(0.4, 1.2), seed=7, data_dir=tmp_path)

    assert report.kills == 3
    assert report.acknowledged, "no submission was acknowledged between the kills"
    assert report.missing == [], describe(report)
    assert report.doubled == [], describe(report)
    assert report.wrong_id == [], "a retried submission was acknowledged with a different response id"
    assert report.answers_short == 0, "a response was stored without all of its answers"
    assert report.rows >= len(report.acknowledged)

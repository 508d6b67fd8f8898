"""Fixtures for the release tests: the planted wave (tests.releases.planting), and a small plan."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from surveyapp.actions.releases import making
from surveyapp.domain.release import TableSpec
from tests.conftest import Harness, StartService
from tests.releases.planting import Planted, plant
from tests.support import FakeClock


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return plant(tmp_path_factory.mktemp("planted") / "data")


@pytest.fixture
def planted_app(planted: Planted, tmp_path: Path, start_service: StartService) -> Harness:
    """A private copy of the planted wave served in process, its clock at 13:10 (both batches before 13:00)."""
    shutil.copytree(planted.data_dir, tmp_path / "planted")
    return start_service(data_dir=tmp_path / "planted", clock=FakeClock(planted.now + dt.timedelta(minutes=33)))


SMALL_PLAN = [TableSpec("compare-utla-vs-baseline", "compare", "utla", "baseline"),
              TableSpec("reach-utla", "reach", "utla"),
              TableSpec("reach-religion", "reach", "religion", stages=("final",))]


@pytest.fixture
def small_plan(monkeypatch: pytest.MonkeyPatch) -> list[TableSpec]:
    """Releases of three tables, for the tests of what happens to a release (the whole plan's check is the
    planted wave's test and the benchmark's)."""
    monkeypatch.setattr(making, "plan_for", lambda services, wave: SMALL_PLAN)
    return SMALL_PLAN

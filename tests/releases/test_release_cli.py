"""`surveyapp release`: make, show, publish, list and withdraw from the command line (in process, on a copy of
the planted wave), each through the API."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from surveyapp.cli import main
from surveyapp.domain.release import TableSpec
from tests.releases.planting import Planted
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN


@pytest.mark.slow
def test_a_release_from_the_command_line(planted: Planted, small_plan: list[TableSpec], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(planted.data_dir, data)
    monkeypatch.setenv("SURVEYAPP_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("SURVEYAPP_ANALYST_TOKEN", ANALYST_TOKEN)
    cli = ["--data-dir", str(data), "release"]
    assert main([*cli, "make", "2026-autumn", "--stage", "interim", "--cutoff", "2026-11-22T13:00+00:00"]) == 0
    made = capsys.readouterr().out
    assert "2026-autumn-interim-1-v1: draft, interim v1 of 2026-autumn, responses before 2026-11-22 13:00" in made
    assert "check passed" in made and "compare-utla-vs-baseline" in made
    assert main([*cli, "publish", "2026-autumn-interim-1-v1"]) == 0
    assert "sha256 " in capsys.readouterr().out
    assert main([*cli, "list"]) == 0
    listed = capsys.readouterr().out
    assert "2026-autumn-interim-1-v1" in listed and "published" in listed
    notice = "Withdrawn while a count is checked again."
    assert main([*cli, "withdraw", "2026-autumn-interim-1-v1", "--notice", notice]) == 0
    assert f"withdrawn: {notice}" in capsys.readouterr().out
    assert main([*cli, "show", "2026-autumn-interim-1-v1"]) == 0
    assert "withdrawn, interim v1" in capsys.readouterr().out


def test_a_bad_cutoff_is_refused_before_connecting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--data-dir", str(tmp_path / "data"), "release", "make", "2026-autumn", "--stage", "interim",
              "--cutoff", "tomorrow"])
    assert exit_.value.code == 2
    assert "--cutoff" in capsys.readouterr().err

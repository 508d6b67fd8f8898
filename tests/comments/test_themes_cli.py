"""`surveyapp themes`: the same figures as the API's, from the app in the command's own process."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveyapp.cli.main import main
from tests.comments.themed import add_codebook, code, send_comments
from tests.conftest import InProcessApp
from tests.support import FakeClock, make_settings


@pytest.mark.slow  # three app start-ups in the command's own process
def test_the_command_prints_the_themes_or_says_why_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "themes", "--wave", "2026-autumn"]) == 1
    assert "send-repeat has no codebook yet" in capsys.readouterr().err
    service = InProcessApp(make_settings(data), FakeClock()).start()
    try:
        planted = send_comments(service, 12)
        add_codebook(service)
        code(service, {rid: themes for rid, (_, themes) in planted.items()})
    finally:
        service.stop()
    assert main(["--data-dir", str(data), "themes", "--wave", "2026-autumn"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("Internal: not for publication")
    communication = sum("communication" in themes for _, themes in planted.values())
    line = next(row for row in shown.splitlines() if "Communication" in row)
    assert [cell.strip() for cell in line.strip("│ ").split("┆")][2:4] == [str(communication), "12"]
    out = tmp_path / "themes.csv"
    assert main(["--data-dir", str(data), "themes", "--wave", "2026-autumn", "--by", "lad", "--format", "csv",
                 "--out", str(out)]) == 0
    assert out.read_text().startswith("wave_id,area_code,area_name,theme_id")

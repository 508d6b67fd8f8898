"""Issue 25, item 6: `surveyapp check` names each problem before going live, one line with its fix, and exits 1."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from surveyapp.cli.check import check_command
from surveyapp.domain import checks
from surveyapp.settings import Settings, from_env

STAFF_TOKEN = "staff-token-for-the-check-0123456789"
ADMIN = "admin-token-for-the-check-0123456789"
ANALYST = "analyst-token-for-the-check-0123456789"
CHROMIUM = "/usr/bin/chromium"


def ready(data: Path, **overrides: object) -> Settings:
    """Settings a council could go live with (but for the backup schedule, another part of issue 25)."""
    data.mkdir(mode=0o700, exist_ok=True)
    values: dict[str, object] = {"admin_token": ADMIN, "analyst_token": ANALYST, "staff_token": STAFF_TOKEN,
                                 "public_url": "https://survey.kent.gov.uk", "behind_tls": True, "data_dir": data,
                                 **overrides}
    return from_env({}, **{k: v for k, v in values.items() if v is not None})


def run(settings: Settings, capsys: pytest.CaptureFixture[str], *, chromium: str | None = CHROMIUM,
        min_free: int = 0, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str]]:
    """`surveyapp check` as the person at the terminal sees it: the exit status and the problem lines."""
    monkeypatch.setattr(checks, "MIN_FREE_BYTES", min_free)
    monkeypatch.setattr(checks.shutil, "which", lambda name: chromium if name == "chromium" else None)
    status = check_command(argparse.Namespace(), settings)
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("problem: ") for line in lines if "no problems found" not in line)
    return status, [line for line in lines if line.startswith("problem: ")]


def test_settings_ready_to_go_live_have_no_problem_but_the_backup_schedule(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    status, lines = run(ready(tmp_path / "data"), capsys, monkeypatch=monkeypatch)
    assert [line for line in lines if "backups are not scheduled" not in line] == []
    monkeypatch.setattr(checks, "_backups", lambda settings: [])  # scheduled backups: another branch's setting
    status, lines = run(ready(tmp_path / "data"), capsys, monkeypatch=monkeypatch)
    assert (status, lines) == (0, [])


@pytest.mark.parametrize(("broken", "says", "fix"), [
    ({"admin_token": None}, "SURVEYAPP_ADMIN_TOKEN is unset", "make token"),
    ({"analyst_token": None}, "SURVEYAPP_ANALYST_TOKEN is unset", "make token"),
    ({"staff_token": None}, "SURVEYAPP_STAFF_TOKEN is unset", "openssl rand -hex 24"),
    ({"public_url": None}, "SURVEYAPP_PUBLIC_URL is unset", "set it to the address families open"),
    ({"public_url": "https://127.0.0.1:8443"}, "a loopback address", "set it to the address families open"),
    ({"public_url": "https://localhost"}, "a loopback address", "set it to the address families open"),
    ({"public_url": "http://survey.kent.gov.uk"}, "cookies are marked Secure", "put TLS in front"),
    ({"public_url": "http://survey.kent.gov.uk", "behind_tls": False}, "not https://", "put a TLS proxy in front"),
    ({"behind_tls": False}, "SURVEYAPP_BEHIND_TLS is unset", "set SURVEYAPP_BEHIND_TLS=1"),
])
def test_each_setting_problem_is_one_line_with_its_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        broken: dict[str, object], says: str, fix: str) -> None:
    settings = ready(tmp_path / "data")
    settings = Settings(**{**{f: getattr(settings, f) for f in settings.__struct_fields__}, **broken})
    status, lines = run(settings, capsys, monkeypatch=monkeypatch)
    found = [line for line in lines if says in line]
    assert status == 1 and len(found) == 1 and fix in found[0], lines
    status, good = run(ready(tmp_path / "data"), capsys, monkeypatch=monkeypatch)
    assert not [line for line in good if says in line]


def test_a_data_folder_open_to_others_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ready(tmp_path / "data")
    (tmp_path / "data").chmod(0o755)
    status, lines = run(settings, capsys, monkeypatch=monkeypatch)
    assert status == 1 and any("open to other users" in line and "chmod -R go-rwx" in line for line in lines)


def test_a_data_folder_that_cannot_be_made_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    settings = ready(tmp_path / "data", data_dir=tmp_path / "a-file" / "data")
    status, lines = run(settings, capsys, monkeypatch=monkeypatch)
    assert status == 1 and any("cannot be made" in line and "install -d" in line for line in lines), lines


def test_little_disk_space_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    status, lines = run(ready(tmp_path / "data"), capsys, min_free=2**62, monkeypatch=monkeypatch)
    assert status == 1 and any("GiB free" in line and "free space there" in line for line in lines)


def test_chromium_missing_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    status, lines = run(ready(tmp_path / "data"), capsys, chromium=None, monkeypatch=monkeypatch)
    assert status == 1 and any("Chromium is not installed" in line and "apt-get install chromium" in line
                               for line in lines)


def test_backups_not_scheduled_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    status, lines = run(ready(tmp_path / "data"), capsys, monkeypatch=monkeypatch)
    assert status == 1 and any("backups are not scheduled" in line for line in lines)

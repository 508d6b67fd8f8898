"""Issue 11, defect 6: the service refuses to start with a weak bearer token, or one token for both roles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from surveyapp.app import create_app
from surveyapp.cli.main import main
from surveyapp.settings import Settings, SettingsError, from_env

SURVEYAPP = str(Path(sys.executable).with_name("surveyapp"))
GOOD_ADMIN = "3f9c1e0b7a5d4c2e9f8a6b1c0d3e5f7a9b2c4d6e"
GOOD_ANALYST = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SERVE = ["serve", "--host", "256.0.0.1", "--port", "9"]  # were it to start, the host cannot be bound: it stops


def _environment(tmp_path: Path, **tokens: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEYAPP_")}
    return {**env, "SURVEYAPP_DATA_DIR": str(tmp_path / "data"), **tokens}


def _serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
           **tokens: str) -> tuple[int, str]:
    """`surveyapp serve` run in this process (main, as the installed command runs it): its exit status and what
    it wrote to stderr. A weak token stops it before it starts."""
    for name in [k for k in os.environ if k.startswith("SURVEYAPP_")]:
        monkeypatch.delenv(name)
    for name, value in _environment(tmp_path, **tokens).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        main(SERVE)
    return int(stopped.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(("variable", "value"), [
    ("SURVEYAPP_ADMIN_TOKEN", "admin"),
    ("SURVEYAPP_ADMIN_TOKEN", "short-admin-token-22chr"),
    ("SURVEYAPP_ANALYST_TOKEN", "x" * 40),  # long, but one character repeated
])
def test_serve_refuses_a_weak_token_naming_the_setting_and_how_to_make_a_good_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str,
        value: str) -> None:
    other = "SURVEYAPP_ANALYST_TOKEN" if variable == "SURVEYAPP_ADMIN_TOKEN" else "SURVEYAPP_ADMIN_TOKEN"
    status, stderr = _serve(tmp_path, monkeypatch, capsys, **{variable: value, other: GOOD_ADMIN})
    assert status != 0
    assert variable in stderr and "openssl rand -hex 24" in stderr
    assert value not in stderr  # the refused token is not echoed to the terminal or a log
    assert not (tmp_path / "data" / "surveyapp.duckdb").exists()  # nothing started


def test_serve_refuses_one_token_for_both_roles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status, stderr = _serve(tmp_path, monkeypatch, capsys, SURVEYAPP_ADMIN_TOKEN=GOOD_ADMIN,
                            SURVEYAPP_ANALYST_TOKEN=GOOD_ADMIN)
    assert status != 0
    assert "SURVEYAPP_ADMIN_TOKEN" in stderr and "SURVEYAPP_ANALYST_TOKEN" in stderr
    assert "different" in stderr and GOOD_ADMIN not in stderr


@pytest.mark.slow
def test_the_installed_command_refuses_a_weak_token_before_it_starts(tmp_path: Path) -> None:
    """The same refusal from the installed `surveyapp` script, in a process of its own."""
    done = subprocess.run([SURVEYAPP, *SERVE], capture_output=True, text=True, timeout=60, check=False,
                          env=_environment(tmp_path, SURVEYAPP_ADMIN_TOKEN="admin",
                                           SURVEYAPP_ANALYST_TOKEN=GOOD_ANALYST))
    assert done.returncode == 2
    assert "SURVEYAPP_ADMIN_TOKEN" in done.stderr and "openssl rand -hex 24" in done.stderr
    assert not (tmp_path / "data" / "surveyapp.duckdb").exists()


def test_the_staff_token_must_differ_from_the_other_roles_tokens() -> None:
    for other in ("SURVEYAPP_ADMIN_TOKEN", "SURVEYAPP_ANALYST_TOKEN"):
        with pytest.raises(SettingsError, match=f"{other} and SURVEYAPP_STAFF_TOKEN are the same") as refused:
            from_env({other: GOOD_ADMIN, "SURVEYAPP_STAFF_TOKEN": GOOD_ADMIN})
        assert GOOD_ADMIN not in str(refused.value)


def test_good_tokens_and_unset_tokens_are_accepted(tmp_path: Path) -> None:
    assert from_env({"SURVEYAPP_ADMIN_TOKEN": GOOD_ADMIN, "SURVEYAPP_ANALYST_TOKEN": GOOD_ANALYST}).admin_token
    assert from_env({}).admin_token is None  # unset: those endpoints stay shut (401)


def test_the_app_factory_refuses_weak_settings_built_without_the_environment(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SURVEYAPP_ANALYST_TOKEN"):
        create_app(Settings(data_dir=tmp_path, admin_token=GOOD_ADMIN, analyst_token="analyst"))

"""What an operations team installs is checked with the real tools: the systemd unit by `systemd-analyze verify`
and `systemd-analyze security --offline` (its hardening), the sample settings file against the settings the code
reads, the compose example against the image. The image itself: tests/test_container.py."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cogapp import Cog

from surveyapp.settings import from_env, variables

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "surveyapp.service"
ENV_EXAMPLE = DEPLOY / "surveyapp.env.example"
SURVEYAPP = str(Path(sys.executable).with_name("surveyapp"))
INSTALLED = "/opt/surveyapp/.venv/bin/surveyapp"  # where the unit expects the checkout's `make setup`
EXPOSURE = 2.0  # systemd-analyze security's overall exposure (0 to 10; up to 3.9 is "OK"); the unit gives 1.7

HARDENING = {
    "DynamicUser": "yes", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
    "PrivateTmp": "yes", "PrivateDevices": "yes", "PrivateUsers": "yes", "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
    "ProtectClock": "yes", "ProtectHostname": "yes", "ProtectProc": "invisible", "RestrictSUIDSGID": "yes",
    "RestrictRealtime": "yes", "LockPersonality": "yes", "SystemCallArchitectures": "native",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "CapabilityBoundingSet": "", "UMask": "0077",
    "StateDirectory": "surveyapp", "StateDirectoryMode": "0700", "IPAddressDeny": "any",
}


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI") == "true":  # `make test` installs systemd (make deploy-tools): never skip it there
            pytest.fail("systemd-analyze is missing under CI")
        pytest.skip("needs systemd-analyze: run `make deploy-tools`")
    return found


def unit_settings() -> dict[str, list[str]]:
    """Each key of the unit with every value it is given, in order (systemd allows a key more than once)."""
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


@pytest.fixture
def unit_here(tmp_path: Path) -> Path:
    """The unit as installed on this machine: its ExecStart the checkout's own `surveyapp` (verify checks it)."""
    text = UNIT.read_text(encoding="utf-8")
    assert INSTALLED in text
    here = tmp_path / "surveyapp.service"
    here.write_text(text.replace(INSTALLED, SURVEYAPP), encoding="utf-8")
    return here


def test_the_unit_passes_systemd_analyze_verify_without_a_warning(unit_here: Path) -> None:
    verified = subprocess.run([systemd_analyze(), "verify", "--man=no", str(unit_here)],
                              capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout + verified.stderr == ""  # an unknown or misspelt key is only a warning, but fails here


def test_the_unit_fails_verify_when_its_program_is_missing(tmp_path: Path) -> None:
    """The check above can fail: a unit whose ExecStart does not exist is refused."""
    broken = tmp_path / "surveyapp.service"
    broken.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(tmp_path / "nowhere")))
    verified = subprocess.run([systemd_analyze(), "verify", "--man=no", str(broken)],
                              capture_output=True, text=True, timeout=60)
    assert verified.returncode != 0 and "nowhere" in verified.stderr


def test_the_unit_is_hardened(unit_here: Path) -> None:
    settings = unit_settings()
    for key, value in HARDENING.items():
        assert settings.get(key) == [value], f"{key}={value}"
    assert settings["SystemCallFilter"][0] == "@system-service"
    assert "@privileged" in settings["SystemCallFilter"][1] and settings["SystemCallFilter"][1].startswith("~")
    security = subprocess.run([systemd_analyze(), "security", "--offline=true", "--no-pager", str(unit_here)],
                              capture_output=True, text=True, timeout=60)
    overall = re.search(r"Overall exposure level for surveyapp.service: ([\d.]+)", security.stdout)
    assert security.returncode == 0 and overall, security.stdout + security.stderr
    assert float(overall.group(1)) <= EXPOSURE, security.stdout


def test_the_unit_serves_from_its_state_directory_and_stops_after_the_graceful_shutdown() -> None:
    settings = unit_settings()
    assert settings["ExecStart"] == [f"{INSTALLED} serve --host 127.0.0.1 --port 8000"]
    assert "SURVEYAPP_DATA_DIR=%S/surveyapp" in settings["Environment"][0].split()
    assert settings["EnvironmentFile"] == ["/etc/surveyapp/surveyapp.env"]
    assert settings["KillSignal"] == ["SIGTERM"]
    # uvicorn gives requests in flight 10 s (timeout_graceful_shutdown), then the store closes: no SIGKILL before.
    assert int(settings["TimeoutStopSec"][0]) > 10 + 5


def env_example_lines() -> list[str]:
    return ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()


def test_the_sample_settings_list_every_setting_once_all_commented() -> None:
    lines = env_example_lines()
    assert all(line == "" or line.startswith("#") for line in lines)  # copied as it is, it changes nothing
    named = [line[1:].split("=", 1)[0] for line in lines if line.startswith("#SURVEYAPP_")]
    assert sorted(named) == sorted(variables())


def test_the_sample_settings_are_what_the_code_generates() -> None:
    """`cog --check`: a setting added or described anew without `make docs-cog` fails here, with the diff."""
    out, err = io.StringIO(), io.StringIO()
    cog = Cog()
    cog.set_output(stdout=out, stderr=err)
    status = cog.main(["cog", "--check", "--diff", str(ENV_EXAMPLE)])
    assert status == 0, f"{ENV_EXAMPLE.name} is out of date: run `make docs-cog`\n{out.getvalue()}{err.getvalue()}"


def test_the_sample_settings_uncommented_start_the_service(tmp_path: Path) -> None:
    """Every value shown (a default or a suggestion) is one the service accepts, tokens filled in."""
    environ = dict(line[1:].split("=", 1) for line in env_example_lines() if line.startswith("#SURVEYAPP_"))
    for role in ("ADMIN", "ANALYST", "STAFF"):
        environ[f"SURVEYAPP_{role}_TOKEN"] = f"{role.lower()}-0123456789abcdefghijklmnop"
    settings = from_env(environ)
    assert settings.behind_tls and settings.trusted_proxy_header == "X-Forwarded-For"
    assert settings.public_url == "https://survey.example.gov.uk"


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def test_the_compose_example_runs_the_image_read_only_behind_the_proxy() -> None:
    services = compose()["services"]
    app, proxy = services["surveyapp"], services["proxy"]
    assert app["read_only"] is True and app["tmpfs"][0].startswith("/tmp:")  # noqa: S108 (the container's)
    assert any(volume.endswith(":/data") for volume in app["volumes"])
    assert app["env_file"] == ["surveyapp.env"]
    assert app["environment"]["SURVEYAPP_TRUSTED_PROXY_HEADER"] == "X-Forwarded-For"
    assert "ports" not in app  # only the proxy is published
    assert int(app["stop_grace_period"].rstrip("s")) > 15
    assert app["cap_drop"] == ["ALL"] and "no-new-privileges:true" in app["security_opt"]
    assert proxy["depends_on"]["surveyapp"]["condition"] == "service_healthy"
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx  # replaced, never appended to
    assert "proxy_pass http://surveyapp:8000;" in nginx

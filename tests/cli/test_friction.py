"""What a newcomer hit on day one (issue 14, part 3): tokens nobody saw, a CLI that failed as the README wrote
it, a bare "Connection refused" on another port, noise on every CLI call and on Ctrl-C, and read endpoints'
errors that said "nothing was stored" or named `body` for a missing query field."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pyreadstat
import pytest

from surveyapp.auth.tokenfile import read
from surveyapp.settings import from_env
from tests.served import free_port
from tests.support import ROOT


def _env(**extra: str) -> dict[str, str]:
    """The environment of a person at a terminal: no SURVEYAPP_ settings, not inside another make."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("SURVEYAPP_", "MAKE", "MFLAGS"))}
    return {**keep, **extra}


def _make(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "--no-print-directory", *args], cwd=ROOT, env=_env(**env),
                          capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.slow
def test_make_token_makes_private_tokens_once_that_the_service_accepts(tmp_path: Path) -> None:
    path = tmp_path / "surveyapp.env"
    made = _make("token", f"TOKEN_FILE={path}")
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    tokens = read(path)
    assert set(tokens) == {"SURVEYAPP_ADMIN_TOKEN", "SURVEYAPP_ANALYST_TOKEN", "SURVEYAPP_STAFF_TOKEN"}
    assert all(token in made.stdout for token in tokens.values())  # shown, so they can be handed out
    from_env({}, admin_token=tokens["SURVEYAPP_ADMIN_TOKEN"], analyst_token=tokens["SURVEYAPP_ANALYST_TOKEN"],
             staff_token=tokens["SURVEYAPP_STAFF_TOKEN"])
    again = _make("token", f"TOKEN_FILE={path}")
    assert again.returncode == 0 and read(path) == tokens and "kept" in again.stdout  # never overwritten
    older = tmp_path / "older.env"  # made before the staff role: the staff token is added, the others kept
    older.write_text("".join(line + "\n" for line in path.read_text().splitlines() if "STAFF" not in line))
    older.chmod(0o600)
    added = _make("token", f"TOKEN_FILE={older}")
    kept = read(older)
    assert added.returncode == 0 and kept == tokens | {"SURVEYAPP_STAFF_TOKEN": kept["SURVEYAPP_STAFF_TOKEN"]}
    assert kept["SURVEYAPP_STAFF_TOKEN"] != tokens["SURVEYAPP_STAFF_TOKEN"]
    shell = subprocess.run(["sh", "-c", f'. "{path}"; echo "$SURVEYAPP_ANALYST_TOKEN"'], env=_env(),
                           capture_output=True, text=True, check=True)
    assert shell.stdout.strip() == tokens["SURVEYAPP_ANALYST_TOKEN"]  # `. ./surveyapp.env` works in a shell


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("make run did not answer within 90 s")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_session_as_the_readme_writes_it_on_another_port(tmp_path: Path) -> None:
    """make token, make run PORT=..., make cli ... through the service, a wrong port, Ctrl-C."""
    tokens, data, port = tmp_path / "surveyapp.env", tmp_path / "data", free_port()
    assert _make("token", f"TOKEN_FILE={tokens}").returncode == 0
    settings = [f"TOKEN_FILE={tokens}", f"PORT={port}"]
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        server = subprocess.Popen(["make", "-s", "--no-print-directory", "run", *settings], cwd=ROOT,
                                  env=_env(SURVEYAPP_DATA_DIR=str(data)), stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # its own process group, as a terminal's job
    try:
        _wait_for(f"http://127.0.0.1:{port}", server, log)
        listed = _make("cli", *settings, "ARGS=waves list", SURVEYAPP_DATA_DIR=str(data))
        assert listed.returncode == 0 and "2026-autumn" in listed.stdout, listed.stderr
        out = tmp_path / "all.sav"
        exported = _make("cli", *settings, f"ARGS=export --waves all --format sav --out {out}",
                         SURVEYAPP_DATA_DIR=str(data))
        assert exported.returncode == 0, exported.stderr  # through the service, with the analyst token
        assert "HTTP Request" not in exported.stderr and "INFO" not in exported.stderr  # no httpx chatter
        frame, meta = pyreadstat.read_sav(str(out))
        assert "q7_health_met_score" in frame.columns and meta.column_names_to_labels["respondent_role"]
        assert (tmp_path / "all-dictionary.csv").exists()

        elsewhere = free_port()
        wrong = _make("cli", f"TOKEN_FILE={tokens}", f"PORT={elsewhere}", "ARGS=export --waves all",
                      SURVEYAPP_DATA_DIR=str(data))
        assert wrong.returncode != 0
        message = wrong.stderr.strip().splitlines()[0]
        assert message.startswith("surveyapp:") and f"http://127.0.0.1:{elsewhere}" in message
        assert "SURVEYAPP_URL" in message and "Errno" not in message.split("(")[0]
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C at the terminal
        server.wait(timeout=60)
    output = log.read_text(errors="replace")
    assert "Application shutdown complete" in output
    assert "nanobind" not in output and "leaked" not in output


@pytest.fixture
def analyst_client(server: Any) -> Any:
    from tests.support import ANALYST_TOKEN

    with server.client(ANALYST_TOKEN) as client:
        yield client


@pytest.mark.shared
def test_a_missing_query_field_is_named_not_body(analyst_client: Any) -> None:
    r = analyst_client.get("/api/v1/waves/2026-autumn/cohort")
    assert r.status_code == 400
    body = r.json()
    assert [e["field"] for e in body["errors"]] == ["against"]
    assert "against=" in body["errors"][0]["message"]


@pytest.mark.shared
def test_an_invalid_query_field_is_named_with_what_it_accepts(analyst_client: Any) -> None:
    r = analyst_client.get("/api/v1/waves/2026-autumn/compare", params={"weighted": "maybe", "format": "pdf"})
    assert r.status_code == 400
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert "'maybe'" in errors["weighted"] and "true or false" in errors["weighted"]
    assert "'pdf'" in errors["format"] and "csv" in errors["format"] and "xlsx" in errors["format"]


@pytest.mark.parametrize("path", ["/api/v1/waves/2026-autumn/cohort", "/api/v1/waves/2026-autumn/compare?by=nope",
                                  "/api/v1/export?format=pdf", "/api/v1/waves/2026-autumn/reach?format=doc"])
@pytest.mark.shared
def test_read_endpoints_errors_never_say_nothing_was_stored(analyst_client: Any, path: str) -> None:
    r = analyst_client.get(path)
    assert r.status_code == 400
    assert "stored" not in r.json()["detail"]


@pytest.mark.shared
def test_a_bad_submission_still_says_nothing_was_stored(server: Any) -> None:
    with server.client() as http:
        r = http.post("/api/v1/waves/2026-autumn/responses", json={"answers": 3})
    assert r.status_code == 400 and "nothing was stored" in r.json()["detail"]
    assert [e["field"] for e in r.json()["errors"]] == ["answers"]

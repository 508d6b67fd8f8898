"""The `surveyapp` command, on the database file directly and through a running service."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from tests.conftest import ADMIN_TOKEN, ANALYST_TOKEN, LiveServer, make_settings

SURVEYAPP = str(Path(sys.executable).with_name("surveyapp"))


def _run(data_dir: Path, *args: str, url: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SURVEYAPP_")}
    environ.update({"SURVEYAPP_DATA_DIR": str(data_dir), "SURVEYAPP_ADMIN_TOKEN": ADMIN_TOKEN,
                    "SURVEYAPP_ANALYST_TOKEN": ANALYST_TOKEN, **env})
    if url:
        environ["SURVEYAPP_URL"] = url
    return subprocess.run([SURVEYAPP, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)


def test_waves_list_open_close_on_the_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    listed = _run(data, "waves", "list")
    assert listed.returncode == 0, listed.stderr
    assert "baseline-2019" in listed.stdout and "2026-autumn" in listed.stdout
    closed = _run(data, "waves", "close", "2026-autumn")
    assert closed.returncode == 0 and "closed" in closed.stdout
    created = _run(data, "waves", "create", "2027-spring", "--title", "Spring 2027", "--opens", "2027-04-01",
                   "--closes", "2027-06-30")
    assert created.returncode == 0, created.stderr
    assert "2027-spring" in _run(data, "waves", "list").stdout


def test_a_mistake_gets_a_one_line_error_and_a_failing_exit(tmp_path: Path) -> None:
    result = _run(tmp_path / "data", "waves", "close", "no-such-wave")
    assert result.returncode == 1
    assert result.stderr.startswith("surveyapp:") and "Traceback" not in result.stderr
    bad_setting = _run(tmp_path / "data", "waves", "list", SURVEYAPP_PORT="eighty")
    assert bad_setting.returncode == 2 and "SURVEYAPP_PORT" in bad_setting.stderr


def test_export_goes_through_the_running_service_when_it_holds_the_file(data_dir: Path, clock,
                                                                         tmp_path: Path) -> None:
    live = LiveServer(make_settings(data_dir), clock).start()
    try:
        with live.client() as http:
            for _ in range(3):
                http.post("/api/v1/waves/2026-autumn/responses", json={"answers": {"q7": {"health_met": "neither"}}})
        out = tmp_path / "export" / "autumn.csv"
        result = _run(data_dir, "export", "--wave", "2026-autumn", "--format", "csv", "--out", str(out), url=live.url)
        assert result.returncode == 0, result.stderr
        assert pl.read_csv(out).height == 3
        assert (out.parent / "autumn-dictionary.csv").exists()
        parquet = _run(data_dir, "export", "--wave", "2026-autumn", "--format", "parquet",
                       "--out", str(tmp_path / "a.parquet"), url=live.url)
        assert parquet.returncode == 0 and pl.read_parquet(tmp_path / "a.parquet").height == 3
        no_token = _run(data_dir, "export", "--wave", "2026-autumn", url=live.url, SURVEYAPP_ANALYST_TOKEN="")
        assert no_token.returncode == 1 and "SURVEYAPP_ANALYST_TOKEN" in no_token.stderr
    finally:
        live.stop()


def test_export_reads_the_file_directly_when_no_service_runs(data_dir: Path, clock) -> None:
    live = LiveServer(make_settings(data_dir), clock).start()
    with live.client() as http:
        http.post("/api/v1/waves/2026-autumn/responses", json={"answers": {"q7": {"health_met": "neither"}}})
    live.stop()
    result = subprocess.run([SURVEYAPP, "--data-dir", str(data_dir), "export", "--wave", "2026-autumn"],
                            capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert pl.read_csv(io.BytesIO(result.stdout))["q7_health_met"].to_list() == ["neither"]

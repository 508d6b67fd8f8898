"""The `surveyapp` command, on the database file directly and through a running service."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import polars as pl
import pyreadstat
import pytest

pytestmark = pytest.mark.slow  # every test runs the command in a subprocess


def test_waves_list_open_close_on_the_file(tmp_path: Path, cli) -> None:
    data = tmp_path / "data"
    listed = cli(data, "waves", "list")
    assert listed.returncode == 0, listed.stderr
    assert "baseline-2019" in listed.stdout and "2026-autumn" in listed.stdout
    closed = cli(data, "waves", "close", "2026-autumn")
    assert closed.returncode == 0 and "closed" in closed.stdout
    created = cli(data, "waves", "create", "2027-spring", "--title", "Spring 2027", "--opens", "2027-04-01",
                  "--closes", "2027-06-30")
    assert created.returncode == 0, created.stderr
    assert "2027-spring" in cli(data, "waves", "list").stdout


def test_a_mistake_gets_a_one_line_error_and_a_failing_exit(tmp_path: Path, cli) -> None:
    result = cli(tmp_path / "data", "waves", "close", "no-such-wave")
    assert result.returncode == 1
    assert result.stderr.startswith("surveyapp:") and "Traceback" not in result.stderr
    bad_setting = cli(tmp_path / "data", "waves", "list", SURVEYAPP_PORT="eighty")
    assert bad_setting.returncode == 2 and "SURVEYAPP_PORT" in bad_setting.stderr


@pytest.mark.uvicorn
def test_export_goes_through_the_running_service_when_it_holds_the_file(server, http, data_dir: Path, cli,
                                                                         tmp_path: Path) -> None:
    for _ in range(3):
        assert http.post("/api/v1/waves/2026-autumn/responses",
                         json={"answers": {"q7": {"health_met": "neither"}}}).status_code == 201
    out = tmp_path / "export" / "autumn.csv"
    result = cli(data_dir, "export", "--wave", "2026-autumn", "--format", "csv", "--out", str(out), url=server.url)
    assert result.returncode == 0, result.stderr
    assert pl.read_csv(out).height == 3
    assert (out.parent / "autumn-dictionary.csv").exists()
    parquet = cli(data_dir, "export", "--wave", "2026-autumn", "--format", "parquet",
                  "--out", str(tmp_path / "a.parquet"), url=server.url)
    assert parquet.returncode == 0 and pl.read_parquet(tmp_path / "a.parquet").height == 3
    no_token = cli(data_dir, "export", "--wave", "2026-autumn", url=server.url, SURVEYAPP_ANALYST_TOKEN="")
    assert no_token.returncode == 1 and "SURVEYAPP_ANALYST_TOKEN" in no_token.stderr


def test_export_reads_the_file_directly_when_no_service_runs(server, http, data_dir: Path,
                                                             surveyapp_command: str) -> None:
    assert http.post("/api/v1/waves/2026-autumn/responses",
                     json={"answers": {"q7": {"health_met": "neither"}}}).status_code == 201
    server.stop()
    result = subprocess.run([surveyapp_command, "--data-dir", str(data_dir), "export", "--wave", "2026-autumn"],
                            capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert pl.read_csv(io.BytesIO(result.stdout))["q7_health_met"].to_list() == ["neither"]


def test_a_stacked_filtered_stata_export_reads_the_file_directly(server, http, data_dir: Path, cli,
                                                                 tmp_path: Path) -> None:
    roles = ["parent_carer", "parent_carer", "young_person", "professional", "professional"]
    for role in roles:
        body = {"answers": {"respondent_role": role, "q7": {"health_met": "tend_to_agree"}}}
        assert http.post("/api/v1/waves/2026-autumn/responses", json=body).status_code == 201
    server.stop()
    out = tmp_path / "families.dta"
    result = cli(data_dir, "export", "--waves", "all", "--format", "dta", "--filter",
                 "respondent_role:parent_carer,young_person", "--out", str(out))
    assert result.returncode == 0, result.stderr
    frame, meta = pyreadstat.read_dta(str(out), output_format="polars")
    assert frame.height == 3 and set(frame["q7_health_met_score"].to_list()) == {4}
    assert meta.variable_value_labels["respondent_role"][1] == "Parent or carer"
    assert "dta_name" in pl.read_csv(tmp_path / "families-dictionary.csv").columns
    bad = cli(data_dir, "export", "--waves", "all", "--filter", "respondent_role:parent")
    assert bad.returncode == 1 and bad.stderr.startswith("surveyapp: filter:") and "parent_carer" in bad.stderr

"""The CLI's one client (surveyapp.cli.client): with no service running, the app in the command's own process."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveyapp.actions.schemas import WaveOut
from surveyapp.cli.client import ServiceError, open_client
from surveyapp.settings import from_env


def test_in_process_a_command_needs_no_token_and_the_one_it_is_given_opens_nothing_else(
        tmp_path: Path, start_service) -> None:  # type: ignore[no-untyped-def]
    settings = from_env({}, data_dir=tmp_path / "cli-data")  # no token set at all, as on a laptop
    elsewhere = start_service()  # another service, with the tests' tokens
    with open_client(settings) as api:
        closed = api.decode(WaveOut, "POST", "/api/v1/admin/waves/2026-autumn/close", "admin")
        assert closed.status == "closed"
        # The app in process still guards its routes: a request without the token made for it is refused...
        assert api.http.post("/api/v1/admin/waves/2026-autumn/open").status_code == 401
        assert api.http.get("/api/v1/export", params={"waves": "all"}).status_code == 401
        own = api.tokens["admin"]
    # ...and that token, made for one command, opens nothing on a service.
    assert own and own not in (elsewhere.settings.admin_token, elsewhere.settings.analyst_token)
    with elsewhere.client(own) as stranger:
        assert stranger.post("/api/v1/admin/waves/2026-autumn/close").status_code == 401
    with open_client(settings) as api:  # the change was stored: the next command's app reads it back
        waves = {w.wave_id: w.status for w in api.decode(list[WaveOut], "GET", "/api/v1/waves")}
    assert waves["2026-autumn"] == "closed"


def test_in_process_a_refusal_names_the_field_as_the_api_does(tmp_path: Path) -> None:
    with open_client(from_env({}, data_dir=tmp_path / "data")) as api, pytest.raises(ServiceError) as refused:
        api.request("GET", "/api/v1/waves/2026-autumn/tracker", "analyst", params={"by": "town"})
    assert str(refused.value).startswith("by: use one of lad, district")


@pytest.mark.slow  # runs the command in a subprocess
def test_a_new_waves_bad_date_or_id_names_its_option_and_nothing_is_made(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    bad_date = cli(data, "waves", "create", "2027-spring", "--title", "Spring 2027", "--opens", "2027-13-01",
                   "--closes", "2027-06-30")
    assert bad_date.returncode == 1 and bad_date.stderr.startswith("surveyapp: --opens:"), bad_date.stderr
    bad_id = cli(data, "waves", "create", "Spring 2027", "--title", "Spring 2027", "--opens", "2027-04-01",
                 "--closes", "2027-06-30")
    assert bad_id.returncode == 1 and bad_id.stderr.startswith("surveyapp: wave_id:"), bad_id.stderr
    assert "2027-spring" not in cli(data, "waves", "list").stdout

"""The edges of signing in: settings that cannot work are refused at start with the variable named; a provider
that cannot be reached, a form posted from another site, a step of signing in opened out of turn."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from surveyapp.settings import Settings, SettingsError, from_env
from tests.auth.conftest import free_port
from tests.support import ADMIN_TOKEN, Service

if TYPE_CHECKING:
    from tests.conftest import StartService

SSO = {"oidc_issuer": "https://login.microsoftonline.com/tenant/v2.0", "oidc_client_id": "app",
       "oidc_client_secret": "secret"}


@pytest.mark.parametrize(("settings", "named"), [
    ({"oidc_issuer": "https://login.example/t"}, "SURVEYAPP_OIDC_CLIENT_ID"),
    ({**SSO, "oidc_issuer": "http://login.example/t"}, "SURVEYAPP_OIDC_ISSUER"),
    ({**SSO, "oidc_groups_claim": "groups"}, "SURVEYAPP_OIDC_GROUP_ROLES"),
    ({**SSO, "oidc_groups_claim": "groups", "oidc_group_roles": "boss=g1"}, "SURVEYAPP_OIDC_GROUP_ROLES"),
])
def test_single_sign_on_settings_that_cannot_work_are_refused(settings: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        from_env({}, **settings)


def test_a_provider_that_cannot_be_reached_gets_its_own_page(start_service: StartService) -> None:
    server = start_service(oidc_issuer=f"http://127.0.0.1:{free_port()}", oidc_client_id="app",
                           oidc_client_secret="secret")
    with server.client() as browser:
        page = browser.get("/sign-in/oidc")
        assert page.status_code == 502 and "The sign-in service cannot be reached" in page.text


def test_a_password_form_from_another_site_and_steps_out_of_turn_are_refused(server: Service) -> None:
    with server.client() as browser:
        foreign = browser.post("/sign-in/password", data={"email": "a@kent.gov.uk", "password": "x" * 20},
                               headers={"Sec-Fetch-Site": "cross-site"})
        assert foreign.status_code == 403 and "own sign-in page" in foreign.text
        for step in ("/sign-in/code", "/sign-in/enrol"):
            assert browser.get(step).headers["location"] == "/sign-in?ended=true"  # no password entered first
            assert browser.post(step, data={"code": "123456"}).headers["location"] == "/sign-in?ended=true"
        assert browser.get("/account/setup/not-a-link").status_code == 404
        assert browser.post("/account/setup/not-a-link", data={"password": "x"}).status_code == 404


def test_a_role_token_session_has_no_account_page_of_its_own(server: Service) -> None:
    with server.client() as browser:
        browser.post("/sign-in", data={"token": ADMIN_TOKEN})
        page = browser.get("/account")
        assert page.status_code == 200 and "has no account of its own" in page.text


def test_surveyapp_check_does_not_ask_for_role_tokens_once_they_are_turned_off(tmp_path: Path) -> None:
    from surveyapp.domain.checks import problems

    def about_tokens(settings: Settings) -> list[str]:
        return [p for p in problems(settings, min_free=0) if "_TOKEN is unset" in p]

    assert about_tokens(from_env({}, data_dir=tmp_path)) != []
    assert about_tokens(from_env({}, data_dir=tmp_path, role_tokens=False)) == []

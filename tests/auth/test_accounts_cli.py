"""`surveyapp accounts`: the admin's account list from the command line, in process and against a running
service with a person's own API token (SURVEYAPP_API_TOKEN)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pyotp
import pytest

from surveyapp.cli import main
from tests.support import ROOT, Service

if TYPE_CHECKING:
    from tests.conftest import Cli


@pytest.mark.slow  # six commands, each starting the app in process
def test_create_give_roles_link_disable_and_list_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "accounts", "create", "Lee.Fox@kent.gov.uk", "--name", "Lee Fox", "--role", "staff"]) == 0
    made = capsys.readouterr().out
    account_id = re.search(r"(acc_[0-9a-f]{16}) enabled: Lee Fox <lee.fox@kent.gov.uk> staff", made)
    assert account_id, made
    assert main([*data, "accounts", "roles", account_id.group(1), "--role", "analyst", "--role", "staff"]) == 0
    assert "staff, analyst" in capsys.readouterr().out
    assert main([*data, "accounts", "link", account_id.group(1)]) == 0
    assert "/account/setup/" in capsys.readouterr().out
    assert main([*data, "accounts", "disable", account_id.group(1)]) == 0
    assert main([*data, "accounts", "list"]) == 0
    listed = capsys.readouterr().out
    assert "disabled" in listed and "staff,analyst" in listed and "Lee Fox" in listed
    assert main([*data, "accounts", "create", "bad", "--name", "X", "--role", "staff"]) != 0
    assert "e-mail address" in capsys.readouterr().err


@pytest.mark.uvicorn
@pytest.mark.slow  # the real command in a subprocess
def test_a_running_service_is_asked_with_the_persons_own_token(server: Service, cli: Cli) -> None:
    with server.client(server.settings.admin_token) as admin:
        made = admin.post("/api/v1/accounts/", json={"name": "Ada", "email": "ada@kent.gov.uk", "roles": ["admin"]})
        link = admin.post(f"/api/v1/accounts/{made.json()['account_id']}/link").json()["url"]
    with server.client() as browser:  # Ada: password, authenticator, then her own token
        browser.post(re.sub(r"^https?://[^/]+", "", link),
                     data={"password": "kestrel lantern", "confirm": "kestrel lantern"})
        browser.post("/sign-in/password", data={"email": "ada@kent.gov.uk", "password": "kestrel lantern"})
        secret = re.search(r'<code class="code">([A-Z2-7]+)</code>', browser.get("/sign-in/enrol").text)
        assert secret
        browser.post("/sign-in/enrol", data={"code": pyotp.TOTP(secret.group(1)).at(server.clock())})
        page = browser.get("/account")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        token = browser.post("/api/v1/account/tokens/", json={"name": "cli"},
                             headers={"X-CSRF-Token": csrf.group(1)}).json()["token"]
    listed = cli(server.settings.data_dir, "accounts", "list", url=server.url, SURVEYAPP_API_TOKEN=token,
                 SURVEYAPP_ADMIN_TOKEN="", PYTHONPATH=str(ROOT))  # her token, not the admin role's
    assert listed.returncode == 0 and "ada@kent.gov.uk" in listed.stdout, listed.stderr
    refused = cli(server.settings.data_dir, "accounts", "list", url=server.url, SURVEYAPP_API_TOKEN="sva_revoked",
                  SURVEYAPP_ADMIN_TOKEN="", PYTHONPATH=str(ROOT))
    assert refused.returncode != 0 and "token is not valid" in refused.stderr

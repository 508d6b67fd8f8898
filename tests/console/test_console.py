"""The admin console over HTTP, in process, on a real DuckDB file: an admin signs in and runs the survey from its
pages (waves made, moved, opened and closed; sources registered, renamed, retired), each change the same as the
API's; every form refuses a missing CSRF token and names the field of a mistake; posters and QR codes are refused
while the public address is not set or is a loopback address, in the console, the API and the CLI alike."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from surveyapp.cli.main import main
from tests.conftest import StartService
from tests.support import ADMIN_TOKEN, STAFF_TOKEN, FakeClock, Service

BROWSER = {"Accept": "text/html"}
PUBLIC = "https://survey.example.org"
WAVE = "2026-autumn"


@contextmanager
def signed_in(service: Service, token: str) -> Iterator[httpx.Client]:
    """A browser signed in with the role's token (its cookie jar holds the session)."""
    with service.client() as client:
        assert client.post("/sign-in", data={"token": token}).status_code == 303
        yield client


def csrf(client: httpx.Client, path: str = "/console") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path, headers=BROWSER).text)
    assert found
    return found.group(1)


def summary(page: str) -> list[tuple[str, str]]:
    """The error summary's links: (target, message)."""
    box = page.partition('class="error-summary"')[2].partition("</ul>")[0]
    return [(t, re.sub("&#39;", "'", m)) for t, m in re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', box)]


@pytest.fixture
def service(start_service: StartService) -> Service:
    return start_service(staff_token=STAFF_TOKEN, public_url=PUBLIC)


@pytest.fixture
def admin(service: Service) -> Iterator[httpx.Client]:
    with signed_in(service, ADMIN_TOKEN) as client:
        yield client


def test_only_an_admin_opens_the_console_and_a_browser_without_a_session_is_sent_to_sign_in(
        service: Service, admin: httpx.Client) -> None:
    with service.client() as nobody, signed_in(service, STAFF_TOKEN) as staff:
        assert nobody.get("/console", headers=BROWSER).headers["location"] == "/sign-in?next=/console"
        assert nobody.get("/console/waves").status_code == 401
        refused = staff.get("/console/waves", headers=BROWSER)
        assert refused.status_code == 403 and "This page is for the admin role" in refused.text
        assert staff.get(f"/console/paper/{WAVE}", headers=BROWSER).status_code == 200  # staff type in paper
    home = admin.get("/console", headers=BROWSER)
    assert home.status_code == 200 and "<script" not in home.text
    nav = home.text.partition('aria-label="Admin console"')[2].partition("</nav>")[0]
    assert [n for _, n in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)] == [
        "Home", "Waves", "Sources", "Paper entry", "Accounts", "Releases", "You said, we did", "Audit log"]
    assert "not yet available" not in nav


def test_an_admin_creates_a_wave_moves_its_dates_opens_and_closes_it_after_confirming(
        service: Service, admin: httpx.Client, clock: FakeClock) -> None:
    token = csrf(admin)
    made = admin.post("/console/waves/new", headers=BROWSER, data={
        "csrf_token": token, "questionnaire": "send-repeat:1", "title": "Spring 2027", "wave_id": "2027-spring",
        "opens_on": "2027-04-01", "closes_on": "2027-06-30"})
    assert made.status_code == 303 and made.headers["location"] == "/console/waves/2027-spring?done=created"
    api = service.client(ADMIN_TOKEN)
    listed = {w["wave_id"]: w for w in api.get("/api/v1/waves").json()}
    assert listed["2027-spring"]["status"] == "scheduled" and listed["2027-spring"]["title"] == "Spring 2027"
    moved = admin.post("/console/waves/2027-spring/dates", headers=BROWSER,
                       data={"csrf_token": token, "opens_on": "2026-11-01", "closes_on": "2027-01-31"})
    assert moved.status_code == 303
    assert service.services.waves.get("2027-spring").opens_on == dt.date(2026, 11, 1)
    page = admin.get("/console/waves/2027-spring?done=dates", headers=BROWSER).text
    assert "The dates were changed" in page and "Opens 1 November 2026, closes 31 January 2027" in page
    asked = admin.get("/console/waves/2027-spring/close", headers=BROWSER)
    assert asked.status_code == 200 and "Close Spring 2027 now?" in asked.text
    assert service.services.waves.get("2027-spring").state is None  # asking changed nothing
    assert admin.post("/console/waves/2027-spring/close", data={"csrf_token": token}).status_code == 303
    assert api.get("/api/v1/waves").json()[-1]["status"] == "closed"
    assert "Yes, open it now" in admin.get("/console/waves/2027-spring/open", headers=BROWSER).text
    assert admin.post("/console/waves/2027-spring/open", data={"csrf_token": token}).status_code == 303
    assert service.services.waves.get("2027-spring").state == "open"


def test_moved_dates_outlast_a_restart_even_for_a_wave_defined_on_disk(
        start_service: StartService, data_dir, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    first = start_service(data_dir=data_dir)
    with first.client(ADMIN_TOKEN) as api:  # the same action through the API
        moved = api.patch(f"/api/v1/admin/waves/{WAVE}", json={"opens_on": "2026-09-01", "closes_on": "2027-02-28"})
        assert moved.status_code == 200 and moved.json()["closes_on"] == "2027-02-28"
        backwards = api.patch(f"/api/v1/admin/waves/{WAVE}", json={"opens_on": "2027-09-01", "closes_on": "2027-02-28"})
        assert backwards.status_code == 400 and "must be on or after" in backwards.text
    first.stop()
    again = start_service(data_dir=data_dir)
    assert again.services.waves.get(WAVE).closes_on == dt.date(2027, 2, 28)


def test_every_mistake_in_creating_a_wave_is_named_and_linked_to_its_field_and_nothing_is_made(
        service: Service, admin: httpx.Client) -> None:
    page = admin.post("/console/waves/new", headers=BROWSER, data={
        "csrf_token": csrf(admin), "wave_id": "Spring 2027!", "title": "", "opens_on": "2027-06-30",
        "closes_on": "2027-04-01"})
    assert page.status_code == 400 and "<title>Error: Create a wave" in page.text
    assert summary(page.text) == [
        ("#wave_id", "Enter the wave's id in small letters, digits and hyphens, like 2027-spring"),
        ("#questionnaire", "Choose the questionnaire the wave asks"),
        ("#title", "Enter the wave's title, like Spring 2027"),
        ("#closes_on", "The closing date must be on or after the opening date")]
    assert 'value="Spring 2027!"' in page.text  # what was typed is kept
    taken = admin.post("/console/waves/new", headers=BROWSER, data={
        "csrf_token": csrf(admin), "wave_id": WAVE, "questionnaire": "send-repeat:1", "title": "Again",
        "opens_on": "2027-04-01", "closes_on": "2027-06-30"})
    assert summary(taken.text) == [("#wave_id", f"There is already a wave {WAVE}: choose another id")]
    assert [w.wave_id for w in service.services.waves.all()] == ["baseline-2019", WAVE]


def test_a_console_form_without_its_csrf_token_changes_nothing(service: Service, admin: httpx.Client) -> None:
    for path, data in ((f"/console/waves/{WAVE}/close", {}), (f"/console/waves/{WAVE}/sources", {"name": "Oak"}),
                       ("/console/waves/new", {"wave_id": "x", "title": "X", "questionnaire": "send-repeat:1",
                                               "opens_on": "2027-01-01", "closes_on": "2027-02-01"})):
        refused = admin.post(path, data=data, headers=BROWSER)
        assert refused.status_code == 403 and "This form has expired" in refused.text
    assert service.services.waves.get(WAVE).state is None and service.services.sources.of_wave(WAVE) == []
    assert len(service.services.waves.all()) == 2


def test_double_entry_is_set_per_wave_and_kept_in_the_store(service: Service, admin: httpx.Client) -> None:
    page = admin.get(f"/console/waves/{WAVE}", headers=BROWSER).text
    assert re.search(r'value="off" checked', page)
    token = csrf(admin)
    assert admin.post(f"/console/waves/{WAVE}/double-entry", data={"csrf_token": token, "double_entry": "on"},
                      headers=BROWSER).status_code == 303
    assert service.count("SELECT count(*) FROM paper_settings WHERE wave_id = ? AND double_entry", [WAVE]) == 1
    assert re.search(r'value="on" checked', admin.get(f"/console/waves/{WAVE}", headers=BROWSER).text)
    wrong = admin.post(f"/console/waves/{WAVE}/double-entry", data={"csrf_token": token}, headers=BROWSER)
    assert wrong.status_code == 400 and summary(wrong.text) == [
        ("#double_entry", "Choose whether paper forms are typed in twice")]


def test_an_admin_registers_renames_and_retires_a_source_and_downloads_its_poster_and_qr_code(
        service: Service, admin: httpx.Client) -> None:
    token = csrf(admin)
    assert admin.post(f"/console/waves/{WAVE}/sources", data={"csrf_token": token, "name": "Oak Tree SENCO"},
                      headers=BROWSER).status_code == 303
    source = service.services.sources.of_wave(WAVE)[0]
    page = admin.get(f"/console/waves/{WAVE}/sources?done=created", headers=BROWSER).text
    assert "The source was registered" in page and f"{PUBLIC}/s/{source.source_id}" in page
    base = f"/api/v1/waves/{WAVE}/sources/{source.source_id}"
    for link, kind in ((f"{base}/poster", "text/html"), (f"{base}/qr.svg", "image/svg+xml"),
                       (f"{base}/qr.png", "image/png")):
        assert f'href="{link}"' in page
        got = admin.get(link, headers=BROWSER)
        assert got.status_code == 200 and got.headers["content-type"].startswith(kind)
    assert f'href="{base}/poster.pdf"' in page
    same = admin.post(f"/console/waves/{WAVE}/sources", data={"csrf_token": token, "name": "oak tree senco"},
                      headers=BROWSER)
    assert same.status_code == 409 and summary(same.text)[0][0] == "#name" and "already has a source" in same.text
    rename = f"/console/waves/{WAVE}/sources/{source.source_id}/rename"
    assert 'value="Oak Tree SENCO"' in admin.get(rename, headers=BROWSER).text
    empty = admin.post(rename, data={"csrf_token": token, "name": " "}, headers=BROWSER)
    assert empty.status_code == 400 and summary(empty.text)[0] == ("#name", "Give the partner's name, e.g. Oakfield "
                                                                             "School SENCO (1 to 80 characters)")
    assert admin.post(rename, data={"csrf_token": token, "name": "Oak Tree School"}).status_code == 303
    assert service.services.sources.get(source.source_id).name == "Oak Tree School"
    retire = f"/console/waves/{WAVE}/sources/{source.source_id}/retire"
    assert "Retire Oak Tree School?" in admin.get(retire, headers=BROWSER).text
    assert not service.services.sources.get(source.source_id).retired
    assert admin.post(retire, data={"csrf_token": token}).status_code == 303
    assert service.services.sources.get(source.source_id).retired
    assert admin.get(retire, headers=BROWSER).status_code == 404  # retired once
    assert admin.get(f"/console/waves/{WAVE}/sources/ABCDEFGH/rename", headers=BROWSER).status_code == 404
    assert admin.get("/console/waves/no-such-wave", headers=BROWSER).status_code == 404


@pytest.mark.parametrize("public_url", [None, "http://127.0.0.1:8000", "https://localhost"])
def test_posters_and_qr_codes_are_refused_without_a_public_address_in_the_console_and_the_api(
        start_service: StartService, public_url: str | None) -> None:
    service = start_service(public_url=public_url)
    with service.client(ADMIN_TOKEN) as api, signed_in(service, ADMIN_TOKEN) as browser:
        made = api.post(f"/api/v1/waves/{WAVE}/sources", json={"name": "Oak Tree SENCO"})
        assert made.status_code == 201  # registering is fine: only the printed link would be dead
        base = f"/api/v1/waves/{WAVE}/sources/{made.json()['source_id']}"
        for kind in ("poster", "poster.pdf", "qr.svg", "qr.png"):
            refused = api.get(f"{base}/{kind}")
            assert refused.status_code == 409, kind
            assert refused.json()["errors"][0]["field"] == "SURVEYAPP_PUBLIC_URL"
            assert "Set it to the address families open" in refused.json()["errors"][0]["message"]
        page = browser.get(f"/console/waves/{WAVE}/sources", headers=BROWSER).text
        assert "Posters and QR codes cannot be made yet" in page and "SURVEYAPP_PUBLIC_URL" in page
        assert f'href="{base}/poster"' not in page and "qr.png" not in page


def test_the_cli_refuses_a_poster_without_a_public_address_naming_the_setting(
        start_service: StartService, data_dir, tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    service = start_service(data_dir=data_dir)
    with service.client(ADMIN_TOKEN) as api:
        source_id = api.post(f"/api/v1/waves/{WAVE}/sources", json={"name": "Oak Tree SENCO"}).json()["source_id"]
    service.stop()
    monkeypatch.delenv("SURVEYAPP_PUBLIC_URL", raising=False)
    out = tmp_path / "poster.pdf"
    code = main(["--data-dir", str(data_dir), "sources", "poster", "--wave", WAVE, source_id, "--out", str(out)])
    assert code != 0 and not out.exists()
    assert "SURVEYAPP_PUBLIC_URL is not set" in capsys.readouterr().err

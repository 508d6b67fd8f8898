"""The console's releases, "You said, we did" and audit log pages over HTTP, in process, on a real DuckDB file:
an admin makes a draft release, reads its check, publishes it after confirming (refused, naming the rules, when
the check failed) and withdraws it with a notice; adds and edits an entry and reads its history; filters the audit
log, downloads the same rows as CSV and sees whether the chain holds. Every form names the field of a mistake and
refuses a missing CSRF token; none of the pages is for any role but admin."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import httpx
import msgspec
import pytest

from surveyapp.actions.releases import published_bytes, release_out
from surveyapp.domain.release import ReleaseDocument
from surveyapp.store.releases import add_release, read_release
from tests.conftest import StartService
from tests.console.test_console import BROWSER, STAFF_TOKEN, csrf, signed_in, summary
from tests.support import ADMIN_TOKEN, Service

WAVE = "2026-autumn"


@pytest.fixture
def service(start_service: StartService) -> Service:
    return start_service(staff_token=STAFF_TOKEN)


@pytest.fixture
def admin(service: Service) -> Iterator[httpx.Client]:
    with signed_in(service, ADMIN_TOKEN) as client:
        yield client


def test_the_three_pages_are_in_the_navigation_and_for_admins_only(service: Service, admin: httpx.Client) -> None:
    nav = admin.get("/console", headers=BROWSER).text.partition('aria-label="Admin console"')[2]
    links = dict((n, h) for h, n in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.partition("</nav>")[0]))
    assert links["Releases"] == "/console/releases" and links["Audit log"] == "/console/audit"
    assert links["You said, we did"] == "/console/said-did" and "not yet available" not in nav
    with signed_in(service, STAFF_TOKEN) as staff, service.client() as nobody:
        for path in ("/console/releases", "/console/said-did", "/console/audit"):
            assert staff.get(path, headers=BROWSER).status_code == 403
            assert nobody.get(path).status_code == 401
            page = admin.get(path, headers=BROWSER)
            assert page.status_code == 200 and 'aria-current="page"' in page.text


def _make_draft(admin: httpx.Client, cutoff: str = "2026-11-22T10:00") -> httpx.Response:
    return admin.post("/console/releases", headers=BROWSER, data={
        "csrf_token": csrf(admin), "wave": WAVE, "stage": "interim", "cutoff": cutoff})


def test_an_admin_makes_a_draft_reads_its_check_publishes_and_withdraws_it_after_confirming(
        service: Service, admin: httpx.Client) -> None:
    made = _make_draft(admin)
    assert made.status_code == 303, made.text
    page_url = made.headers["location"]
    release_id = page_url.removeprefix("/console/releases/").partition("?")[0]
    page = admin.get(page_url, headers=BROWSER).text
    draft = release_out(service.services, release_id)
    assert draft is not None and draft.status == "draft" and "The draft was made and checked" in page
    for rule in draft.document.check.rules:  # each rule of the check, and whether it passed, as stored
        assert f"{rule.rule}: {'passed' if rule.passed else 'failed'}" in page
    assert f"/api/v1/releases/{release_id}/board-pack.pdf" in page
    listed = admin.get("/console/releases", headers=BROWSER).text
    assert f'href="/console/releases/{release_id}"' in listed and "not published" in listed

    confirm = admin.get(f"/console/releases/{release_id}/publish", headers=BROWSER)
    assert "Yes, publish it" in confirm.text and published_bytes(service.services, release_id) is None
    done = admin.post(f"/console/releases/{release_id}/publish", headers=BROWSER, data={"csrf_token": csrf(admin)})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=published")
    published = release_out(service.services, release_id)
    assert published is not None and published.status == "published" and published.content_sha256
    page = admin.get(f"/console/releases/{release_id}", headers=BROWSER).text
    assert published.content_sha256 in page and f'href="/findings/{release_id}"' in page
    assert published.content_sha256 in admin.get("/console/releases", headers=BROWSER).text

    path = f"/console/releases/{release_id}/withdraw"
    assert "Notice for the public" in admin.get(path, headers=BROWSER).text
    short = admin.post(path, headers=BROWSER, data={"csrf_token": csrf(admin), "notice": "oops"})
    assert short.status_code == 400 and summary(short.text) == [
        ("#notice", "Enter the notice for the public, 10 to 2000 characters")]
    assert release_out(service.services, release_id).status == "published"  # type: ignore[union-attr]
    notice = "A count for Medway was wrong; a corrected release follows."
    gone = admin.post(path, headers=BROWSER, data={"csrf_token": csrf(admin), "notice": notice})
    assert gone.status_code == 303
    withdrawn = release_out(service.services, release_id)
    assert withdrawn is not None and withdrawn.status == "withdrawn" and withdrawn.withdrawal_notice == notice
    again = admin.get(path, headers=BROWSER)
    assert again.status_code == 409 and "only a published release can be withdrawn" in again.text


def test_publishing_a_draft_whose_check_failed_is_refused_naming_the_rule(service: Service,
                                                                         admin: httpx.Client) -> None:
    release_id = _make_draft(admin).headers["location"].removeprefix("/console/releases/").partition("?")[0]
    row = read_release(service.services.store, release_id)
    assert row is not None
    document = msgspec.json.decode(row["draft_json"], type=ReleaseDocument)
    document.check.rules[0].passed = document.check.passed = False
    failing = {**row, "release_id": f"{WAVE}-interim-9-v1", "draft_json": msgspec.json.encode(document).decode()}
    add_release(service.services.store, {k: v for k, v in failing.items() if k not in ("content", "content_sha256")})
    rule = document.check.rules[0].rule
    page = admin.get(f"/console/releases/{WAVE}-interim-9-v1", headers=BROWSER).text
    assert f"It cannot be published: {rule} failed." in page
    refused = admin.post(f"/console/releases/{WAVE}-interim-9-v1/publish", headers=BROWSER,
                         data={"csrf_token": csrf(admin)})
    assert refused.status_code == 409
    [(target, message)] = summary(refused.text)
    assert target == "#check" and f"failed the check ({rule})" in message
    assert release_out(service.services, f"{WAVE}-interim-9-v1").status == "draft"  # type: ignore[union-attr]


@pytest.mark.parametrize(("cutoff", "message"), [
    ("next tuesday", "Enter the cut-off as a date and a whole hour, like 2026-11-02T09:00"),
    ("2026-11-22T10:30", "Use a whole hour (responses are stored by the hour), e.g. 2026-11-02T09:00Z"),
    ("", "An interim release needs a cutoff: a whole hour, e.g. 2026-11-02T09:00:00Z")])
def test_a_draft_with_a_wrong_cutoff_is_refused_naming_the_field(admin: httpx.Client, cutoff: str,
                                                                 message: str) -> None:
    refused = _make_draft(admin, cutoff)
    assert refused.status_code == 400 and summary(refused.text) == [("#cutoff", message)]
    assert "No release has been made yet." in refused.text


def test_a_final_release_of_an_open_wave_and_a_post_without_csrf_are_refused(admin: httpx.Client) -> None:
    final = admin.post("/console/releases", headers=BROWSER, data={"csrf_token": csrf(admin), "wave": WAVE,
                                                                     "stage": "final"})
    assert final.status_code == 400 and "close it first" in summary(final.text)[0][1]
    forged = admin.post("/console/releases", headers=BROWSER, data={"wave": WAVE, "stage": "interim",
                                                                      "cutoff": "2026-11-22T10:00"})
    assert forged.status_code == 403
    assert "No release has been made yet." in admin.get("/console/releases", headers=BROWSER).text

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
from pathlib import Path

import duckdb
import httpx
import msgspec
import pytest

from surveyapp.actions.releases import published_bytes, release_out
from surveyapp.console import audit as console_audit
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


def test_an_admin_adds_an_entry_against_a_statement_edits_it_and_reads_its_history(
        service: Service, admin: httpx.Client) -> None:
    from surveyapp.actions import said_did

    statement_id, wording = next(iter(said_did.statements_of(service.services, "send-repeat").items()))
    form = admin.get("/console/said-did/new", headers=BROWSER).text
    assert f'value="send-repeat|{statement_id}"' in form and 'value="send-repeat|"' in form
    added = admin.post("/console/said-did/new", headers=BROWSER, data={
        "csrf_token": csrf(admin), "statement": f"send-repeat|{statement_id}", "kind": "under_way",
        "text": "Annual reviews are now booked six weeks ahead.", "since": "2026-10-01",
        "expected_by": "2027-03-31", "status": "published"})
    assert added.status_code == 303 and added.headers["location"] == "/console/said-did?done=added"
    [entry] = said_did.listing(service.services, drafts=True)
    assert (entry.statement, entry.kind, entry.status, str(entry.expected_by)) == (
        wording, "under_way", "published", "2027-03-31")
    listed = admin.get(added.headers["location"], headers=BROWSER).text
    assert "Annual reviews are now booked six weeks ahead." in listed and "The entry was added" in listed

    edit = f"/console/said-did/{entry.entry_id}/edit"
    assert "Annual reviews are now booked six weeks ahead." in admin.get(edit, headers=BROWSER).text
    values = {"csrf_token": csrf(admin), "kind": "changed", "text": "Annual reviews are booked six weeks ahead.",
              "since": "2026-11-20", "status": "published"}
    no_note = admin.post(edit, headers=BROWSER, data=values)
    assert no_note.status_code == 400 and summary(no_note.text)[0][0] == "#note"
    done = admin.post(edit, headers=BROWSER, data={**values, "note": "The work is done."})
    assert done.status_code == 303
    versions = said_did.history(service.services, entry.entry_id, drafts=True)
    assert [(v.version, v.kind, v.expected_by) for v in versions] == [(1, "under_way", entry.expected_by),
                                                                      (2, "changed", None)]
    history = admin.get(f"/console/said-did/{entry.entry_id}", headers=BROWSER).text
    assert history.index("Version 2") < history.index("Version 1") and "The work is done." in history
    assert admin.get("/console/said-did/NOSUCHENTRY", headers=BROWSER).status_code == 404


@pytest.mark.parametrize(("fields", "target"), [
    ({"kind": "changed", "text": "Done.", "since": "2026-11-01"}, "#statement"),
    ({"statement": "send-repeat|", "text": "Done.", "since": "2026-11-01"}, "#kind"),
    ({"statement": "send-repeat|", "kind": "changed", "text": " ", "since": "2026-11-01"}, "#text"),
    ({"statement": "send-repeat|", "kind": "cannot_change", "text": "No.", "since": "2026-11-01"}, "#why"),
    ({"statement": "send-repeat|", "kind": "changed", "text": "Done.", "since": "1 November"}, "#since"),
    ({"statement": "send-repeat|", "kind": "changed", "text": "Done.", "since": "2027-01-01"}, "#since"),
    ({"statement": "send-repeat|", "kind": "changed", "text": "Done.", "since": "2026-11-01",
      "expected_by": "2027-01-01"}, "#expected_by")])
def test_a_mistake_in_an_entry_is_named_on_its_field_and_nothing_is_stored(
        service: Service, admin: httpx.Client, fields: dict[str, str], target: str) -> None:
    from surveyapp.actions import said_did

    refused = admin.post("/console/said-did/new", headers=BROWSER,
                         data={"csrf_token": csrf(admin), "status": "draft", **fields})
    assert refused.status_code == 400 and [t for t, _ in summary(refused.text)] == [target]
    assert f'id="{target[1:]}-error"' in refused.text
    assert said_did.listing(service.services, drafts=True) == []
    forged = admin.post("/console/said-did/new", headers=BROWSER, data={"statement": "send-repeat|",
                                                                         "kind": "changed", "text": "Done.",
                                                                         "since": "2026-11-01"})
    assert forged.status_code == 403 and said_did.listing(service.services, drafts=True) == []


def test_the_audit_log_is_filtered_newest_first_and_downloaded_as_the_same_csv(
        admin: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    for day in ("2026-11-23", "2026-11-24"):
        assert admin.post(f"/console/waves/{WAVE}/dates", headers=BROWSER, data={
            "csrf_token": csrf(admin), "opens_on": "2026-10-01", "closes_on": day}).status_code == 303
    page = admin.get("/console/audit?action=wave+dates+changed", headers=BROWSER).text
    cells = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>",
                       page)
    assert [c[2:] for c in cells] == [("wave dates changed", f"wave:{WAVE}", "ok (303)")] * 2
    assert "The log is intact" in page
    link = re.search(r'<a href="([^"]+)">Download these rows as a CSV file', page)
    assert link is not None and link.group(1) == "/api/v1/audit.csv?action=wave+dates+changed"
    rows = list(csv.DictReader(io.StringIO(admin.get(link.group(1).replace("&amp;", "&")).text)))
    assert len(rows) == 2 and int(rows[0]["seq"]) > int(rows[1]["seq"])  # the same rows, newest first
    assert {r["action"] for r in rows} == {"wave dates changed"}
    monkeypatch.setattr(console_audit, "SHOWN", 1)
    cut = admin.get("/console/audit?action=wave+dates+changed", headers=BROWSER).text
    assert cut.count("<td>wave dates changed</td>") == 1 and "Only the newest 1 rows are shown" in cut
    none = admin.get("/console/audit?actor=analyst", headers=BROWSER).text
    assert "No row matches this filter." in none
    wrong = admin.get("/console/audit?since=yesterday&until=2026-11-01", headers=BROWSER)
    assert wrong.status_code == 400 and [t for t, _ in summary(wrong.text)] == ["#since"]
    backwards = admin.get("/console/audit?since=2026-11-02&until=2026-11-01", headers=BROWSER)
    assert summary(backwards.text) == [("#until", "To must be the same as or after From")]



@pytest.mark.slow  # the service is stopped and started again around the change
def test_the_audit_page_names_the_first_row_changed_behind_the_services_back(
        start_service: StartService, data_dir: Path) -> None:
    service = start_service(staff_token=STAFF_TOKEN)
    with signed_in(service, ADMIN_TOKEN) as admin:
        assert admin.post(f"/console/waves/{WAVE}/dates", headers=BROWSER, data={
            "csrf_token": csrf(admin), "opens_on": "2026-10-01", "closes_on": "2026-11-30"}).status_code == 303
        assert "The log is intact" in admin.get("/console/audit", headers=BROWSER).text
    seq = next(r.seq for r in console_audit.actions.audit_rows(service.services, action="wave dates changed"))
    service.stop()
    conn = duckdb.connect(str(data_dir / "surveyapp.duckdb"))
    try:
        conn.execute(f"UPDATE audit_log SET actor_name = 'Someone else' WHERE seq = {int(seq)}")
    finally:
        conn.close()
    again = start_service(staff_token=STAFF_TOKEN)
    with signed_in(again, ADMIN_TOKEN) as admin:
        page = admin.get("/console/audit", headers=BROWSER).text
        assert "The log is intact" not in page and f"row {seq} is the first that does not match" in page


def test_unknown_releases_and_entries_are_404_and_out_of_turn_changes_are_refused(
        service: Service, admin: httpx.Client) -> None:
    token = csrf(admin)
    assert admin.get("/console/releases/nope", headers=BROWSER).status_code == 404
    for path in ("/console/releases/nope/publish", "/console/releases/nope/withdraw", "/console/said-did/NOPE/edit"):
        assert admin.get(path, headers=BROWSER).status_code == 404
        assert admin.post(path, headers=BROWSER, data={"csrf_token": token, "notice": "x" * 20}).status_code == 404
    for fields, target in (({"wave": "no-such-wave", "stage": "final"}, "#wave"),
                           ({"wave": WAVE, "stage": "weekly"}, "#stage")):
        refused = admin.post("/console/releases", headers=BROWSER, data={"csrf_token": token, **fields})
        assert refused.status_code == 400 and [t for t, _ in summary(refused.text)] == [target]
    release_id = _make_draft(admin).headers["location"].removeprefix("/console/releases/").partition("?")[0]
    early = admin.post(f"/console/releases/{release_id}/withdraw", headers=BROWSER,
                       data={"csrf_token": token, "notice": "Withdrawn before it was published."})
    assert early.status_code == 409 and "only a published release can be withdrawn" in early.text
    admin.post(f"/console/releases/{release_id}/publish", headers=BROWSER, data={"csrf_token": token})
    twice = admin.get(f"/console/releases/{release_id}/publish", headers=BROWSER)
    assert twice.status_code == 409 and "a release is published once" in twice.text
    for fields, target in (({"status": "shouted"}, "#status"), ({"status": "draft", "since": ""}, "#since")):
        entry = {"statement": "send-repeat|", "kind": "changed", "text": "Done.", "since": "2026-11-01", **fields}
        refused = admin.post("/console/said-did/new", headers=BROWSER, data={"csrf_token": token, **entry})
        assert refused.status_code == 400 and [t for t, _ in summary(refused.text)] == [target]
    timed = admin.get("/console/audit?since=2026-11-22T09:00&until=2026-11-22T23:00%2B01:00", headers=BROWSER)
    assert timed.status_code == 200 and "<td>release published</td>" in timed.text

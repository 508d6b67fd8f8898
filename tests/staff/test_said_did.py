""""You said, we did" through the real app and a real DuckDB file: an admin records what the council has changed,
has under way and cannot change (and why); families read the published entries and their history, never a
draft; an edit never erases what was said before; every refusal names the field to fix."""

from __future__ import annotations

import datetime as dt
import os

import httpx
import pytest

from surveyapp.actions.said_did import entries
from tests.support import ANALYST_TOKEN

ACTIONS = "/api/v1/actions"
Q = "send-repeat"


def record(admin: httpx.Client, **fields: object) -> dict[str, object]:
    body = {"questionnaire_id": Q, "statement_id": "health_met", "kind": "changed",
            "text": "We added two more speech and language therapists in Thanet.", "since": "2026-09-01", **fields}
    made = admin.post(ACTIONS, json=body)
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def test_a_draft_is_for_admins_until_published_and_then_everyone_reads_it(server, admin, http) -> None:  # type: ignore[no-untyped-def]
    entry = record(admin)
    assert entry["status"] == "draft" and entry["version"] == 1
    assert entry["statement"].startswith("I am confident that my or my child's SEND support")
    assert http.get(ACTIONS).json() == []  # a family sees no draft
    assert http.get(f"{ACTIONS}/{entry['entry_id']}/history").status_code == 404
    assert [e["entry_id"] for e in admin.get(ACTIONS).json()] == [entry["entry_id"]]

    published = admin.patch(f"{ACTIONS}/{entry['entry_id']}", json={"status": "published", "note": "agreed"})
    assert published.status_code == 200, published.text
    shown = http.get(ACTIONS, params={"questionnaire": Q}).json()
    assert [(e["entry_id"], e["version"], e["status"]) for e in shown] == [(entry["entry_id"], 2, "published")]
    assert [e.text for e in entries(server.services, Q)] == [entry["text"]]


def test_an_edit_keeps_what_was_said_before(admin, http) -> None:  # type: ignore[no-untyped-def]
    entry = record(admin, status="published")
    one = f"{ACTIONS}/{entry['entry_id']}"
    edited = admin.patch(one, json={"text": "We added three therapists in Thanet.", "note": "a third joined"})
    assert edited.status_code == 200, edited.text
    admin.patch(one, json={"kind": "cannot_change", "why": "The NHS trust sets therapy staffing, not the council.",
                           "text": "We cannot add therapists ourselves.", "note": "we were wrong: it is the NHS's"})
    history = http.get(f"{one}/history").json()
    assert [(v["version"], v["kind"], v["text"]) for v in history] == [
        (1, "changed", "We added two more speech and language therapists in Thanet."),
        (2, "changed", "We added three therapists in Thanet."),
        (3, "cannot_change", "We cannot add therapists ourselves.")]
    assert history[2]["why"].startswith("The NHS trust") and history[2]["note"] == "we were wrong: it is the NHS's"
    assert len({v["created_at"] for v in history}) == 1


def test_a_withdrawn_entry_leaves_the_list_but_its_history_stays(admin, http) -> None:  # type: ignore[no-untyped-def]
    entry = record(admin, status="published", statement_id=None, kind="under_way", expected_by="2027-03-31",
                   text="We are rewriting the Local Offer pages with parents.")
    assert entry["statement"] is None  # the survey as a whole
    one = f"{ACTIONS}/{entry['entry_id']}"
    assert admin.patch(one, json={"status": "withdrawn", "note": "replaced"}).status_code == 200
    assert http.get(ACTIONS).json() == []
    assert [v["status"] for v in http.get(f"{one}/history").json()] == ["published", "withdrawn"]
    back = admin.patch(one, json={"status": "draft", "note": "try again"})
    assert back.status_code == 409 and back.json()["errors"][0]["field"] == "status"


def test_an_edit_of_a_published_entry_is_shown_at_once(admin, http) -> None:  # type: ignore[no-untyped-def]
    entry = record(admin)
    one = f"{ACTIONS}/{entry['entry_id']}"
    admin.patch(one, json={"status": "published", "note": "agreed"})
    assert admin.patch(one, json={"text": "Corrected.", "note": "typo"}).json()["status"] == "published"
    assert http.get(ACTIONS).json()[0]["text"] == "Corrected."


@pytest.mark.shared
@pytest.mark.parametrize(("body", "field"), [
    ({"questionnaire_id": "nope"}, "questionnaire_id"),
    ({"statement_id": "nope"}, "statement_id"),
    ({"kind": "cannot_change"}, "why"),
    ({"why": "because"}, "why"),
    ({"expected_by": "2027-01-01"}, "expected_by"),
    ({"kind": "under_way", "expected_by": "2026-01-01"}, "expected_by"),
    ({"since": "2030-01-01"}, "since"),
    ({"text": "   "}, "text"),
    ({"text": "a\tb"}, "text"),
    ({"text": "x" * 2001}, "text"),
    ({"kind": "done"}, "kind"),
    ({"since": "soon"}, "since"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_entry_is_refused_naming_its_field(admin, body, field) -> None:  # type: ignore[no-untyped-def]
    full = {"questionnaire_id": Q, "statement_id": "health_met", "kind": "changed", "text": "We did it.",
            "since": "2026-09-01", **body}
    refused = admin.post(ACTIONS, json=full)
    assert refused.status_code == 400, refused.text
    assert field in [e["field"] for e in refused.json()["errors"]]
    assert admin.get(ACTIONS).json() == []  # nothing was stored


def test_only_admins_write_and_reading_needs_no_token(server, admin, http) -> None:  # type: ignore[no-untyped-def]
    body = {"questionnaire_id": Q, "kind": "changed", "text": "x", "since": "2026-09-01"}
    assert http.post(ACTIONS, json=body).status_code == 401
    with server.client(ANALYST_TOKEN) as analyst:
        assert analyst.post(ACTIONS, json=body).status_code == 403
        entry = record(admin)
        assert analyst.get(ACTIONS).json() == []  # drafts are the admins' alone
    assert http.patch(f"{ACTIONS}/{entry['entry_id']}", json={"note": "x", "text": "y"}).status_code == 401
    missing = admin.patch(f"{ACTIONS}/NOSUCHID", json={"note": "x"})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "entry_id"
    assert http.get(ACTIONS, params={"questionnaire": "nope"}).json()["errors"][0]["field"] == "questionnaire_id"


def test_entries_come_statement_by_statement_survey_first(server, admin) -> None:  # type: ignore[no-untyped-def]
    later = record(admin, status="published", statement_id="health_met")
    first = record(admin, status="published", statement_id="local_offer_useful", kind="under_way")
    whole = record(admin, status="published", statement_id=None)
    shown = [e.entry_id for e in entries(server.services, Q)]
    statements = list(server.services.waves.get("2026-autumn").questionnaire.likert().statements)
    ids = [s.id for s in statements]
    assert ids.index("local_offer_useful") < ids.index("health_met")  # the form's order
    assert shown == [whole["entry_id"], first["entry_id"], later["entry_id"]]
    assert all(isinstance(e.updated_at, dt.datetime) and e.updated_at.tzinfo for e in entries(server.services, Q))


@pytest.mark.slow
def test_the_cli_adds_edits_lists_and_shows_history(data_dir, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from surveyapp.cli.main import main
    from tests.support import ADMIN_TOKEN

    for name in [k for k in os.environ if k.startswith("SURVEYAPP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SURVEYAPP_ADMIN_TOKEN", ADMIN_TOKEN)
    base = ["--data-dir", str(data_dir), "actions"]
    assert main([*base, "add", "--statement", "health_met", "--kind", "cannot_change", "--text", "Not ours.",
                 "--since", "2026-09-01"]) == 1
    assert "why" in capsys.readouterr().err  # the API's refusal names the field
    assert main([*base, "add", "--kind", "under_way", "--text", "New pages.", "--since", "2026-09-01",
                 "--expected-by", "2027-03-31", "--status", "published"]) == 0
    entry_id = capsys.readouterr().out.split()[0]
    assert main([*base, "edit", entry_id, "--text", "New pages, with parents.", "--note", "parents joined"]) == 0
    assert main([*base, "list"]) == 0
    assert "New pages, with parents." in capsys.readouterr().out
    assert main([*base, "history", entry_id]) == 0
    shown = capsys.readouterr().out
    assert shown.index("New pages.") < shown.index("parents joined") < shown.index("New pages, with parents.")
    assert main([*base, "add", "--kind", "changed", "--text", "x", "--since", "soon"]) == 1
    assert "--since" in capsys.readouterr().err


def test_of_two_edits_at_once_the_second_is_told_to_read_the_entry_again(admin, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from surveyapp.store import said_did as stored

    entry = record(admin)
    one = f"{ACTIONS}/{entry['entry_id']}"
    real = stored.append_version

    def raced(store, row):  # type: ignore[no-untyped-def]
        real(store, {**row, "text": "Another admin's edit, stored first."})  # it lands between read and write
        real(store, row)

    monkeypatch.setattr(stored, "append_version", raced)
    refused = admin.patch(one, json={"text": "Mine.", "note": "mine"})
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "entry_id"
    monkeypatch.undo()
    assert [v["text"] for v in admin.get(f"{one}/history").json()][-1] == "Another admin's edit, stored first."

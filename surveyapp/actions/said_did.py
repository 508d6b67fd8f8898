""""You said, we did": what the council has changed, has under way, or cannot change (and why), recorded by an
admin against a statement of a questionnaire or the survey as a whole, and shown to families and the board.

Every edit is a new version (`surveyapp.store.said_did`, append-only): what was said before stays in the entry's
history. A version is a draft (admins only), published, or withdrawn. Anyone sees an entry's latest version that
is not a draft, while it is published; the history shows every version that is not a draft (admins: all).
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from typing import Any

import msgspec

from surveyapp.actions.schemas_said_did import TEXT_MAX, Kind, SaidDidEdit, SaidDidIn, SaidDidOut
from surveyapp.domain.services import Services
from surveyapp.domain.sources import ALPHABET, ID_LENGTH
from surveyapp.store import said_did as stored
from waves.model import Likert

Entry = SaidDidOut  # what readers (the findings page, the board pack) get for each entry
KIND_ORDER: dict[Kind, int] = {"changed": 0, "under_way": 1, "cannot_change": 2}
KIND_WORDS: dict[Kind, str] = {"changed": "We changed", "under_way": "Under way", "cannot_change": "We cannot change"}


class SaidDidError(ValueError):
    """An entry that cannot be stored or found as asked: `field` names what to fix, `status` is the HTTP status."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, message, status


def statements_of(services: Services, questionnaire_id: str) -> dict[str, str]:
    """The questionnaire's Likert statements (every version's), id -> English wording, in the form's order;
    SaidDidError naming `questionnaire_id` when no wave uses a questionnaire of that id."""
    found = [w.questionnaire for w in services.waves.all() if w.questionnaire.id == questionnaire_id]
    if not found:
        known = sorted({w.questionnaire.id for w in services.waves.all()})
        raise SaidDidError("questionnaire_id", f"there is no questionnaire {questionnaire_id[:64]!r}; use one of "
                                               f"{', '.join(known)}")
    statements: dict[str, str] = {}
    for questionnaire in sorted(found, key=lambda q: q.version):
        for question in questionnaire.questions:
            if isinstance(question, Likert):
                for s in question.statements:
                    statements.setdefault(s.id, s.text.get("en", s.id))
    return statements


def _clean(field: str, text: str) -> str:
    """Text trimmed, in NFC, 1 to TEXT_MAX characters, no control characters but new lines."""
    cleaned = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    if not cleaned:
        raise SaidDidError(field, "write it in plain words (1 to 2,000 characters)")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c != "\n" for c in cleaned):
        raise SaidDidError(field, "remove the control characters (tabs, invisible marks) from it")
    if len(cleaned) > TEXT_MAX:
        raise SaidDidError(field, f"shorten it to {TEXT_MAX:,} characters (it has {len(cleaned):,})")
    return cleaned


def _checked(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """A version's fields checked together: why with cannot_change alone, expected_by with under_way alone."""
    row["text"] = _clean("text", row["text"])
    if row["kind"] == "cannot_change":
        if not row["why"]:
            raise SaidDidError("why", "say why the council cannot change it: families asked to be told")
        row["why"] = _clean("why", row["why"])
    elif row["why"] is not None:
        raise SaidDidError("why", f"only a cannot_change entry says why; leave it out for {row['kind']}")
    if row["expected_by"] is not None and row["kind"] != "under_way":
        raise SaidDidError("expected_by", f"only an under_way entry has an expected date; leave it out for "
                                          f"{row['kind']}")
    if row["since"] > today:
        raise SaidDidError("since", f"give a date on or before today ({today:%-d %B %Y}): what has happened, not "
                                    "what is planned (an under_way entry says when it is expected by)")
    if row["expected_by"] is not None and row["expected_by"] < row["since"]:
        raise SaidDidError("expected_by", "give a date on or after `since`")
    row["note"] = _clean("note", row["note"])
    return row


def _out(row: dict[str, Any], first: dict[str, Any], statements: dict[str, str]) -> SaidDidOut:
    def utc(moment: dt.datetime) -> dt.datetime:
        return moment.replace(tzinfo=dt.UTC)

    statement = row["statement_id"]
    return SaidDidOut(entry_id=row["entry_id"], version=row["version"], questionnaire_id=row["questionnaire_id"],
                      statement_id=statement, statement=statements.get(statement) if statement else None,
                      kind=row["kind"], text=row["text"], why=row["why"], since=row["since"],
                      expected_by=row["expected_by"], status=row["status"], note=row["note"],
                      created_at=utc(first["recorded_at"]), updated_at=utc(row["recorded_at"]))


def _now(services: Services) -> dt.datetime:
    return services.clock().astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)


def add(services: Services, data: SaidDidIn) -> SaidDidOut:
    """Record a new entry (version 1)."""
    statements = statements_of(services, data.questionnaire_id)
    if data.statement_id is not None and data.statement_id not in statements:
        raise SaidDidError("statement_id", f"{data.questionnaire_id} has no statement {data.statement_id[:64]!r}; "
                                           f"use one of {', '.join(statements)}, or leave it out for the survey as "
                                           "a whole")
    row = _checked({**msgspec.structs.asdict(data), "entry_id": "".join(secrets.choice(ALPHABET)
                                                                       for _ in range(ID_LENGTH)),
                    "version": 1, "note": "first recorded", "recorded_at": _now(services)}, services.today())
    stored.append_version(services.store, row)
    return _out(row, row, statements)


def _versions(services: Services, entry_id: str) -> list[dict[str, Any]]:
    versions = stored.read_versions(services.store, entry_id.strip().upper()[:32])
    if not versions:
        raise SaidDidError("entry_id", f"there is no entry {entry_id[:32]!r}; GET /api/v1/actions lists them", 404)
    return versions


def edit(services: Services, entry_id: str, data: SaidDidEdit) -> SaidDidOut:
    """A new version of the entry with the fields given changed; the ones before it stay."""
    versions = _versions(services, entry_id)
    latest = versions[-1]
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    row = {**latest, **changes, "version": latest["version"] + 1, "recorded_at": _now(services)}
    if row["kind"] != "cannot_change" and "why" not in changes:
        row["why"] = None  # a cannot_change entry that became another kind keeps no reason
    if row["kind"] != "under_way" and "expected_by" not in changes:
        row["expected_by"] = None
    if row["status"] == "draft" and any(v["status"] != "draft" for v in versions):
        raise SaidDidError("status", "a published entry cannot go back to draft: edit it (published), or "
                                     "withdraw it (its history stays)", 409)
    try:
        stored.append_version(services.store, _checked(row, services.today()))
    except stored.VersionTaken:
        raise SaidDidError("entry_id", f"{latest['entry_id']} was edited by someone else just now; read it again "
                                       "and make your edit on the newest version", 409) from None
    return _out(row, versions[0], statements_of(services, row["questionnaire_id"]))


def _order(statements: dict[str, str]) -> Any:
    place = {s: i for i, s in enumerate(statements)}
    return lambda e: (-1 if e.statement_id is None else place.get(e.statement_id, len(place)),
                      KIND_ORDER[e.kind], e.since, e.entry_id)


def listing(services: Services, questionnaire_id: str | None = None, *, drafts: bool = False) -> list[SaidDidOut]:
    """The current version of each entry (of one questionnaire, or all): for the public, the latest version that
    is not a draft, while it is published; with `drafts` (admins), the latest version, whatever its status."""
    if questionnaire_id is not None:
        try:  # an unknown questionnaire is not found (404), not an empty list: a filter that names nothing
            statements_of(services, questionnaire_id)
        except SaidDidError as exc:
            raise SaidDidError(exc.field, exc.message, status=404) from None
    by_entry: dict[str, list[dict[str, Any]]] = {}
    for row in stored.read_versions(services.store):
        if questionnaire_id is None or row["questionnaire_id"] == questionnaire_id:
            by_entry.setdefault(row["entry_id"], []).append(row)
    wording: dict[str, dict[str, str]] = {}
    current = []
    for versions in by_entry.values():
        shown = versions if drafts else [v for v in versions if v["status"] != "draft"]
        if not shown or (not drafts and shown[-1]["status"] != "published"):
            continue
        q = shown[-1]["questionnaire_id"]
        statements = wording.setdefault(q, statements_of(services, q))
        current.append(_out(shown[-1], versions[0], statements))
    order = {q: _order(s) for q, s in wording.items()}
    return sorted(current, key=lambda e: (e.questionnaire_id, order[e.questionnaire_id](e)))


def entries(services: Services, questionnaire_id: str) -> list[Entry]:
    """What families and the board read: the current published version of each of the questionnaire's entries,
    the survey as a whole first, then statement by statement in the form's order."""
    return listing(services, questionnaire_id)


def history(services: Services, entry_id: str, *, drafts: bool = False) -> list[SaidDidOut]:
    """Every version of an entry, oldest first: those that are not drafts, or all of them (`drafts`, admins)."""
    versions = _versions(services, entry_id)
    shown = versions if drafts else [v for v in versions if v["status"] != "draft"]
    if not shown:  # a draft is not there for the public at all
        raise SaidDidError("entry_id", f"there is no entry {entry_id[:32]!r}; GET /api/v1/actions lists them", 404)
    statements = statements_of(services, versions[0]["questionnaire_id"])
    return [_out(v, versions[0], statements) for v in shown]

""""You said, we did" in the console: every entry (drafts too), add one against a statement of a questionnaire or
the survey as a whole, edit one (a new version with a note saying what changed), and an entry's history. The
same actions as /api/v1/actions (`surveyapp.actions.said_did`); a mistake is named on its field."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from surveyapp.actions import said_did as actions
from surveyapp.actions.schemas_said_did import SaidDidEdit, SaidDidIn, SaidDidOut
from surveyapp.console.render import console_page
from surveyapp.domain.services import Services
from surveyapp.web.errors import FormError

FIELDS = ("statement", "kind", "text", "why", "since", "expected_by", "status", "note")
KINDS = [("changed", "We changed it"), ("under_way", "It is under way"),
         ("cannot_change", "We cannot change it (say why)")]
DONE = {"added": "The entry was added", "edited": "The entry was changed: its earlier versions stay in its history"}
PLACES = {"questionnaire_id": "statement", "statement_id": "statement", "entry_id": "note"}
WHOLE = "the survey as a whole"


def _statements(services: Services) -> list[tuple[str, str]]:
    """Each questionnaire's statements as choices: "questionnaire|statement" (or "questionnaire|" for the survey
    as a whole) and its words."""
    choices = []
    for q in sorted({w.questionnaire.id for w in services.waves.all()}):
        choices.append((f"{q}|", f"{q}: {WHOLE}"))
        choices += [(f"{q}|{s}", f"{q}: {text}") for s, text in actions.statements_of(services, q).items()]
    return choices


def _error(field: str, message: str) -> FormError:
    place = PLACES.get(field, field if field in FIELDS else "text")
    return FormError(place, f"#{place}", message[:1].upper() + message[1:])


def _date(values: dict[str, str], field: str, label: str) -> dt.date | None:
    text = values[field].strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise actions.SaidDidError(field, f"{label}: enter a date like 2026-11-02") from None


def _fields(values: dict[str, str]) -> dict[str, Any]:
    """The form's fields as the action takes them; SaidDidError names the first that cannot be read."""
    if values["kind"] not in actions.KIND_ORDER:
        raise actions.SaidDidError("kind", "choose what the council did")
    if values["status"] not in ("draft", "published", "withdrawn"):
        raise actions.SaidDidError("status", "choose draft or published")
    since = _date(values, "since", "Since")
    if since is None:
        raise actions.SaidDidError("since", "enter the date it changed, began or was decided, like 2026-11-02")
    return {"kind": values["kind"], "text": values["text"], "why": values["why"].strip() or None, "since": since,
            "expected_by": _date(values, "expected_by", "Expected by"), "status": values["status"]}


def _values(form: FormMultiDict) -> dict[str, str]:
    return {k: str(form.get(k) or "") for k in FIELDS}


def _as_values(entry: SaidDidOut) -> dict[str, str]:
    return {"statement": f"{entry.questionnaire_id}|{entry.statement_id or ''}", "kind": entry.kind,
            "text": entry.text, "why": entry.why or "", "since": entry.since.isoformat(),
            "expected_by": entry.expected_by.isoformat() if entry.expected_by else "", "status": entry.status,
            "note": ""}


@get("/said-did", sync_to_thread=True)
def said_did_page(request: Request[Any, Any, Any], services: NamedDependency[Services],
                  done: FromQuery[str] = "") -> Response[str]:
    """Every entry's latest version, drafts too."""
    return console_page("said_did.html", request, here="you-said", title="You said, we did", wide=True,
                        entries=actions.listing(services, drafts=True), kinds=dict(KINDS), whole=WHOLE,
                        done=DONE.get(done, ""))


def _form_page(request: Request[Any, Any, Any], services: Services, values: dict[str, str], *,
               entry: SaidDidOut | None = None, errors: list[FormError] | None = None,
               status: int = 200) -> Response[str]:
    return console_page("said_did_form.html", request, here="you-said", status=status, errors=errors or [],
                        title="Change an entry" if entry else "Add an entry", entry=entry, values=values,
                        statements=[] if entry else _statements(services), kinds=KINDS, whole=WHOLE,
                        statuses=[("draft", "Draft: only admins see it"), ("published", "Published")]
                        + ([("withdrawn", "Withdrawn: no longer shown, its history stays")] if entry else []),
                        action=f"/console/said-did/{entry.entry_id}/edit" if entry else "/console/said-did/new",
                        back="/console/said-did")


@get("/said-did/new", sync_to_thread=True)
def add_page(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """The form for a new entry."""
    return _form_page(request, services, {**dict.fromkeys(FIELDS, ""), "status": "draft"})


def _add(services: Services, values: dict[str, str]) -> SaidDidOut:
    questionnaire, _, statement = values["statement"].partition("|")
    if not questionnaire:
        raise actions.SaidDidError("statement", "choose the statement it answers, or the survey as a whole")
    return actions.add(services, SaidDidIn(questionnaire_id=questionnaire, statement_id=statement or None,
                                           **_fields(values)))


@post("/said-did/new", opt={"audit": "said-did entry added"})
async def add(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Add the entry (the same action as POST /api/v1/actions)."""
    values = _values(await request.form())
    try:
        await asyncio.to_thread(_add, services, values)
    except actions.SaidDidError as exc:
        return await asyncio.to_thread(_form_page, request, services, values, status=400,
                                       errors=[_error(exc.field, exc.message)])
    return Redirect("/console/said-did?done=added", status_code=303)


def _history(services: Services, entry_id: str) -> list[SaidDidOut] | None:
    try:
        return actions.history(services, entry_id, drafts=True)
    except actions.SaidDidError:
        return None


def _missing(request: Request[Any, Any, Any], entry_id: str) -> Response[str]:
    return console_page("notice.html", request, here="you-said", status=404, title="Page not found",
                        paragraphs=[f"There is no entry {entry_id[:32]}. Check the address, or choose it from the "
                                    "list."], link=("/console/said-did", "Go to “You said, we did”"))


@get("/said-did/{entry_id:str}", sync_to_thread=True)
def history_page(request: Request[Any, Any, Any], services: NamedDependency[Services],
                 entry_id: FromPath[str]) -> Response[str]:
    """Every version of the entry, newest first, with the note saying what each changed."""
    versions = _history(services, entry_id)
    if versions is None:
        return _missing(request, entry_id)
    return console_page("said_did_history.html", request, here="you-said", title="History of an entry",
                        versions=versions[::-1], kinds=dict(KINDS), whole=WHOLE, back="/console/said-did")


@get("/said-did/{entry_id:str}/edit", sync_to_thread=True)
def edit_page(request: Request[Any, Any, Any], services: NamedDependency[Services],
              entry_id: FromPath[str]) -> Response[str]:
    """The entry's latest version in the form, to change."""
    versions = _history(services, entry_id)
    if versions is None:
        return _missing(request, entry_id)
    return _form_page(request, services, _as_values(versions[-1]), entry=versions[-1])


def _edit(services: Services, entry_id: str, values: dict[str, str]) -> SaidDidOut:
    return actions.edit(services, entry_id, SaidDidEdit(note=values["note"], **_fields(values)))


@post("/said-did/{entry_id:str}/edit", opt={"audit": "said-did entry edited"})
async def edit(request: Request[Any, Any, Any], services: NamedDependency[Services],
               entry_id: FromPath[str]) -> Response[str]:
    """Record a new version (the same action as PATCH /api/v1/actions/{entry_id})."""
    values = _values(await request.form())
    versions = await asyncio.to_thread(_history, services, entry_id)
    if versions is None:
        return _missing(request, entry_id)
    try:
        await asyncio.to_thread(_edit, services, entry_id, values)
    except actions.SaidDidError as exc:
        return _form_page(request, services, values, entry=versions[-1], status=exc.status,
                          errors=[_error(exc.field, exc.message)])
    return Redirect("/console/said-did?done=edited", status_code=303)


HANDLERS = [said_did_page, add_page, add, history_page, edit_page, edit]

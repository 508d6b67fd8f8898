"""`surveyapp actions add|edit|list|history`: "You said, we did" entries, each a request to /api/v1/actions."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import msgspec

from surveyapp.actions.schemas_said_did import SaidDidEdit, SaidDidIn, SaidDidOut
from surveyapp.cli.client import open_client, segment
from surveyapp.settings import Settings

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any

ACTIONS = "/api/v1/actions"
_FIELDS = ("kind", "text", "why", "since", "expected_by", "status", "note")


def _body(args: argparse.Namespace, kind: type[SaidDidIn] | type[SaidDidEdit]) -> dict[str, Any]:
    """The API's body, checked by its own schema first: a bad date or kind names its option."""
    given = {f: getattr(args, f) for f in _FIELDS if getattr(args, f, None) is not None}
    if kind is SaidDidIn:
        given |= {"questionnaire_id": args.questionnaire, "statement_id": args.statement}
    try:
        return msgspec.to_builtins(msgspec.convert(given, kind))  # type: ignore[no-any-return]
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$.")
        field = where.rstrip("`").split(".")[0]
        raise ValueError(f"--{field.replace('_', '-')}: {message}") from None


def _show(entry: SaidDidOut) -> None:
    about = entry.statement_id or "the survey as a whole"
    dates = f"since {entry.since}" + (f", expected by {entry.expected_by}" if entry.expected_by else "")
    print(f"{entry.entry_id} v{entry.version} {entry.status:<9} {entry.kind:<13} {about} ({dates})")
    print(f"    {entry.text}")
    if entry.why:
        print(f"    why: {entry.why}")


def _actions(args: argparse.Namespace, settings: Settings) -> int:
    body = _body(args, SaidDidIn if args.action == "add" else SaidDidEdit) if args.action in ("add", "edit") \
        else None  # checked before connecting
    with open_client(settings) as api:
        if args.action == "list":
            params = {"questionnaire": args.questionnaire} if args.questionnaire else {}
            shown = api.decode(list[SaidDidOut], "GET", ACTIONS, "admin", params=params)
        elif args.action == "history":
            shown = api.decode(list[SaidDidOut], "GET", f"{ACTIONS}/{segment(args.entry_id)}/history", "admin")
        elif args.action == "add":
            shown = [api.decode(SaidDidOut, "POST", ACTIONS, "admin", json=body)]
        else:
            shown = [api.decode(SaidDidOut, "PATCH", f"{ACTIONS}/{segment(args.entry_id)}", "admin", json=body)]
    for entry in shown:
        if args.action == "history":
            print(f"{entry.updated_at:%Y-%m-%d %H:%M} UTC: {entry.note}")
        _show(entry)
    if not shown:
        print("no entries yet")
    return 0


def _entry_options(p: argparse.ArgumentParser, *, new: bool) -> None:
    p.add_argument("--kind", required=new, choices=["changed", "under_way", "cannot_change"],
                   help="what the council has changed, has under way, or cannot change")
    p.add_argument("--text", required=new, help="what was done (or is being done, or cannot be), in plain words")
    p.add_argument("--why", help="cannot_change only: why it cannot change")
    p.add_argument("--since", required=new, help="YYYY-MM-DD: when it changed, the work began, or it was decided")
    p.add_argument("--expected-by", dest="expected_by", help="under_way only: YYYY-MM-DD it is expected by")
    p.add_argument("--status", choices=["draft", "published"] if new else ["draft", "published", "withdrawn"],
                   help="draft (admins only; the default for a new entry), published (anyone reads it), withdrawn")


def add_said_did(sub: SubParsers) -> None:
    """`surveyapp actions add|edit|list|history`."""
    actions = sub.add_parser("actions", help='"You said, we did": what the council changed, has under way, or '
                                             "cannot change (admin)")
    verbs = actions.add_subparsers(dest="action", required=True)
    add = verbs.add_parser("add", help="record a new entry (a draft unless --status published)")
    add.add_argument("--questionnaire", default="send-repeat")
    add.add_argument("--statement", help="a statement id of its Likert question; leave out for the whole survey")
    _entry_options(add, new=True)
    edit = verbs.add_parser("edit", help="a new version of an entry; the ones before stay in its history")
    edit.add_argument("entry_id")
    edit.add_argument("--note", required=True, help="what this edit changes, and why")
    _entry_options(edit, new=False)
    listing = verbs.add_parser("list", help="the current version of each entry, drafts too")
    listing.add_argument("--questionnaire", help="only this questionnaire's entries")
    history = verbs.add_parser("history", help="every version of an entry, oldest first")
    history.add_argument("entry_id")
    actions.set_defaults(run=_actions)

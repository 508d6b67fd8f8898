"""`surveyapp comments ...`, `surveyapp codebook ...` and `surveyapp schools ...`: what families wrote, each a
request to /api/v1/comments, /api/v1/codebooks or /api/v1/admin/setting-names."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from surveyapp.actions.schemas_comments import (
    AgreementOut,
    CodebookIn,
    CodebookOut,
    CommentOut,
    SampleOut,
    SettingNamesOut,
)
from surveyapp.cli.client import open_client, segment
from surveyapp.settings import Settings

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any


def _comments(args: argparse.Namespace, settings: Settings) -> int:
    wave = segment(args.wave_id)
    with open_client(settings) as api:
        if args.action == "list":
            path = f"/api/v1/comments/{wave}" + ("/unmasked" if args.unmasked else "")
            for c in api.decode(list[CommentOut], "GET", path, "admin" if args.unmasked else "analyst"):
                themes = ", ".join(c.themes) if c.codebook_version is not None else "not coded"
                print(f"{c.response_id}  {c.area or 'area not known'}  [{themes}]\n    {c.text}")
        elif args.action == "sample":
            drawn = api.decode(SampleOut, "POST", f"/api/v1/comments/{wave}/sample", "analyst",
                               json={"size": args.size, "seed": args.seed})
            print(f"{len(drawn.response_ids)} comments drawn with seed {drawn.seed} for blind double coding:")
            print("\n".join(drawn.response_ids))
        else:
            found = api.decode(AgreementOut, "GET", f"/api/v1/comments/{wave}/agreement", "analyst")
            if not found.comments:
                print("no comment of the sample has been coded twice, once blind, yet")
            else:
                print(f"{' and '.join(found.coders)}: {found.comments} comments coded by both")
            for t in found.themes if found.comments else []:
                kappa = "not defined" if t.kappa is None else f"{t.kappa:.2f}"
                print(f"{t.theme_id:<20} kappa {kappa:<12} agreed on {t.agreement:.0%}")
    return 0


def _show_codebook(book: CodebookOut) -> None:
    print(f"{book.questionnaire_id} codebook, version {book.version} ({book.made_by}, {book.made_at:%Y-%m-%d}: "
          f"{book.note})")
    for t in book.themes:
        print(f"  {t.id:<20} {t.label}: {t.description}")


def _codebook(args: argparse.Namespace, settings: Settings) -> int:
    path = f"/api/v1/codebooks/{segment(args.questionnaire)}"
    body = None
    if args.action == "edit":  # checked before connecting: a bad file names what to fix
        try:
            body = msgspec.to_builtins(msgspec.json.decode(Path(args.file).read_bytes(), type=CodebookIn))
        except (OSError, msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise ValueError(f"--file: {exc}") from None
    with open_client(settings) as api:
        if args.action == "show":
            _show_codebook(api.decode(CodebookOut, "GET", path, "analyst"))
        elif args.action == "history":
            for book in api.decode(list[CodebookOut], "GET", f"{path}/history", "analyst"):
                _show_codebook(book)
        else:
            _show_codebook(api.decode(CodebookOut, "POST", path, "analyst", json=body))
    return 0


def _schools(args: argparse.Namespace, settings: Settings) -> int:
    path = "/api/v1/admin/setting-names"
    with open_client(settings) as api:
        if args.action == "list":
            found = api.decode(SettingNamesOut, "GET", path, "admin")
        elif args.action == "add":
            found = api.decode(SettingNamesOut, "POST", path, "admin", json={"names": args.names})
        else:
            found = api.decode(SettingNamesOut, "DELETE", path, "admin", params={"name": args.name})
    print("\n".join(found.names) if found.names else "the list is empty")
    return 0


def add_comments(sub: SubParsers) -> None:
    """`surveyapp comments list|sample|agreement`, `surveyapp codebook show|history|edit`, `surveyapp schools`."""
    comments = sub.add_parser("comments", help="families' comments (Q7a), masked; blind double coding (analyst)")
    verbs = comments.add_subparsers(dest="action", required=True)
    listing = verbs.add_parser("list", help="a wave's comments, masked, with their area and themes")
    listing.add_argument("--unmasked", action="store_true",
                         help="as written (the unmask right: the admin token); recorded in the audit log")
    sample = verbs.add_parser("sample", help="draw a wave's sample for blind double coding")
    sample.add_argument("--size", type=int, default=20)
    sample.add_argument("--seed", type=int, default=2026)
    verbs.add_parser("agreement", help="the blind double coding's agreement per theme (Cohen's kappa)")
    for verb in verbs.choices.values():
        verb.add_argument("wave_id")
    comments.set_defaults(run=_comments)
    codebook = sub.add_parser("codebook", help="the themes comments are coded into, versioned (analyst)")
    books = codebook.add_subparsers(dest="action", required=True)
    books.add_parser("show", help="the current version")
    books.add_parser("history", help="every version, oldest first")
    edit = books.add_parser("edit", help="a new version from a JSON file: {\"themes\": [{\"id\", \"label\", "
                                         "\"description\"}, ...], \"note\": \"what changed\"}")
    edit.add_argument("--file", required=True)
    for verb in books.choices.values():
        verb.add_argument("--questionnaire", default="send-repeat")
    codebook.set_defaults(run=_codebook)
    schools = sub.add_parser("schools", help="schools and settings masking hides as [school] (admin)")
    names = schools.add_subparsers(dest="action", required=True)
    names.add_parser("list", help="the list")
    add = names.add_parser("add", help="add names (as families would write them)")
    add.add_argument("names", nargs="+")
    remove = names.add_parser("remove", help="take a name off the list")
    remove.add_argument("name")
    schools.set_defaults(run=_schools)

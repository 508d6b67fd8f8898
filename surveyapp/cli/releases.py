"""`surveyapp release make|show|publish|withdraw|list`: a wave's releases, each a request to the API."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

import msgspec

from surveyapp.actions.schemas import ReleaseIn, WithdrawIn
from surveyapp.cli.client import open_client, segment
from surveyapp.domain.release import ReleaseOut
from surveyapp.settings import Settings

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any


def _body(args: argparse.Namespace) -> dict[str, Any]:
    """The API's body, checked here by its own schema first: a bad cut-off names its option."""
    try:
        made = msgspec.convert({"stage": args.stage, "cutoff": args.cutoff, "corrects": args.corrects,
                                "note": args.note or ""}, ReleaseIn, strict=False)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$.")
        raise ValueError(f"--{where.rstrip('`').split('.')[0]}: {message}") from None
    return msgspec.to_builtins(made)  # type: ignore[no-any-return]


def _summary(release: ReleaseOut) -> str:
    document = release.document
    check = "passed" if document.check.passed else "FAILED: " + ", ".join(
        r.rule for r in document.check.rules if not r.passed)
    hidden = sum(len(r.stopped) for r in document.check.rules if r.rule != "consistent_rounding")
    lines = [f"{release.release_id}: {release.status}, {release.stage} v{release.version} of {release.wave_id}, "
             f"responses before {document.cutoff:%Y-%m-%d %H:%M} UTC",
             f"check {check} ({hidden} counts hidden, {document.check.seconds:.1f} s)"]
    if release.content_sha256:
        lines.append(f"sha256 {release.content_sha256}")
    if release.withdrawal_notice:
        lines.append(f"withdrawn: {release.withdrawal_notice}")
    if document.correction_note:
        lines.append(f"corrects {document.supersedes}: {document.correction_note}")
    for table in document.tables:
        lines.append(f"  {table.spec.table_id:<32} {len(table.rows):>4} rows  {table.title}")
    return "\n".join(lines)


def _release(args: argparse.Namespace, settings: Settings) -> int:
    body = _body(args) if args.action == "make" else None  # checked before connecting
    with open_client(settings) as api:
        if args.action == "list":
            params = {"wave": args.wave} if args.wave else {}
            rows = api.decode(list[ReleaseOut], "GET", "/api/v1/releases", "analyst", params=params)
            print(f"{'release':<34} {'status':<10} {'stage':<8} {'cut-off (UTC)':<17} sha256")
            for r in rows:
                print(f"{r.release_id:<34} {r.status:<10} {r.stage:<8} {r.document.cutoff:%Y-%m-%d %H:%M}  "
                      f"{(r.content_sha256 or '')[:16]}")
            return 0
        one = f"/api/v1/releases/{segment(args.release_id)}" if hasattr(args, "release_id") else ""
        if args.action == "make":
            release = api.decode(ReleaseOut, "POST", f"/api/v1/waves/{segment(args.wave_id)}/releases", "admin",
                                 json=body)
        elif args.action == "show":
            release = api.decode(ReleaseOut, "GET", one, "analyst")
        elif args.action == "publish":
            release = api.decode(ReleaseOut, "POST", f"{one}/publish", "admin")
        else:
            notice = msgspec.to_builtins(WithdrawIn(notice=args.notice))
            release = api.decode(ReleaseOut, "POST", f"{one}/withdraw", "admin", json=notice)
    print(_summary(release))
    return 0


def add_release(sub: SubParsers) -> None:
    """`surveyapp release make|show|publish|withdraw|list`."""
    release = sub.add_parser("release", help="make, check, publish or withdraw a wave's releases")
    actions = release.add_subparsers(dest="action", required=True)
    make = actions.add_parser("make", help="make a draft release and run its check (admin)")
    make.add_argument("wave_id")
    make.add_argument("--stage", choices=["interim", "final"], required=True)
    make.add_argument("--cutoff", type=dt.datetime.fromisoformat,
                      help="interim: a whole hour, UTC unless it says otherwise, e.g. 2026-11-22T13:00Z")
    make.add_argument("--corrects", help="a published release this one corrects (a new version)")
    make.add_argument("--note", help="with --corrects: what the correction changes, for the public")
    listed = actions.add_parser("list", help="every release, newest first (analyst)")
    listed.add_argument("--wave", help="only this wave's")
    for verb, what in (("show", "a release and its check (analyst)"), ("publish", "publish a checked draft (admin)"),
                       ("withdraw", "withdraw a published release with a public notice (admin)")):
        p = actions.add_parser(verb, help=what)
        p.add_argument("release_id")
        if verb == "withdraw":
            p.add_argument("--notice", required=True, help="why, in words for the public")
    release.set_defaults(run=_release)

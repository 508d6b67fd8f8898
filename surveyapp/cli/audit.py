"""`surveyapp audit`: verify the audit log's hash chain, and list or export its rows (admin), through the API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from surveyapp.actions.schemas import AuditCheckOut, AuditRowOut
from surveyapp.cli.client import open_client
from surveyapp.settings import Settings

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    with open_client(settings) as api:
        check = api.decode(AuditCheckOut, "GET", "/api/v1/audit/verify", "admin")
    if check.first_break is not None:
        print(f"the audit log's chain is BROKEN at row {check.first_break.seq}: {check.first_break.reason} "
              f"({check.rows} rows read)", file=sys.stderr)
        return 1
    print(f"the audit log's chain holds: {check.rows} rows, the last one's hash {check.last_hash}")
    return 0


def _filters(args: argparse.Namespace) -> dict[str, str]:
    found = {"actor": args.actor, "action": args.action, "since": args.since, "until": args.until,
             "limit": str(args.limit) if args.limit else None}
    return {key: value for key, value in found.items() if value}


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with open_client(settings) as api:
        if args.out is not None:
            body = api.request("GET", "/api/v1/audit.csv", "admin", params=_filters(args)).content
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(body)
            print(f"wrote {args.out} ({len(body):,} bytes)", file=sys.stderr)
            return 0
        rows = api.decode(list[AuditRowOut], "GET", "/api/v1/audit", "admin", params=_filters(args))
    print(f"{'row':>6} {'when (UTC)':<20} {'who':<24} {'outcome':<8} {'status':<6} {'action':<24} target")
    for row in rows:
        who = f"{row.actor_name or '(nobody known)'}"[:24]
        print(f"{row.seq:>6} {row.recorded_at:%Y-%m-%d %H:%M:%S} {who:<24} {row.outcome:<8} {row.status or '':<6} "
              f"{row.action[:24]:<24} {row.target}")
    return 0


def add_audit(sub: SubParsers) -> None:
    """`surveyapp audit verify` and `surveyapp audit list`."""
    audit = sub.add_parser("audit", help="the audit log (admin): verify its hash chain, list or export its rows")
    actions = audit.add_subparsers(dest="audit_action", required=True)
    verify = actions.add_parser("verify", help="recompute the hash chain; exit 1 naming the first row changed, "
                                               "deleted or out of place")
    verify.set_defaults(run=_verify)
    listing = actions.add_parser("list", help="the rows, newest first (--out FILE.csv: as CSV)")
    listing.add_argument("--actor", help="a role, a person's name or subject")
    listing.add_argument("--action", help="e.g. export, sign in, wave closed")
    listing.add_argument("--since", help="from this time (ISO 8601, UTC unless it says), inclusive")
    listing.add_argument("--until", help="up to this time, inclusive")
    listing.add_argument("--limit", type=int, help="at most this many rows (default 500; CSV: every row)")
    listing.add_argument("--out", type=Path, help="write the rows as CSV to this file")
    listing.set_defaults(run=_list)

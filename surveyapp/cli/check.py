"""`surveyapp check`: the doctor (surveyapp.domain.checks), before going live."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from surveyapp.settings import Settings


def check_command(_: argparse.Namespace, settings: Settings) -> int:
    """Print each problem on a line of its own (exit 1), or that none was found (exit 0)."""
    from surveyapp.domain.checks import problems

    found = problems(settings)
    for line in found:
        print(f"problem: {line}")
    if found:
        print(f"surveyapp check: {len(found)} problem(s) to fix before going live", file=sys.stderr)
        return 1
    print("surveyapp check: no problems found")
    return 0


def add_check(sub: Any) -> None:
    """Register `surveyapp check`."""
    check = sub.add_parser("check", help="say what is wrong before going live: tokens, public address, TLS, "
                                         "data folder, disk space, Chromium, backups (exit 1 on problems)")
    check.set_defaults(run=check_command)

"""`make token`: the admin, analyst and staff tokens, made once into a private file that `make run` and `make cli`
read.

The file is shell: `export SURVEYAPP_ADMIN_TOKEN="${SURVEYAPP_ADMIN_TOKEN:-…}"`, so a token already set in the
environment wins, and `. ./surveyapp.env` brings them into a shell (for curl, or `.venv/bin/surveyapp`). It is
created with owner-only permissions and never overwritten: delete it to make new tokens (then restart the
service, and hand the new analyst token out again).
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

from surveyapp.settings import from_env

VARIABLES = ("SURVEYAPP_ADMIN_TOKEN", "SURVEYAPP_ANALYST_TOKEN", "SURVEYAPP_STAFF_TOKEN")
_LINE = re.compile(r'^export (SURVEYAPP_[A-Z_]+)="\$\{\1:-([0-9a-f]+)\}"$', re.MULTILINE)


def read(path: Path) -> dict[str, str]:
    """The tokens a token file holds, by variable."""
    return dict(_LINE.findall(path.read_text(encoding="utf-8")))


def make(path: Path) -> tuple[dict[str, str], bool]:
    """The file's tokens, and whether any were made now (False: the file held them all already). A file made
    before a role existed (the staff token) gets that role's token added; the others are never changed."""
    held = read(path) if path.exists() else {}
    missing = [variable for variable in VARIABLES if variable not in held]
    if not missing:
        return held, False
    tokens = {**held, **{variable: secrets.token_hex(24) for variable in missing}}  # 48 random hex characters
    from_env({}, admin_token=tokens[VARIABLES[0]], analyst_token=tokens[VARIABLES[1]],
             staff_token=tokens[VARIABLES[2]])  # the service's own rules
    lines = [f'export {variable}="${{{variable}:-{tokens[variable]}}}"' for variable in missing]
    if held:
        with path.open("a", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        return tokens, True
    header = ["# surveyapp's bearer tokens, made by `make token`. Private: owner-only, and never committed.",
              "# `make run` and `make cli` read this file; in a shell, `. ./surveyapp.env` sets them."]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(header + lines) + "\n")
    return tokens, True


def main(argv: list[str] | None = None) -> int:
    path = Path((argv if argv is not None else sys.argv[1:] or ["surveyapp.env"])[0])
    tokens, made = make(path)
    print(f"{'made' if made else 'kept'} {path} ({'owner-only' if made else 'delete it for new tokens'}); "
          "make run and make cli use it:")
    for variable, token in tokens.items():
        print(f"  {variable}={token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

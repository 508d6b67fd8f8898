"""The `surveyapp` command: serve, manage waves, export, back up and restore.

Commands that read or change data are requests to the service's HTTP API: while `surveyapp serve` holds the
file (DuckDB allows one process), to the service at SURVEYAPP_URL with the admin or analyst token; when no
service runs, to the same app started inside the command (surveyapp.cli.client).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from surveyapp.http import logsafe
from surveyapp.settings import Settings, SettingsError, from_env
from surveyapp.store import private

Command = Callable[[argparse.Namespace, Settings], int]


def build_parser() -> argparse.ArgumentParser:
    from surveyapp.cli import commands
    from surveyapp.cli.check import add_check
    from surveyapp.cli.comments import add_comments
    from surveyapp.cli.demo import add_demo
    from surveyapp.cli.said_did import add_said_did
    from surveyapp.cli.serve import serve_command

    parser = argparse.ArgumentParser(prog="surveyapp", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="overrides SURVEYAPP_DATA_DIR")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (one process: it owns the database)")
    serve.add_argument("--host", help="overrides SURVEYAPP_HOST (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="overrides SURVEYAPP_PORT (default 8000)")
    serve.set_defaults(run=serve_command)
    commands.add_commands(sub)
    add_said_did(sub)
    add_comments(sub)
    add_check(sub)
    add_demo(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = from_env(data_dir=args.data_dir, host=getattr(args, "host", None),
                            port=getattr(args, "port", None))
    except SettingsError as exc:
        parser.error(str(exc))
    private.restrict()  # whatever a command writes into the data directory (a restore, a backup) is 0600
    # JSON or text (SURVEYAPP_LOG_FORMAT); either way control characters in logged values cannot forge lines
    logsafe.configure(settings.log_level, settings.log_format)
    if settings.log_level.upper() != "DEBUG":  # one INFO line per request the CLI sends is noise at a terminal
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)
    run: Command = args.run
    try:
        return run(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear one-line error for the person at the terminal
        if settings.log_level.upper() == "DEBUG":
            raise
        print(f"surveyapp: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

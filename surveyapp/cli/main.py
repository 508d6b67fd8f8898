"""The `surveyapp` command: serve, manage waves, export, back up and restore.

Commands that read or change data are requests to the service's HTTP API: while `surveyapp serve` holds the
file (DuckDB allows one process), to the service at SURVEYAPP_URL with the admin or analyst token; when no
service runs, to the same app started inside the command (surveyapp.cli.client).
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from surveyapp.http import logsafe
from surveyapp.settings import Settings, SettingsError, from_env
from surveyapp.store import private

Command = Callable[[argparse.Namespace, Settings], int]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from surveyapp.app import create_app
    from surveyapp.domain.services import start_checks
    from surveyapp.http.serving import uvicorn_options

    start_checks(settings)  # a refusal (a readable data file, a missing key) is one line here, not a traceback
    app = create_app(settings)
    print(f"surveyapp: serving on http://{settings.host}:{settings.port} (data in {settings.data_dir})", flush=True)
    # Everything imported so far lives as long as the process: keep it out of the cyclic collector, whose full
    # passes over it otherwise stall every request for tens of milliseconds.
    gc.collect()
    gc.freeze()
    # access_log off: uvicorn's access log records client addresses, which this service never keeps.
    # proxy_headers off: a forwarded address is believed only through SURVEYAPP_TRUSTED_PROXY_HEADER.
    # log_config None: uvicorn logs through the service's own escaping handler (surveyapp.http.logsafe).
    # uvicorn_options: a header timeout and connection caps per client and in all (surveyapp.http.serving).
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, access_log=False,
                    log_level=settings.log_level.lower(), log_config=None, server_header=False,
                    timeout_graceful_shutdown=10, proxy_headers=False, **uvicorn_options(settings))
    finally:
        # Frozen objects are never freed, so at exit DuckDB's bindings (nanobind) would report every one of
        # theirs as leaked, some fifty lines on each Ctrl-C: hand them back to the collector first.
        gc.unfreeze()
        gc.collect()
    return 0


def build_parser() -> argparse.ArgumentParser:
    from surveyapp.cli import commands
    from surveyapp.cli.demo import add_demo

    parser = argparse.ArgumentParser(prog="surveyapp", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="overrides SURVEYAPP_DATA_DIR")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (one process: it owns the database)")
    serve.add_argument("--host", help="overrides SURVEYAPP_HOST (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="overrides SURVEYAPP_PORT (default 8000)")
    serve.set_defaults(run=_serve)
    commands.add_commands(sub)
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
    logsafe.configure(settings.log_level)  # control characters in logged values are escaped: no forged lines
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

"""Serving: the app factory's app under uvicorn, as `surveyapp serve` and `surveyapp demo` run it."""

from __future__ import annotations

import argparse
import gc
import logging

from surveyapp.settings import Settings

log = logging.getLogger("surveyapp")


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    """`surveyapp serve` (and `surveyapp demo` once its data are loaded): the app under uvicorn, one process."""
    import uvicorn

    from surveyapp.app import create_app
    from surveyapp.domain.checks import problems
    from surveyapp.domain.services import start_checks
    from surveyapp.http.serving import uvicorn_options

    start_checks(settings)  # a refusal (a readable data file, a missing key) is one line here, not a traceback
    for problem in problems(settings):  # what `surveyapp check` says: `make run` shows it at start
        log.warning("check: %s", problem)
    app = create_app(settings)
    app.openapi_schema.to_schema()  # built now, not on the first request for it (surveyapp.api.error_responses)
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

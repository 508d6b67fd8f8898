"""The families' form (server-rendered HTML that works without JavaScript)."""

from __future__ import annotations

from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from surveyapp.web.render import STATIC_DIR, plain_file_name
from surveyapp.web.routes import FormKit, make_form_kit, show_form, start, thanks
from surveyapp.web.sending import send_form


def web_handlers() -> list[ControllerRouterHandler]:
    """Route handlers of the form: /, /survey/{wave_id} (GET and POST), its confirmation, and /static."""
    # Static URLs carry a hash of the files (?v=...), so a day's caching never serves a stale stylesheet.
    static = create_static_files_router(path="/static", directories=[STATIC_DIR], name="form-static",
                                        cache_control=CacheControlHeader(max_age=86400, public=True),
                                        guards=[plain_file_name])
    return [start, show_form, send_form, thanks, static]


__all__ = ["FormKit", "make_form_kit", "web_handlers"]

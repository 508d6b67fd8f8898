"""The families' form (server-rendered HTML, one thing per page, that works without JavaScript)."""

from __future__ import annotations

from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from surveyapp.web.kit import FormKit, make_form_kit
from surveyapp.web.outreach import source_link
from surveyapp.web.paper import paper_form
from surveyapp.web.refusals import FormRefused, refusal_page
from surveyapp.web.render import STATIC_DIR, plain_file_name
from surveyapp.web.routes import check, question, start, thanks, wave_start
from surveyapp.web.sending import save_page, send_form, start_again
from surveyapp.web.staff import staff_router


def web_handlers() -> list[ControllerRouterHandler]:
    """Route handlers of the form: /, /survey/{wave_id} (start, and POST to send), its pages, check page and
    confirmation, starting again, an outreach source's link (/s/{source_id}), the paper questionnaire to print,
    and /static."""
    # Static URLs carry a hash of the files (?v=...), so a day's caching never serves a stale stylesheet.
    static = create_static_files_router(path="/static", directories=[STATIC_DIR], name="form-static",
                                        cache_control=CacheControlHeader(max_age=86400, public=True),
                                        guards=[plain_file_name])
    return [start, wave_start, question, save_page, check, send_form, start_again, thanks, source_link, paper_form,
            static]


__all__ = ["FormKit", "FormRefused", "make_form_kit", "refusal_page", "staff_router", "web_handlers"]

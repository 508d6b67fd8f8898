"""An outreach source's link, `/s/<source id>`: it opens the wave's form and the response records the source.

The link sets a cookie holding the source's id alone (path /survey/<wave>, HttpOnly, SameSite=Lax, for as long
as a draft is kept) and sends the browser on to the wave's start page, so the source never appears in the
family's addresses after that. The first page saved copies it into the draft (`drafts.source_id`); sending
records it on the response if the source is still current. A retired source's link opens the form all the same,
but sets nothing, so its responses are stored without a source.
"""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from surveyapp.domain.services import Services
from surveyapp.store.drafts import DRAFT_DAYS
from surveyapp.web.kit import FormKit, words
from surveyapp.web.messages import ENGLISH
from surveyapp.web.refusals import not_found

SOURCE_COOKIE = "surveyapp_source"


def current_source(services: Services, wave_id: str, source_id: str | None) -> str | None:
    """The source's id if it is one of this wave's sources and not retired, else None (never an error: a family
    is never stopped because a partner's link was retired)."""
    source = services.sources.get(source_id) if source_id else None
    return source.source_id if source is not None and source.wave_id == wave_id and not source.retired else None


@get("/s/{source_id:str}", sync_to_thread=False, include_in_schema=False)
def source_link(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
                source_id: FromPath[str]) -> Response[str]:
    """Open the form of the source's wave, remembering the source on this device (unless it is retired)."""
    source = services.sources.get(source_id)
    if source is None:
        raise not_found(words(form_kit, ENGLISH))
    cookies = [] if source.retired else [Cookie(
        key=SOURCE_COOKIE, value=source.source_id, path=f"/survey/{source.wave_id}", max_age=DRAFT_DAYS * 86400,
        httponly=True, samesite="lax", secure=form_kit.secure_cookies)]
    return Redirect(f"/survey/{source.wave_id}", status_code=303, cookies=cookies,
                    headers={"Cache-Control": "no-store"})

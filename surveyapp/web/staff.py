"""Staff mode's own pages: choose paper or phone (and the paper form's reference), then the families' pages; after
sending, the code to write on a letter back or read out to the caller, and "Enter another".

Every route here is behind `require(("staff", "admin"))`: no token is a 401, another role's a 403. The start
page sets the form's draft cookie, and its POST carries the form's own CSRF token (an HMAC of that cookie's
random id and the wave), exactly as the families' pages do. Staff text is English only.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect

from surveyapp.auth.guards import require
from surveyapp.auth.pages import csrf_field, signed_in_bar
from surveyapp.domain.channels import STAFF_CHANNELS, STAFF_ROLES
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from surveyapp.store.drafts import Draft, Drafts, expiry, utc_naive
from surveyapp.web.answers import posted_text
from surveyapp.web.context import OpenWave, open_wave
from surveyapp.web.errors import FormError
from surveyapp.web.journey import CODE_PAGE
from surveyapp.web.kit import FormKit, draft_cookie, offered, page_url, session_of, words
from surveyapp.web.messages import ENGLISH
from surveyapp.web.refusals import nothing_started
from surveyapp.web.render import page
from surveyapp.web.staffmode import normalise_reference, submission_id_for
from surveyapp.web.tokens import DONE_COOKIE
from waves.model import text_in

OPEN_WAVE = {"opened": Provide(open_wave, sync_to_thread=False)}


def _start_page(form_kit: FormKit, request: Request[Any, Any, Any], wave: Wave, *,
                errors: list[FormError] | None = None, status: int = 200, channel: str = "",
                reference: str = "", lang: str = ENGLISH) -> Response[str]:
    t = words(form_kit, ENGLISH)
    session = session_of(request, form_kit.signer)
    languages = [(code, form_kit.messages[code].meta.name) for code in offered(form_kit, wave)]
    return page("staff_enter.html", t, status=status, cookies=[draft_cookie(form_kit, session)],
                title="Enter a paper form or a phone call", wave=wave, caption=text_in(wave.title, ENGLISH),
                errors=errors or [], channel=channel, reference=reference, lang=lang, languages_offered=languages,
                csrf=form_kit.signer.csrf_token(session.cookie, wave.wave_id), session_csrf=csrf_field(request),
                staff="Staff mode: answers you enter are stored as paper or phone responses",
                bar=signed_in_bar(request))


@get("/staff/{wave_id:str}/enter", sync_to_thread=False, include_in_schema=False, dependencies=OPEN_WAVE)
def staff_enter(form_kit: NamedDependency[FormKit], request: Request[Any, Any, Any],
                opened: NamedDependency[OpenWave]) -> Response[str]:
    """Staff mode's start: paper or phone, the paper form's reference, the version of the form it was."""
    return _start_page(form_kit, request, opened.wave)


def _already_entered(services: Services, wave_id: str, submission_id: str) -> bool:
    from surveyapp.store.frames import submission_stored

    return submission_stored(services.store, wave_id, submission_id)


@post("/survey/{wave_id:str}/staff", include_in_schema=False, dependencies=OPEN_WAVE)
async def staff_start(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
                      drafts: NamedDependency[Drafts], request: Request[Any, Any, Any],
                      opened: NamedDependency[OpenWave]) -> Response[str]:
    """Start a staff draft (replacing this browser's draft of the wave), then the families' first page."""
    wave, t, wave_id = opened.wave, opened.t, opened.wave.wave_id
    data = await request.form()
    session = session_of(request, form_kit.signer)
    if session.fresh or not form_kit.signer.csrf_ok(session.cookie, wave_id, posted_text(data, "csrf")):
        raise nothing_started(t, wave_id)
    channel, typed = posted_text(data, "channel"), posted_text(data, "reference").strip()
    lang = posted_text(data, "lang")
    lang = lang if lang in offered(form_kit, wave) else ENGLISH
    errors: list[FormError] = []
    if channel not in STAFF_CHANNELS:
        errors.append(FormError("channel", "#channel", "Choose whether these answers came on paper or by phone"))
    reference = normalise_reference(typed) if typed else None
    if typed and reference is None:
        errors.append(FormError("reference", "#reference", "Enter the reference as 1 to 20 letters, digits or "
                                                           "hyphens, like 0042"))
    elif channel == "paper" and not typed:
        errors.append(FormError("reference", "#reference", "Enter the reference you wrote in the form's office box, "
                                                           "like 0042"))
    submission_id = submission_id_for(channel, reference) if reference and not errors else None
    if submission_id is not None and _already_entered(services, wave_id, submission_id):
        return _start_page(form_kit, request, wave, status=409, channel=channel, reference=typed,
                           lang=lang, errors=[FormError("reference", "#reference", (
                               f"Form {reference} has already been entered for this survey. Check the reference "
                               "on the form; give a different form a new reference"))])
    if errors:
        return _start_page(form_kit, request, wave, errors=errors, channel=channel, reference=typed,
                           lang=lang, status=400)
    now = services.clock()
    fresh = Draft(wave.wave_id, submission_id or str(uuid.uuid4()), lang, utc_naive(now), expiry(now), CODE_PAGE,
                  channel=channel)
    await asyncio.wrap_future(drafts.change(session.key, wave_id, now, lambda _: fresh))
    return Redirect(page_url(wave, CODE_PAGE, words(form_kit, lang, wave)), status_code=303,
                    cookies=[draft_cookie(form_kit, session)])


@get("/survey/{wave_id:str}/staff/done", sync_to_thread=False, include_in_schema=False)
def staff_done(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
               request: Request[Any, Any, Any], wave_id: FromPath[str]) -> Response[str]:
    """What staff see once a form is stored: what was entered, the return code issued, and "Enter another"."""
    t = words(form_kit, ENGLISH)
    done = form_kit.signer.read_done(request.cookies.get(DONE_COOKIE), services.clock().timestamp())
    if done is None or done.wave_id != wave_id or not done.channel:
        return page("notice.html", t, title="Nothing to show", paragraphs=[
            "The code is shown for 30 minutes after a form is entered, on the browser that entered it."],
            link=(f"/staff/{wave_id}/enter", "Enter a form"), staff="Staff mode",
            bar=signed_in_bar(request))
    what = f"Paper form {done.reference}" if done.reference else (
        "Paper form" if done.channel == "paper" else "Phone answers")
    title = f"{what} already entered: nothing new stored" if done.duplicate else f"{what} entered"
    return page("staff_done.html", t, title=title, done=done, wave_id=wave_id,
                staff=f"Staff mode: {title[:1].lower()}{title[1:]}", bar=signed_in_bar(request))


def staff_router() -> Router:
    """Staff mode's pages, behind the staff or admin token (no token 401, another role's 403)."""
    return Router(path="/", route_handlers=[staff_enter, staff_start, staff_done], guards=[require(STAFF_ROLES)])

"""Sending the form: checks that cost a person nothing, then the service's own validation and store.

In order: the wave must be open; the CSRF token must match this browser's cookie (else 403); the
honeypot must be empty and this form (its submission id) must have been open for the minimum fill time (else
the form comes back, filled in, asking to check and send again). Only then does the answer go to `Services.collect`,
the same validation and writer as the JSON API. Nothing rejected is ever stored. Success redirects
(303) to the confirmation, which reads the code from a signed cookie, so a refresh stores nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from surveyapp.services import Accepted, Services, SubmissionInvalid, SubmissionRejected
from surveyapp.wavestate import Wave
from surveyapp.web.answers import HONEYPOT, RETURN_CODE, Filled, read_form
from surveyapp.web.errors import FormError, form_errors
from surveyapp.web.messages import Messages
from surveyapp.web.render import page
from surveyapp.web.routes import FormKit, FormState, not_available, render_form, responses_wave, words
from surveyapp.web.tokens import CSRF_COOKIE, DONE_COOKIE, DONE_SECONDS, Done


def _refused(t: Messages, wave_id: str) -> Response[str]:
    return page("notice.html", t, status=403, title=t("csrf_title"), paragraphs=[t("csrf_body"), t("csrf_next")],
                link=(f"/survey/{wave_id}?lang={t.lang}", t("back_to_form")))


def _done(services: Services, form_kit: FormKit, wave: Wave, t: Messages, accepted: Accepted) -> Response[str]:
    expires = services.clock().timestamp() + DONE_SECONDS
    value = form_kit.signer.done_cookie(Done(wave.wave_id, accepted.return_code, t.lang, expires))
    path = f"/survey/{wave.wave_id}/thanks"
    cookie = Cookie(key=DONE_COOKIE, value=value, path=path, max_age=DONE_SECONDS, httponly=True,
                    samesite="strict", secure=form_kit.secure_cookies)
    return Redirect(path, status_code=303, cookies=[cookie], headers={"Cache-Control": "no-store"})


async def _collect(services: Services, form_kit: FormKit, wave: Wave, t: Messages, form: FormState,
                   filled: Filled) -> Response[str]:
    submission = filled.submission(submission_id=form.submission_id, lang=t.lang)
    try:
        accepted = await services.collect(wave, submission)
    except SubmissionInvalid as exc:
        errors = form_errors(wave.questionnaire, exc.errors, filled, t)
        return render_form(form_kit, wave, t, form, filled=filled, errors=errors, status=400)
    except SubmissionRejected as exc:
        if exc.errors[0].field == RETURN_CODE:
            errors = form_errors(wave.questionnaire, exc.errors, filled, t,
                                 code_limit=services.settings.max_responses_per_code)
            return render_form(form_kit, wave, t, form, filled=filled, errors=errors, status=400)
        return page("notice.html", t, status=409, title=t("already_sent_title"),
                    paragraphs=[t("already_sent_body"), t("already_sent_new")],
                    link=(f"/survey/{wave.wave_id}?lang={t.lang}", t("start_new_form")))
    return _done(services, form_kit, wave, t, accepted)


@post("/survey/{wave_id:str}", include_in_schema=False)
async def send_form(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
                    request: Request[Any, Any, Any], wave_id: FromPath[str]) -> Response[str]:
    """Store the family's answers, or show the form again saying what to fix; nothing rejected is stored."""
    data = await request.form()
    wave = responses_wave(services, wave_id)
    t = words(form_kit, data.get("lang"), wave.questionnaire.languages if wave else None)
    unavailable = not_available(services, t, wave)
    if unavailable is not None or wave is None:
        return unavailable or _refused(t, wave_id)
    browser_id = request.cookies.get(CSRF_COOKIE) or ""
    if not form_kit.signer.csrf_ok(browser_id, wave_id, data.get("csrf")):
        return _refused(t, wave_id)
    filled = read_form(wave.questionnaire, data)
    form = FormState(browser_id, str(data.get("submission_id") or uuid.uuid4()), str(data.get("started") or ""))
    if filled.honeypot:
        error = FormError(HONEYPOT, HONEYPOT, t("error_honeypot"))
        return render_form(form_kit, wave, t, form, filled=filled, errors=[error], status=400)
    now = services.clock().timestamp()
    started_at = form_kit.signer.started_at(browser_id, form.submission_id, form.started)
    if started_at is None or now - started_at < services.settings.form_min_seconds:
        # A stamp of another form (a reused token with a new submission id) starts a new form; a form sent too
        # soon keeps its id, so sending it again after the check stores it once.
        submission_id = form.submission_id if started_at is not None else str(uuid.uuid4())
        form = replace(form, submission_id=submission_id,
                       started=form_kit.signer.started(browser_id, submission_id, now))
        return render_form(form_kit, wave, t, form, filled=filled, notice=t("too_fast"), status=400)
    return await _collect(services, form_kit, wave, t, form, filled)

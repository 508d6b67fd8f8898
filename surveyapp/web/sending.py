"""Saving a page into the draft, sending the draft, and starting again.

Saving: the wave must be open and the CSRF token must match this browser's draft cookie (else 403); the page's
answer is checked, then written into the draft through the one writer, and the next page (or, after a Change
link, the check page) follows with a 303. A page that starts a new draft takes one from the client's submission
allowance (the rate limiter's bucket): over it, the page says to wait (429) and nothing is saved.

Sending, from the check page: a draft already sent (Back, resend, reload, a double tap) shows the same code again
and stores nothing. The honeypot must be empty and the draft's first page must have been saved at least
SURVEYAPP_FORM_MIN_SECONDS before (else the check page comes back saying the answers were not sent yet, which is
true: nothing was stored). Then the answers go to `Services.collect`, the same validation and writer as the JSON
API, with the draft's own submission id, so a response is stored once. On success the draft's answers are
deleted at once; its submission id and sealed code stay 30 minutes so that sending again shows the same code.

A staff draft (paper or phone, started only by staff mode's guarded route) goes through the same steps, refused
(403) to a request without a staff or admin token, without the minimum fill time, stored with its channel, and
ends on staff's own page with the code, never the family's confirmation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import uuid
from dataclasses import replace
from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect

from surveyapp.domain.services import Services, SubmissionInvalid, SubmissionRejected
from surveyapp.domain.waves import Wave
from surveyapp.settings import Settings
from surveyapp.store.drafts import Draft, Drafts, expiry, utc_naive
from surveyapp.web.answers import HONEYPOT, RETURN_CODE, posted_text, submission_of
from surveyapp.web.context import FormContext, answer_context, posted_context, sending_context
from surveyapp.web.errors import FormError, check_errors, honeypot_error, read_page
from surveyapp.web.journey import CHECK_PAGE, CODE_PAGE, SENT, Page, pages
from surveyapp.web.kit import FormKit, draft_cookie, page_url
from surveyapp.web.messages import Messages
from surveyapp.web.outreach import SOURCE_COOKIE, current_source
from surveyapp.web.refusals import already_sent, no_answers, staff_conflict, wait
from surveyapp.web.routes import render_check, render_page
from surveyapp.web.staffmode import reference_of
from surveyapp.web.tokens import DONE_COOKIE, DONE_SECONDS, Done
from surveyapp.web.view import page_view
from waves.model import PartPostcode


def _saved(draft: Draft | None, wave: Wave, here: Page, kept: Any, code: str | None, form_kit: FormKit,
           now: dt.datetime, lang: str, next_page: str, source: str | None = None,
           child: str | None = None) -> Draft:
    """The draft with this page's answer in it (a new draft from the first page saved); `source`, the outreach
    source whose link this device opened, is kept unless the draft has one (a form for another child, after
    sending, keeps the first one's)."""
    source = (draft.source_id if draft else None) or source
    if draft is None or draft.next_page == SENT:
        draft = Draft(wave.wave_id, str(uuid.uuid4()), lang, utc_naive(now), expiry(now), next_page)
    answers = dict(draft.answers)
    postcode, sealed, sealed_child = draft.postcode, draft.sealed_code, draft.sealed_child
    question = here.question
    if here.slug == CODE_PAGE:
        sealed = form_kit.signer.seal_code(code, wave.wave_id, draft.submission_id) if code else None
        sealed_child = form_kit.signer.seal_child(child, wave.wave_id, draft.submission_id) if child else None
    elif isinstance(question, PartPostcode):
        postcode = kept
    elif question is not None and here.statement is not None:
        chosen = {k: v for k, v in (answers.get(question.id) or {}).items() if k != here.statement.id}
        answers[question.id] = {**chosen, **({here.statement.id: kept} if kept else {})}
    elif question is not None:
        answers.pop(question.id, None)
        if kept:
            answers[question.id] = kept
    return replace(draft, answers=answers, postcode=postcode, sealed_code=sealed, sealed_child=sealed_child,
                   language=lang, next_page=next_page, expires_at=expiry(now), source_id=source)


@post("/survey/{wave_id:str}/q/{slug:str}", include_in_schema=False,
      dependencies={"form": Provide(answer_context)})
async def save_page(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
                    drafts: NamedDependency[Drafts], request: Request[Any, Any, Any],
                    form: NamedDependency[FormContext]) -> Response[str]:
    """Keep this page's answer in the draft and go on; a mistake shows the page again saying how to fix it."""
    wave, t, current, now, index = form.wave, form.t, form.draft, form.now, form.index
    all_pages = pages(wave.questionnaire)
    here, change = all_pages[index], posted_text(form.data, "change") == "1"
    if current is None:
        drafts.purge(now)  # expired drafts go as new ones come (and at start-up)
    answer = read_page(here, form.data, t, services.areas)
    if answer.error:
        view = page_view(here, answer.shown, t, answer.error)
        error = FormError(here.slug, "#" + view.field, answer.error)
        return render_page(form_kit, form, view, change=change, errors=[error], status=400)
    following = all_pages[index + 1].slug if index + 1 < len(all_pages) else CHECK_PAGE
    next_page = CHECK_PAGE if change or (current is not None and current.next_page == CHECK_PAGE) else following
    if current is None and form_kit.limit is not None:  # a new draft costs what a submission does
        seconds = form_kit.limit.take(request.scope)
        if seconds > 0:
            raise wait(t, page_url(wave, here.slug, t, change=change), math.ceil(seconds))
    code = answer.kept if here.slug == CODE_PAGE else None
    source = current_source(services, wave.wave_id, request.cookies.get(SOURCE_COOKIE))
    await asyncio.wrap_future(drafts.change(
        form.session.key, wave.wave_id, now, lambda d: _saved(d, wave, here, answer.kept, code, form_kit, now,
                                                              t.lang, next_page, source, answer.child)))
    target = CHECK_PAGE if change else following
    return Redirect(page_url(wave, target, t), status_code=303, cookies=[draft_cookie(form_kit, form.session)])


def _done(services: Services, form_kit: FormKit, wave: Wave, t: Messages, code: str, draft: Draft,
          duplicate: bool = False) -> Response[str]:
    """To the confirmation, the code in a signed cookie; staff's entries to their own page, which shows it."""
    expires = services.clock().timestamp() + DONE_SECONDS
    value = form_kit.signer.done_cookie(Done(wave.wave_id, code, t.lang, expires, draft.channel or "",
                                             reference_of(draft), duplicate))
    cookie = Cookie(key=DONE_COOKIE, value=value, path=f"/survey/{wave.wave_id}", max_age=DONE_SECONDS,
                    httponly=True, samesite="strict", secure=form_kit.secure_cookies)
    target = "staff/done" if draft.channel else "thanks"
    return Redirect(f"/survey/{wave.wave_id}/{target}", status_code=303, cookies=[cookie],
                    headers={"Cache-Control": "no-store"})


def _sent(draft: Draft, now: dt.datetime) -> Draft:
    """What stays of a sent draft: no answers (nor which child); its submission id and sealed code, for 30
    minutes."""
    return replace(draft, answers={}, postcode=None, sealed_child=None, next_page=SENT,
                   expires_at=utc_naive(now) + dt.timedelta(seconds=DONE_SECONDS))


@post("/survey/{wave_id:str}", include_in_schema=False, dependencies={"form": Provide(sending_context)})
async def send_form(services: NamedDependency[Services], settings: NamedDependency[Settings],
                    form_kit: NamedDependency[FormKit], drafts: NamedDependency[Drafts],
                    form: NamedDependency[FormContext]) -> Response[str]:
    """Store the draft's answers once and show the code; or say what to fix, and store nothing."""
    wave, t, draft, now, wave_id = form.wave, form.t, form.draft, form.now, form.wave.wave_id
    if draft is None:
        raise no_answers(t, wave_id)
    code = form_kit.signer.unseal_code(draft.sealed_code, wave_id, draft.submission_id)
    if draft.next_page == SENT:  # Back and send again, a reload, a double tap: the same code, nothing stored
        return _done(services, form_kit, wave, t, code or services.codes.code_for_submission(
            wave_id, draft.submission_id), draft)
    honeypot = posted_text(form.data, HONEYPOT)
    if honeypot:
        return render_check(form_kit, form, draft, errors=[honeypot_error(t)], status=400, honeypot=honeypot)
    # Staff typing from paper are quick and authenticated: the minimum fill time (against scripts) is not theirs.
    if not draft.channel and (utc_naive(now) - draft.started_at).total_seconds() < settings.form_min_seconds:
        return render_check(form_kit, form, draft, status=400, notice=t(
            "Your answers have not been sent yet. Please check them, then press “Send my answers” again."))
    child = form_kit.signer.unseal_child(draft.sealed_child, wave_id, draft.submission_id)
    submission = submission_of(wave.questionnaire, draft.answers, postcode=draft.postcode, return_code=code,
                               submission_id=draft.submission_id, lang=t.lang, channel=draft.channel or "form",
                               child=child,
                               source=current_source(services, wave_id, draft.source_id))
    change = {p.slug: page_url(wave, p.slug, t, change=True) for p in pages(wave.questionnaire)}
    try:
        accepted = await services.collect(wave, submission)
    except SubmissionInvalid as exc:
        errors = check_errors(wave.questionnaire, exc.errors, t, change)
        return render_check(form_kit, form, draft, errors=errors, status=400)
    except SubmissionRejected as exc:
        if exc.errors[0].field == RETURN_CODE:
            errors = check_errors(wave.questionnaire, exc.errors, t, change,
                                  code_limit=settings.max_responses_per_code)
            return render_check(form_kit, form, draft, errors=errors, status=400)
        if draft.channel:  # a paper form already entered, with other answers: say so, keep the draft to compare
            raise staff_conflict(wave, t, draft, form.bar) from None
        await asyncio.wrap_future(drafts.change(form.session.key, wave_id, now, lambda d: _sent(d or draft, now)))
        raise already_sent(form_kit, wave, t, form.session) from None
    await asyncio.wrap_future(drafts.change(form.session.key, wave_id, now, lambda d: _sent(d or draft, now)))
    return _done(services, form_kit, wave, t, accepted.return_code, draft, accepted.duplicate)


@post("/survey/{wave_id:str}/new", include_in_schema=False, dependencies={"form": Provide(posted_context)})
async def start_again(drafts: NamedDependency[Drafts], form: NamedDependency[FormContext]) -> Response[str]:
    """Delete this device's draft (or what stays of a sent one) and start a new form."""
    await asyncio.wrap_future(drafts.delete(form.session.key, form.wave.wave_id))
    if form.draft is not None and form.draft.channel:  # staff start again from their own page: paper or phone
        return Redirect(f"/staff/{form.wave.wave_id}/enter", status_code=303)
    return Redirect(page_url(form.wave, CODE_PAGE, form.t), status_code=303)

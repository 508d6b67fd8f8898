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
from litestar.datastructures import Cookie, FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from surveyapp.domain.services import Services, SubmissionInvalid, SubmissionRejected
from surveyapp.domain.waves import Wave
from surveyapp.store.drafts import Draft, Drafts, expiry, utc_naive
from surveyapp.web.answers import HONEYPOT, RETURN_CODE, posted_text, submission_of
from surveyapp.web.errors import FormError, check_errors, honeypot_error, read_page
from surveyapp.web.journey import CHECK_PAGE, CODE_PAGE, SENT, Page, find, pages
from surveyapp.web.messages import Messages
from surveyapp.web.outreach import SOURCE_COOKIE, current_source
from surveyapp.web.render import page, with_lang
from surveyapp.web.routes import (
    FormKit,
    Session,
    already_sent,
    draft_cookie,
    not_available,
    page_url,
    render_check,
    render_page,
    responses_wave,
    session_of,
    words,
)
from surveyapp.web.staffmode import banner, reference_of, refused_unless_staff, staff_bar, staff_conflict
from surveyapp.web.tokens import DONE_COOKIE, DONE_SECONDS, Done
from surveyapp.web.view import page_view
from waves.model import PartPostcode


def _refused(t: Messages, wave_id: str) -> Response[str]:
    return page("notice.html", t, status=403, title=t("Your answers could not be saved"),
                paragraphs=[t("Nothing was stored. This can happen when your browser blocks the cookie this form "
                              "needs to keep your answers safe."),
                            t("Please open the form again. If it keeps happening, try another browser.")],
                link=(with_lang(f"/survey/{wave_id}", t.lang), t("Go to the start of the survey")))


async def _posted(services: Services, form_kit: FormKit, request: Request[Any, Any, Any], wave_id: str
                  ) -> tuple[Wave | None, Messages, FormMultiDict, Session, Response[str] | None]:
    """The form, its wave, words and session; or the page refusing it (closed wave, bad CSRF token)."""
    data = await request.form()
    wave = responses_wave(services, wave_id)
    t = words(form_kit, posted_text(data, "lang") or None, wave)
    session = session_of(request, form_kit.signer)
    unavailable = not_available(services, t, wave)
    if unavailable is not None or wave is None:
        return wave, t, data, session, unavailable or _refused(t, wave_id)
    if session.fresh or not form_kit.signer.csrf_ok(session.cookie, wave_id, posted_text(data, "csrf")):
        return wave, t, data, session, _refused(t, wave_id)
    return wave, t, data, session, None


def _wait(t: Messages, back: str, seconds: int) -> Response[str]:
    """Too many new drafts from this client: nothing saved; a plain page (429) saying to wait and try again."""
    return page("notice.html", t, status=429, headers={"Retry-After": str(seconds), "Cache-Control": "no-store"},
                title=t("Please wait a moment"),
                paragraphs=[t("Many forms have been started from this internet connection in the last few minutes, "
                              "so your answer was not saved."),
                            t("Please wait a minute, then go back and press Continue again.")],
                link=(back, t("Back")))


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


@post("/survey/{wave_id:str}/q/{slug:str}", include_in_schema=False)
async def save_page(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
                    request: Request[Any, Any, Any], wave_id: FromPath[str], slug: FromPath[str]) -> Response[str]:
    """Keep this page's answer in the draft and go on; a mistake shows the page again saying how to fix it."""
    wave, t, data, session, refused = await _posted(services, form_kit, request, wave_id)
    if refused is not None or wave is None:
        return refused or _refused(t, wave_id)
    all_pages = pages(wave.questionnaire)
    index = find(all_pages, slug)
    if index is None:
        return _refused(t, wave_id)
    here, change = all_pages[index], posted_text(data, "change") == "1"
    drafts, now = Drafts(services.store), services.clock()
    current = drafts.get(session.key, wave_id, now)
    refused_staff = refused_unless_staff(request, services.settings, current, t)
    if refused_staff is not None:
        return refused_staff
    if current is not None and current.next_page == SENT:
        return already_sent(form_kit, wave, t, session, current, bar=staff_bar(request, current))
    if current is None:
        drafts.purge(now)  # expired drafts go as new ones come (and at start-up)
    answer = read_page(here, data, t, services.areas)
    if answer.error:
        view = page_view(here, answer.shown, t, answer.error)
        error = FormError(here.slug, "#" + view.field, answer.error)
        return render_page(form_kit, wave, t, session, index, view, change=change, errors=[error], status=400,
                           staff=banner(current), bar=staff_bar(request, current))
    following = all_pages[index + 1].slug if index + 1 < len(all_pages) else CHECK_PAGE
    next_page = CHECK_PAGE if change or (current is not None and current.next_page == CHECK_PAGE) else following
    if current is None and form_kit.limit is not None:  # a new draft costs what a submission does
        wait = form_kit.limit.take(request.scope)
        if wait > 0:
            return _wait(t, page_url(wave, here.slug, t, change=change), math.ceil(wait))
    code = answer.kept if here.slug == CODE_PAGE else None
    source = current_source(services, wave_id, request.cookies.get(SOURCE_COOKIE))
    await asyncio.wrap_future(drafts.change(
        session.key, wave_id, now, lambda d: _saved(d, wave, here, answer.kept, code, form_kit, now, t.lang,
                                                    next_page, source, answer.child)))
    target = CHECK_PAGE if change else following
    return Redirect(page_url(wave, target, t), status_code=303, cookies=[draft_cookie(form_kit, session)])


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


@post("/survey/{wave_id:str}", include_in_schema=False)
async def send_form(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
                    request: Request[Any, Any, Any], wave_id: FromPath[str]) -> Response[str]:
    """Store the draft's answers once and show the code; or say what to fix, and store nothing."""
    wave, t, data, session, refused = await _posted(services, form_kit, request, wave_id)
    if refused is not None or wave is None:
        return refused or _refused(t, wave_id)
    drafts, now = Drafts(services.store), services.clock()
    draft = drafts.get(session.key, wave_id, now)
    if draft is None:
        return page("notice.html", t, status=409, title=t("There are no answers to send"),
                    paragraphs=[t("We could not find answers saved on this device. Answers are kept for 7 days "
                                  "after you last changed them. If you sent them already, they are safe with us.")],
                    link=(with_lang(f"/survey/{wave_id}", t.lang), t("Go to the start of the survey")))
    refused_staff = refused_unless_staff(request, services.settings, draft, t)
    if refused_staff is not None:
        return refused_staff
    bar = staff_bar(request, draft)
    code = form_kit.signer.unseal_code(draft.sealed_code, wave_id, draft.submission_id)
    if draft.next_page == SENT:  # Back and send again, a reload, a double tap: the same code, nothing stored
        return _done(services, form_kit, wave, t, code or services.codes.code_for_submission(
            wave_id, draft.submission_id), draft)
    honeypot = posted_text(data, HONEYPOT)
    if honeypot:
        return render_check(services, form_kit, wave, t, session, draft, errors=[honeypot_error(t)], status=400,
                            honeypot=honeypot, bar=bar)
    # Staff typing from paper are quick and authenticated: the minimum fill time (against scripts) is not theirs.
    if not draft.channel and (utc_naive(now) - draft.started_at).total_seconds() < services.settings.form_min_seconds:
        return render_check(services, form_kit, wave, t, session, draft, status=400, bar=bar, notice=t(
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
        return render_check(services, form_kit, wave, t, session, draft, errors=errors, status=400, bar=bar)
    except SubmissionRejected as exc:
        if exc.errors[0].field == RETURN_CODE:
            errors = check_errors(wave.questionnaire, exc.errors, t, change,
                                  code_limit=services.settings.max_responses_per_code)
            return render_check(services, form_kit, wave, t, session, draft, errors=errors, status=400, bar=bar)
        if draft.channel:  # a paper form already entered, with other answers: say so, keep the draft to compare
            return staff_conflict(wave, t, draft, bar)
        await asyncio.wrap_future(drafts.change(session.key, wave_id, now, lambda d: _sent(d or draft, now)))
        return already_sent(form_kit, wave, t, session)
    await asyncio.wrap_future(drafts.change(session.key, wave_id, now, lambda d: _sent(d or draft, now)))
    return _done(services, form_kit, wave, t, accepted.return_code, draft, accepted.duplicate)


@post("/survey/{wave_id:str}/new", include_in_schema=False)
async def start_again(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
                      request: Request[Any, Any, Any], wave_id: FromPath[str]) -> Response[str]:
    """Delete this device's draft (or what stays of a sent one) and start a new form."""
    wave, t, _, session, refused = await _posted(services, form_kit, request, wave_id)
    if refused is not None or wave is None:
        return refused or _refused(t, wave_id)
    drafts = Drafts(services.store)
    current = drafts.get(session.key, wave_id, services.clock())
    await asyncio.wrap_future(drafts.delete(session.key, wave_id))
    if current is not None and current.channel:  # staff start again from their own page: paper or phone first
        return Redirect(f"/staff/{wave_id}/enter", status_code=303)
    return Redirect(page_url(wave, CODE_PAGE, t), status_code=303)

"""The form's context as Litestar dependencies: the wave, the words, this device's draft, staff mode's bar.

Each page's handler declares `form: NamedDependency[FormContext]` and gets a page that may be shown: the
provider has already raised the refusal (`surveyapp.web.refusals.FormRefused`, one exception handler renders it)
when the survey is unknown or not open, a posted page lacks this device's draft cookie or the form's CSRF token,
a staff draft's page is asked for without a staff or admin token, or the draft has been sent. The refusals come
in the order a handler met them before, so the same request gets the same page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from markupsafe import Markup

from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from surveyapp.store.drafts import Draft, Drafts
from surveyapp.web.answers import posted_text
from surveyapp.web.journey import SENT, find, pages
from surveyapp.web.kit import FormKit, Session, responses_wave, session_of, words
from surveyapp.web.messages import ENGLISH, Messages
from surveyapp.web.refusals import already_sent, not_available, not_found, not_saved, staff_only
from surveyapp.web.staffmode import banner, staff_bar, staff_refused

TheServices = NamedDependency[Services]  # the app's dependencies of these names (`surveyapp.app`)
TheKit = NamedDependency[FormKit]
TheDrafts = NamedDependency[Drafts]


@dataclass(frozen=True)
class OpenWave:
    """A wave open for answers, and the words of the page."""

    wave: Wave
    t: Messages


@dataclass(frozen=True)
class FormContext(OpenWave):
    """A page of the form: the open wave and its words (in the draft's language unless the page asked for
    another), this device's draft session and its draft of the wave (None before a page is saved)."""

    session: Session
    draft: Draft | None
    bar: Markup  # staff mode's signed-in bar: empty for a family's draft
    now: dt.datetime  # when the draft was read: a change made to it is made as of then
    index: int = 0  # a question page's place in `pages(wave.questionnaire)`
    data: FormMultiDict = field(default_factory=FormMultiDict)  # what a POST sent

    @property
    def staff(self) -> str:
        """Staff mode's banner ("" for a family's draft)."""
        return banner(self.draft)


def _opened(services: Services, form_kit: FormKit, wave_id: str, lang: str | None) -> OpenWave:
    wave = responses_wave(services, wave_id)
    t = words(form_kit, lang, wave)
    refusal = not_available(services, t, wave)
    if refusal is not None or wave is None:
        raise refusal or not_found(t)
    return OpenWave(wave, t)


def _with_draft(services: Services, form_kit: FormKit, drafts: Drafts, request: Request[Any, Any, Any],
                opened: OpenWave, lang: str | None, index: int = 0) -> FormContext:
    """This device's session and its draft of the wave, the words in the draft's language unless the page was
    asked for in another (`lang`)."""
    session, now, t = session_of(request, form_kit.signer), services.clock(), opened.t
    draft = None if session.fresh else drafts.get(session.key, opened.wave.wave_id, now)
    if lang is None and draft is not None:
        t = words(form_kit, draft.language, opened.wave)
    return FormContext(opened.wave, t, session, draft, staff_bar(request, draft), now, index)


def _answerable(form: FormContext, form_kit: FormKit, request: Request[Any, Any, Any]) -> FormContext:
    """Refused when it is a staff draft and the request is not staff's, or the draft has been sent."""
    if form.draft is not None and staff_refused(request, form.draft):
        raise staff_only(form.t, form.draft)
    if form.draft is not None and form.draft.next_page == SENT:
        raise already_sent(form_kit, form.wave, form.t, form.session, form.draft, bar=form.bar)
    return form


def open_wave(services: TheServices, form_kit: TheKit, wave_id: FromPath[str]) -> OpenWave:
    """Staff mode's pages: the wave open for answers, in English."""
    return _opened(services, form_kit, wave_id, ENGLISH)


def start_context(services: TheServices, form_kit: TheKit, drafts: TheDrafts, request: Request[Any, Any, Any],
                  wave_id: FromPath[str], lang: FromQuery[str | None] = None) -> FormContext:
    """The wave's start page: the wave open, with this device's draft (a staff draft's too)."""
    return _with_draft(services, form_kit, drafts, request, _opened(services, form_kit, wave_id, lang), lang)


def check_context(services: TheServices, form_kit: TheKit, drafts: TheDrafts, request: Request[Any, Any, Any],
                  wave_id: FromPath[str], lang: FromQuery[str | None] = None) -> FormContext:
    """"Check your answers": as the start page, refused for a staff draft or a sent one."""
    return _answerable(start_context(services, form_kit, drafts, request, wave_id, lang), form_kit, request)


def question_context(services: TheServices, form_kit: TheKit, drafts: TheDrafts, request: Request[Any, Any, Any],
                     wave_id: FromPath[str], slug: FromPath[str], lang: FromQuery[str | None] = None) -> FormContext:
    """A question page: the wave open and the page one of its own (404), then as the check page."""
    opened = _opened(services, form_kit, wave_id, lang)
    index = find(pages(opened.wave.questionnaire), slug)
    if index is None:
        raise not_found(opened.t)
    form = _with_draft(services, form_kit, drafts, request, opened, lang, index)
    return _answerable(form, form_kit, request)


async def posted_context(services: TheServices, form_kit: TheKit, drafts: TheDrafts, request: Request[Any, Any, Any],
                         wave_id: FromPath[str]) -> FormContext:
    """A page posted to the form (starting again): the wave open, the form's CSRF token matching this device's
    draft cookie (else 403, nothing stored), the words in the posted language, and the device's draft."""
    data = await request.form()
    wave = responses_wave(services, wave_id)
    t = words(form_kit, posted_text(data, "lang") or None, wave)
    session = session_of(request, form_kit.signer)
    refusal = not_available(services, t, wave)
    if refusal is not None or wave is None:
        raise refusal or not_saved(t, wave_id)
    if session.fresh or not form_kit.signer.csrf_ok(session.cookie, wave_id, posted_text(data, "csrf")):
        raise not_saved(t, wave_id)
    now = services.clock()
    draft = drafts.get(session.key, wave_id, now)
    return FormContext(wave, t, session, draft, staff_bar(request, draft), now, data=data)


async def sending_context(services: TheServices, form_kit: TheKit, drafts: TheDrafts, request: Request[Any, Any, Any],
                          wave_id: FromPath[str]) -> FormContext:
    """Sending from the check page: as any posted page, and refused for a staff draft without staff's token."""
    form = await posted_context(services, form_kit, drafts, request, wave_id)
    if form.draft is not None and staff_refused(request, form.draft):
        raise staff_only(form.t, form.draft)
    return form


async def answer_context(services: TheServices, form_kit: TheKit, drafts: TheDrafts, request: Request[Any, Any, Any],
                         wave_id: FromPath[str], slug: FromPath[str]) -> FormContext:
    """A question page's answer posted: as any posted page, to one of the wave's pages (else 403), and refused
    for a staff draft without staff's token or a sent draft."""
    form = await posted_context(services, form_kit, drafts, request, wave_id)
    index = find(pages(form.wave.questionnaire), slug)
    if index is None:
        raise not_saved(form.t, wave_id)
    return _answerable(replace(form, index=index), form_kit, request)

"""The families' form: the start page, the questionnaire, and the confirmation with the code."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from surveyapp.services import Services
from surveyapp.settings import Settings
from surveyapp.wavestate import Wave
from surveyapp.web.answers import HONEYPOT, Filled
from surveyapp.web.errors import FormError
from surveyapp.web.messages import ENGLISH, Messages, load_messages
from surveyapp.web.render import language_links, long_date, page
from surveyapp.web.tokens import CSRF_COOKIE, DONE_COOKIE, FormSigner, load_form_key
from surveyapp.web.view import sections_view
from waves.model import text_in

CSRF_MAX_AGE = 7 * 86400  # a form left open for days can still be sent


@dataclass(frozen=True)
class FormKit:
    """What the form's handlers share: the signer (its key lives beside the return-code key) and words."""

    signer: FormSigner
    messages: dict[str, Messages]
    secure_cookies: bool


def make_form_kit(settings: Settings) -> FormKit:
    """The form's signer (its key made on first start, beside the return-code key) and its words."""
    key = load_form_key(settings.data_dir / "secrets" / "form.key")
    return FormKit(FormSigner(key), load_messages(), settings.behind_tls)


def words(form_kit: FormKit, lang: str | None, offered: tuple[str, ...] | None = None) -> Messages:
    """The catalogue for the asked language, when the catalogue (and the questionnaire) has it."""
    if lang not in form_kit.messages or (offered is not None and lang not in offered):
        lang = ENGLISH
    return form_kit.messages[lang]


def responses_wave(services: Services, wave_id: str) -> Wave | None:
    """The wave families can answer, or None (unknown, or the baseline's published counts)."""
    wave = services.waves.get(wave_id)
    return wave if wave is not None and wave.kind == "responses" else None


def not_available(services: Services, t: Messages, wave: Wave | None) -> Response[str] | None:
    """A kind page for an unknown (404), not yet open or closed (409) wave; None when it is open."""
    if wave is None:
        return page("notice.html", t, status=404, title=t("not_found_title"), paragraphs=[t("not_found_body")],
                    link=("/", t("start_link")))
    status = wave.status(services.today())
    if status == "scheduled":
        return page("notice.html", t, status=409, title=t("not_open_title"),
                    paragraphs=[t("not_open_body", date=long_date(wave.opens_on))], link=None)
    if status == "closed":
        body = t("closed_body_on", date=long_date(wave.closes_on)) if wave.state is None else t("closed_body")
        return page("notice.html", t, status=409, title=t("closed_title"),
                    paragraphs=[body, t("closed_thanks")], link=("/", t("start_link")))
    return None


@get("/", sync_to_thread=False, include_in_schema=False)
def start(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
          lang: FromQuery[str] = ENGLISH) -> Response[str]:
    """The open waves; straight to the form when only one is open."""
    t = words(form_kit, lang)
    today = services.today()
    waves = [w for w in services.waves.all() if w.kind == "responses"]
    open_now = [(w, text_in(w.title, t.lang)) for w in waves if w.status(today) == "open"]
    if len(open_now) == 1:
        query = f"?lang={t.lang}" if t.lang != ENGLISH else ""
        return Redirect(f"/survey/{open_now[0][0].wave_id}{query}", status_code=303)
    upcoming = [(text_in(w.title, t.lang), long_date(w.opens_on)) for w in waves if w.status(today) == "scheduled"]
    return page("start.html", t, title=t("start_title"), open_now=open_now, upcoming=upcoming, lang=t.lang,
                languages=language_links(form_kit.messages, t.lang, tuple(form_kit.messages), "/"))


@dataclass(frozen=True)
class FormState:
    """The hidden values that travel with one filling-in of the form."""

    browser_id: str  # the CSRF cookie's value
    submission_id: str  # made when the form is shown: sending twice stores once
    started: str  # signed moment the form was shown (with its submission id), for the minimum fill time


def new_form_state(services: Services, form_kit: FormKit, request: Request[Any, Any, Any]) -> FormState:
    """Fresh hidden values; the browser keeps its CSRF cookie when it has a well-formed one."""
    signer = form_kit.signer
    browser_id = request.cookies.get(CSRF_COOKIE) or ""
    if not (20 <= len(browser_id) <= 64 and browser_id.replace("-", "").replace("_", "").isalnum()):
        browser_id = signer.new_browser_id()
    submission_id = str(uuid.uuid4())
    started = signer.started(browser_id, submission_id, services.clock().timestamp())
    return FormState(browser_id, submission_id, started)


def render_form(form_kit: FormKit, wave: Wave, t: Messages, form: FormState, *, filled: Filled | None = None,
                errors: list[FormError] | None = None, notice: str = "", status: int = 200) -> Response[str]:
    """The questionnaire page, empty or filled in again with errors or a notice."""
    questionnaire = wave.questionnaire
    filled, errors = filled or Filled(), errors or []
    cookie = Cookie(key=CSRF_COOKIE, value=form.browser_id, path="/survey", max_age=CSRF_MAX_AGE,
                    httponly=True, samesite="lax", secure=form_kit.secure_cookies)
    # A fresh form may come back from the browser's history with what was typed; a filled one may not.
    headers = {"Cache-Control": "private, no-cache"} if status == 200 else None
    return page("form.html", t, status=status, headers=headers, cookies=[cookie],
                title=text_in(questionnaire.title, t.lang), intro=text_in(questionnaire.intro, t.lang),
                caption=text_in(wave.title, t.lang),
                wave=wave, sections=sections_view(questionnaire, filled, errors, t), errors=errors,
                notice=notice, filled=filled, honeypot_error=any(e.place == HONEYPOT for e in errors),
                csrf=form_kit.signer.csrf_token(form.browser_id, wave.wave_id), form=form,
                error_for={e.place: e.message for e in errors},
                languages=language_links(form_kit.messages, t.lang, questionnaire.languages,
                                         f"/survey/{wave.wave_id}"))


@get("/survey/{wave_id:str}", sync_to_thread=False, include_in_schema=False)
def show_form(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
              request: Request[Any, Any, Any], wave_id: FromPath[str], lang: FromQuery[str] = ENGLISH) -> Response[str]:
    """The questionnaire of an open wave, in the asked language."""
    wave = responses_wave(services, wave_id)
    offered = wave.questionnaire.languages if wave else None
    t = words(form_kit, lang, offered)
    unavailable = not_available(services, t, wave)
    if unavailable is not None or wave is None:
        return unavailable or page("notice.html", t, status=404)
    return render_form(form_kit, wave, t, new_form_state(services, form_kit, request))


@get("/survey/{wave_id:str}/thanks", sync_to_thread=False, include_in_schema=False)
def thanks(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
           request: Request[Any, Any, Any], wave_id: FromPath[str]) -> Response[str]:
    """The confirmation with the return code, read from the signed cookie (never the URL); stores nothing."""
    done = form_kit.signer.read_done(request.cookies.get(DONE_COOKIE), services.clock().timestamp())
    wave = responses_wave(services, wave_id)
    if done is None or done.wave_id != wave_id or wave is None:
        t = words(form_kit, ENGLISH)
        return page("notice.html", t, title=t("thanks_gone_title"), paragraphs=[t("thanks_gone_body")],
                    link=(f"/survey/{wave_id}" if wave else "/", t("back_to_form")))
    t = words(form_kit, done.lang, wave.questionnaire.languages)
    return page("thanks.html", t, title=t("thanks_title"), code=done.code,
                survey=text_in(wave.questionnaire.title, t.lang))

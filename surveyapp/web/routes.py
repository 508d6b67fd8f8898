"""The families' form, one thing per page: the wave's start page, each question, "Check your answers", and the
confirmation. GET handlers are here; saving a page and sending are in sending.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from markupsafe import Markup

from surveyapp.domain.returncodes import load_or_share_key
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from surveyapp.http.ratelimit import ClientLimit
from surveyapp.settings import Settings
from surveyapp.store.drafts import DRAFT_DAYS, Draft, Drafts, draft_key
from surveyapp.web.answers import statement_answer
from surveyapp.web.errors import FormError
from surveyapp.web.journey import CHECK_PAGE, CODE_PAGE, SENT, Page, find, pages
from surveyapp.web.messages import ENGLISH, Messages, load_messages
from surveyapp.web.render import language_links, long_date, page, with_lang
from surveyapp.web.staffmode import NO_BAR, banner, refused_unless_staff, staff_bar
from surveyapp.web.summary import summary
from surveyapp.web.tokens import DONE_COOKIE, DRAFT_COOKIE, FormSigner
from surveyapp.web.view import PageView, page_view
from waves.model import PartPostcode, text_in


@dataclass(frozen=True)
class FormKit:
    """What the form's handlers share: the signer (its key lives beside the return-code key), words, languages."""

    signer: FormSigner
    messages: dict[str, Messages]
    secure_cookies: bool
    languages: tuple[str, ...]  # SURVEYAPP_LANGUAGES
    limit: ClientLimit | None = None  # the submissions' rate limiter, which new drafts count against too


def make_form_kit(settings: Settings, limit: ClientLimit | None = None) -> FormKit:
    """The form's signer (its key made on first start, beside the return-code key), its words, the rate limit."""
    key = load_or_share_key(settings.data_dir / "secrets" / "form.key")
    languages = tuple(lang.strip() for lang in settings.languages.split(",") if lang.strip())
    return FormKit(FormSigner(key), load_messages(), settings.behind_tls, tuple(dict.fromkeys((ENGLISH, *languages))),
                   limit)


def offered(form_kit: FormKit, wave: Wave | None) -> tuple[str, ...]:
    """The languages this form is offered in: in the setting, with a catalogue, and in the questionnaire."""
    have = wave.questionnaire.languages if wave else (ENGLISH,)
    return tuple(lang for lang in form_kit.languages if lang in form_kit.messages and lang in have)


def words(form_kit: FormKit, lang: str | None, wave: Wave | None = None) -> Messages:
    """The catalogue for the asked language, when it is offered; else English."""
    return form_kit.messages[lang if lang in offered(form_kit, wave) else ENGLISH]


def responses_wave(services: Services, wave_id: str) -> Wave | None:
    """The wave families can answer, or None (unknown, or the baseline's published counts)."""
    wave = services.waves.get(wave_id)
    return wave if wave is not None and wave.kind == "responses" else None


def not_available(services: Services, t: Messages, wave: Wave | None) -> Response[str] | None:
    """A kind page for an unknown (404), not yet open or closed (409) wave; None when it is open."""
    if wave is None:
        return page("notice.html", t, status=404, title=t("We cannot find that survey"),
                    paragraphs=[t("Check the web address. The start page shows the surveys that are open now.")],
                    link=("/", t("Go to the start page")))
    status = wave.status(services.today())
    if status == "scheduled":
        return page("notice.html", t, status=409, title=t("This survey is not open yet"),
                    paragraphs=[t("It opens on {date}. Please come back then – we would like to hear from you.",
                                  date=long_date(wave.opens_on))], link=None)
    if status == "closed":
        body = t("It closed on {date}, so it cannot take any more answers.", date=long_date(wave.closes_on)) \
            if wave.state is None else t("It cannot take any more answers.")
        return page("notice.html", t, status=409, title=t("This survey has closed"),
                    paragraphs=[body, t("Thank you to everyone who took part. If a newer survey is open, you will "
                                        "find it on the start page.")], link=("/", t("Go to the start page")))
    return None


@dataclass(frozen=True)
class Session:
    """The browser's draft cookie: a random id (nothing else), and whether it must be set."""

    cookie: str
    fresh: bool

    @property
    def key(self) -> str:
        return draft_key(self.cookie)


def session_of(request: Request[Any, Any, Any], signer: FormSigner) -> Session:
    value = request.cookies.get(DRAFT_COOKIE) or ""
    if 20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum():
        return Session(value, False)
    return Session(signer.new_browser_id(), True)


def draft_cookie(form_kit: FormKit, session: Session) -> Cookie:
    """HttpOnly, SameSite=Lax (a link from an email still finds the draft), only the random id, for DRAFT_DAYS."""
    return Cookie(key=DRAFT_COOKIE, value=session.cookie, path="/survey", max_age=DRAFT_DAYS * 86400,
                  httponly=True, samesite="lax", secure=form_kit.secure_cookies)


def the_draft(services: Services, session: Session, wave: Wave) -> Draft | None:
    return None if session.fresh else Drafts(services.store).get(session.key, wave.wave_id, services.clock())


def page_url(wave: Wave, slug: str, t: Messages, change: bool = False) -> str:
    path = f"/survey/{wave.wave_id}/check" if slug == CHECK_PAGE else f"/survey/{wave.wave_id}/q/{slug}"
    url = with_lang(path, t.lang)
    return url + ("&" if "?" in url else "?") + "change=1" if change else url


def shown_value(form_kit: FormKit, wave: Wave, draft: Draft | None, page_: Page) -> Any:
    """What the draft holds for this page, as the page shows it."""
    if draft is None:
        return None
    question = page_.question
    if question is None:
        return {"code": form_kit.signer.unseal_code(draft.sealed_code, wave.wave_id, draft.submission_id),
                "child": form_kit.signer.unseal_child(draft.sealed_child, wave.wave_id, draft.submission_id)}
    if isinstance(question, PartPostcode):
        return draft.postcode
    if page_.statement is not None:
        return statement_answer(draft.answers, question.id, page_.statement.id)
    return draft.answers.get(question.id)


def already_sent(form_kit: FormKit, wave: Wave, t: Messages, session: Session,
                 draft: Draft | None = None, *, bar: Markup = NO_BAR) -> Response[str]:
    """After sending: the answers are stored once; the code can be seen again, or a new form started (staff: their
    own page, with "Enter another")."""
    if draft is not None and draft.channel:
        return page("staff_sent.html", t, status=409, title="This form has been entered", wave=wave,
                    staff=banner(draft), bar=bar)
    return page("sent.html", t, status=409, title=t("You have already sent your answers"), wave=wave,
                csrf=form_kit.signer.csrf_token(session.cookie, wave.wave_id))


def render_page(form_kit: FormKit, wave: Wave, t: Messages, session: Session, index: int, view: PageView, *,
                change: bool, errors: list[FormError] | None = None, status: int = 200, staff: str = "",
                bar: Markup = NO_BAR) -> Response[str]:
    """One question page, empty, with the draft's answer, or with what was posted and an error."""
    all_pages = pages(wave.questionnaire)
    here = all_pages[index]
    back = page_url(wave, CHECK_PAGE, t) if change else (
        page_url(wave, all_pages[index - 1].slug, t) if index else with_lang(f"/survey/{wave.wave_id}", t.lang))
    return page("question.html", t, status=status, headers={"Cache-Control": "no-store"},
                cookies=[draft_cookie(form_kit, session)], title=view.heading, view=view, errors=errors or [],
                action=f"/survey/{wave.wave_id}/q/{here.slug}", back=back, change=change, staff=staff, bar=bar,
                csrf=form_kit.signer.csrf_token(session.cookie, wave.wave_id),
                languages=language_links(form_kit.messages, t.lang, offered(form_kit, wave),
                                         f"/survey/{wave.wave_id}/q/{here.slug}"))


def _open(services: Services, form_kit: FormKit, wave_id: str,
          lang: str | None) -> tuple[Wave | None, Messages, Response[str] | None]:
    wave = responses_wave(services, wave_id)
    t = words(form_kit, lang, wave)
    return wave, t, not_available(services, t, wave)


def _draft_in_its_language(services: Services, form_kit: FormKit, request: Request[Any, Any, Any], wave: Wave,
                           lang: str | None, t: Messages) -> tuple[Session, Draft | None, Messages]:
    """This device's session, its draft of `wave` (or None), and the words in the draft's language unless the
    page was asked for in another (`lang`)."""
    session = session_of(request, form_kit.signer)
    draft = the_draft(services, session, wave)
    if lang is None and draft is not None:
        t = words(form_kit, draft.language, wave)
    return session, draft, t


@get("/", sync_to_thread=False, include_in_schema=False)
def start(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
          lang: FromQuery[str] = ENGLISH) -> Response[str]:
    """The open waves; straight to the survey's start page when only one is open."""
    t = form_kit.messages[lang if lang in form_kit.languages and lang in form_kit.messages else ENGLISH]
    today = services.today()
    waves = [w for w in services.waves.all() if w.kind == "responses"]
    open_now = [(w, text_in(w.title, t.lang)) for w in waves if w.status(today) == "open"]
    if len(open_now) == 1:
        return Redirect(with_lang(f"/survey/{open_now[0][0].wave_id}", t.lang), status_code=303)
    upcoming = [(text_in(w.title, t.lang), long_date(w.opens_on)) for w in waves if w.status(today) == "scheduled"]
    return page("start.html", t, title=t("Surveys open now"), open_now=open_now, upcoming=upcoming,
                languages=language_links(form_kit.messages, t.lang, form_kit.languages, "/"))


@get("/survey/{wave_id:str}", sync_to_thread=False, include_in_schema=False)
def wave_start(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
               request: Request[Any, Any, Any], wave_id: FromPath[str], lang: FromQuery[str | None] = None
               ) -> Response[str]:
    """What the survey is, how long it takes and what happens to the answers; continue a saved draft."""
    wave, t, unavailable = _open(services, form_kit, wave_id, lang)
    if unavailable is not None or wave is None:
        return unavailable or page("notice.html", t, status=404)
    session, draft, t = _draft_in_its_language(services, form_kit, request, wave, lang, t)
    resume = None
    if draft is not None and draft.next_page != SENT:
        resume = (page_url(wave, draft.next_page, t), long_date(draft.expires_at.date()))
    questionnaire = wave.questionnaire
    return page("wave_start.html", t, headers={"Cache-Control": "no-store"}, cookies=[draft_cookie(form_kit, session)],
                title=text_in(questionnaire.title, t.lang), caption=text_in(wave.title, t.lang),
                intro=text_in(questionnaire.intro, t.lang), wave=wave, resume=resume, days=DRAFT_DAYS,
                staff=banner(draft), bar=staff_bar(request, draft),
                first=page_url(wave, CODE_PAGE, t), count=len(pages(questionnaire)),
                csrf=form_kit.signer.csrf_token(session.cookie, wave.wave_id),
                languages=language_links(form_kit.messages, t.lang, offered(form_kit, wave), f"/survey/{wave_id}"))


@get("/survey/{wave_id:str}/q/{slug:str}", sync_to_thread=False, include_in_schema=False)
def question(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
             request: Request[Any, Any, Any], wave_id: FromPath[str], slug: FromPath[str],
             lang: FromQuery[str | None] = None, change: FromQuery[str] = "") -> Response[str]:
    """One question page, with the draft's answer chosen."""
    wave, t, unavailable = _open(services, form_kit, wave_id, lang)
    if unavailable is not None or wave is None:
        return unavailable or page("notice.html", t, status=404)
    index = find(pages(wave.questionnaire), slug)
    if index is None:
        return not_available(services, t, None) or page("notice.html", t, status=404)
    session, draft, t = _draft_in_its_language(services, form_kit, request, wave, lang, t)
    refused = refused_unless_staff(request, services.settings, draft, t)
    if refused is not None:
        return refused
    if draft is not None and draft.next_page == SENT:
        return already_sent(form_kit, wave, t, session, draft, bar=staff_bar(request, draft))
    here = pages(wave.questionnaire)[index]
    view = page_view(here, shown_value(form_kit, wave, draft, here), t)
    return render_page(form_kit, wave, t, session, index, view, change=change == "1", staff=banner(draft),
                       bar=staff_bar(request, draft))


def render_check(services: Services, form_kit: FormKit, wave: Wave, t: Messages, session: Session, draft: Draft, *,
                 errors: list[FormError] | None = None, notice: str = "", status: int = 200,
                 honeypot: str = "", bar: Markup = NO_BAR) -> Response[str]:
    """"Check your answers": every page's answer with a Change link, then Send."""
    code = form_kit.signer.unseal_code(draft.sealed_code, wave.wave_id, draft.submission_id)
    child = form_kit.signer.unseal_child(draft.sealed_child, wave.wave_id, draft.submission_id)
    here = f"/survey/{wave.wave_id}/"  # the Change links are relative to the check page: shorter, the same place
    groups = summary(wave, draft, code, t, lambda slug: page_url(wave, slug, t, change=True).removeprefix(here),
                     child=child)
    return page("check.html", t, status=status, headers={"Cache-Control": "no-store"},
                cookies=[draft_cookie(form_kit, session)], title=t("Check your answers before sending them"),
                groups=groups, errors=errors or [], notice=notice, wave=wave, honeypot=honeypot,
                staff=banner(draft), bar=bar,
                back=page_url(wave, pages(wave.questionnaire)[-1].slug, t),
                csrf=form_kit.signer.csrf_token(session.cookie, wave.wave_id),
                languages=language_links(form_kit.messages, t.lang, offered(form_kit, wave),
                                         f"/survey/{wave.wave_id}/check"))


@get("/survey/{wave_id:str}/check", sync_to_thread=False, include_in_schema=False)
def check(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
          request: Request[Any, Any, Any], wave_id: FromPath[str], lang: FromQuery[str | None] = None
          ) -> Response[str]:
    """The answers so far, each with a Change link; sending happens from here."""
    wave, t, unavailable = _open(services, form_kit, wave_id, lang)
    if unavailable is not None or wave is None:
        return unavailable or page("notice.html", t, status=404)
    session, draft, t = _draft_in_its_language(services, form_kit, request, wave, lang, t)
    if draft is None:
        return Redirect(with_lang(f"/survey/{wave_id}", t.lang), status_code=303)
    refused = refused_unless_staff(request, services.settings, draft, t)
    if refused is not None:
        return refused
    if draft.next_page == SENT:
        return already_sent(form_kit, wave, t, session, draft, bar=staff_bar(request, draft))
    return render_check(services, form_kit, wave, t, session, draft, bar=staff_bar(request, draft))


@get("/survey/{wave_id:str}/thanks", sync_to_thread=False, include_in_schema=False)
def thanks(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
           request: Request[Any, Any, Any], wave_id: FromPath[str]) -> Response[str]:
    """The confirmation with the return code, read from the signed cookie (never the URL); stores nothing."""
    done = form_kit.signer.read_done(request.cookies.get(DONE_COOKIE), services.clock().timestamp())
    wave = responses_wave(services, wave_id)
    if done is None or done.wave_id != wave_id or wave is None:
        t = words(form_kit, ENGLISH)
        return page("notice.html", t, title=t("Your code is no longer shown"),
                    paragraphs=[t("To keep it private, your code is shown only for 30 minutes after you send your "
                                  "answers. If you sent them, they are safe with us.")],
                    link=(f"/survey/{wave_id}" if wave else "/", t("Go to the start of the survey")))
    if done.channel:  # staff entered it: their own page with the code, never the family's confirmation
        return Redirect(f"/survey/{wave_id}/staff/done", status_code=303)
    t = words(form_kit, done.lang, wave)
    session = session_of(request, form_kit.signer)  # "Start a new form" (another child) needs this device's draft id
    return page("thanks.html", t, title=t("Thank you – your answers have been sent"), code=done.code,
                survey=text_in(wave.questionnaire.title, t.lang), wave=wave,
                csrf="" if session.fresh else form_kit.signer.csrf_token(session.cookie, wave.wave_id))

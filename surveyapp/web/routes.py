"""The families' form, one thing per page: the wave's start page, each question, "Check your answers", and the
confirmation. GET handlers are here; saving a page and sending are in sending.py. Each page's context (the
wave, the words, this device's draft) is a dependency (`surveyapp.web.context`), which refuses what cannot be
shown before the handler runs.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from surveyapp.domain.services import Services
from surveyapp.findings.kit import FindingsKit
from surveyapp.findings.source import latest
from surveyapp.store.drafts import DRAFT_DAYS, Draft
from surveyapp.web.answers import statement_answer
from surveyapp.web.context import FormContext, check_context, question_context, start_context
from surveyapp.web.errors import FormError
from surveyapp.web.journey import CHECK_PAGE, CODE_PAGE, SENT, Page, pages
from surveyapp.web.kit import FormKit, draft_cookie, offered, page_url, responses_wave, session_of, words
from surveyapp.web.messages import ENGLISH, Messages
from surveyapp.web.render import language_links, long_date, page, with_lang
from surveyapp.web.summary import summary
from surveyapp.web.tokens import DONE_COOKIE
from surveyapp.web.view import PageView, page_view
from waves.model import PartPostcode, text_in


def shown_value(form_kit: FormKit, form: FormContext, page_: Page) -> Any:
    """What the draft holds for this page, as the page shows it."""
    draft, wave_id = form.draft, form.wave.wave_id
    if draft is None:
        return None
    question = page_.question
    if question is None:
        return {"code": form_kit.signer.unseal_code(draft.sealed_code, wave_id, draft.submission_id),
                "child": form_kit.signer.unseal_child(draft.sealed_child, wave_id, draft.submission_id)}
    if isinstance(question, PartPostcode):
        return draft.postcode
    if page_.statement is not None:
        return statement_answer(draft.answers, question.id, page_.statement.id)
    return draft.answers.get(question.id)


def render_page(form_kit: FormKit, form: FormContext, view: PageView, *, change: bool,
                errors: list[FormError] | None = None, status: int = 200) -> Response[str]:
    """One question page, empty, with the draft's answer, or with what was posted and an error."""
    wave, t, index = form.wave, form.t, form.index
    all_pages = pages(wave.questionnaire)
    here = all_pages[index]
    back = page_url(wave, CHECK_PAGE, t) if change else (
        page_url(wave, all_pages[index - 1].slug, t) if index else with_lang(f"/survey/{wave.wave_id}", t.lang))
    return page("question.html", t, status=status, headers={"Cache-Control": "no-store"},
                cookies=[draft_cookie(form_kit, form.session)], title=view.heading, view=view, errors=errors or [],
                action=f"/survey/{wave.wave_id}/q/{here.slug}", back=back, change=change, staff=form.staff,
                bar=form.bar, csrf=form_kit.signer.csrf_token(form.session.cookie, wave.wave_id),
                languages=language_links(form_kit.messages, t.lang, offered(form_kit, wave),
                                         f"/survey/{wave.wave_id}/q/{here.slug}"))


def render_check(form_kit: FormKit, form: FormContext, draft: Draft, *, errors: list[FormError] | None = None,
                 notice: str = "", status: int = 200, honeypot: str = "") -> Response[str]:
    """"Check your answers": every page's answer with a Change link, then Send."""
    wave, t = form.wave, form.t
    code = form_kit.signer.unseal_code(draft.sealed_code, wave.wave_id, draft.submission_id)
    child = form_kit.signer.unseal_child(draft.sealed_child, wave.wave_id, draft.submission_id)
    here = f"/survey/{wave.wave_id}/"  # the Change links are relative to the check page: shorter, the same place
    groups = summary(wave, draft, code, t, lambda slug: page_url(wave, slug, t, change=True).removeprefix(here),
                     child=child)
    return page("check.html", t, status=status, headers={"Cache-Control": "no-store"},
                cookies=[draft_cookie(form_kit, form.session)], title=t("Check your answers before sending them"),
                groups=groups, errors=errors or [], notice=notice, wave=wave, honeypot=honeypot,
                staff=form.staff, bar=form.bar,
                back=page_url(wave, pages(wave.questionnaire)[-1].slug, t),
                csrf=form_kit.signer.csrf_token(form.session.cookie, wave.wave_id),
                languages=language_links(form_kit.messages, t.lang, offered(form_kit, wave),
                                         f"/survey/{wave.wave_id}/check"))


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


@get("/survey/{wave_id:str}", sync_to_thread=False, include_in_schema=False,
     dependencies={"form": Provide(start_context, sync_to_thread=False)})
def wave_start(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
               findings: NamedDependency[FindingsKit], form: NamedDependency[FormContext]) -> Response[str]:
    """What the survey is, how long it takes and what happens to the answers; continue a saved draft; what
    families said last time, once a release of an earlier wave is published."""
    wave, t, draft = form.wave, form.t, form.draft
    resume = None
    if draft is not None and draft.next_page != SENT:
        resume = (page_url(wave, draft.next_page, t), long_date(draft.expires_at.date()))
    questionnaire = wave.questionnaire
    return page("wave_start.html", t, headers={"Cache-Control": "no-store"},
                cookies=[draft_cookie(form_kit, form.session)], title=text_in(questionnaire.title, t.lang),
                caption=text_in(wave.title, t.lang), intro=text_in(questionnaire.intro, t.lang), wave=wave,
                resume=resume, days=DRAFT_DAYS, staff=form.staff, bar=form.bar,
                findings=findings_link(services, findings, t, other_than_wave=wave.wave_id),
                first=page_url(wave, CODE_PAGE, t), count=len(pages(questionnaire)),
                csrf=form_kit.signer.csrf_token(form.session.cookie, wave.wave_id),
                languages=language_links(form_kit.messages, t.lang, offered(form_kit, wave),
                                         f"/survey/{wave.wave_id}"))


@get("/survey/{wave_id:str}/q/{slug:str}", sync_to_thread=False, include_in_schema=False,
     dependencies={"form": Provide(question_context, sync_to_thread=False)})
def question(form_kit: NamedDependency[FormKit], form: NamedDependency[FormContext],
             change: FromQuery[str] = "") -> Response[str]:
    """One question page, with the draft's answer chosen."""
    here = pages(form.wave.questionnaire)[form.index]
    view = page_view(here, shown_value(form_kit, form, here), form.t)
    return render_page(form_kit, form, view, change=change == "1")


@get("/survey/{wave_id:str}/check", sync_to_thread=False, include_in_schema=False,
     dependencies={"form": Provide(check_context, sync_to_thread=False)})
def check(form_kit: NamedDependency[FormKit], form: NamedDependency[FormContext]) -> Response[str]:
    """The answers so far, each with a Change link; sending happens from here."""
    if form.draft is None:
        return Redirect(with_lang(f"/survey/{form.wave.wave_id}", form.t.lang), status_code=303)
    return render_check(form_kit, form, form.draft)


def findings_link(services: Services, findings: FindingsKit, t: Messages, *, other_than_wave: str | None = None
                  ) -> str:
    """The newest published release's findings page in the page's language, or "" while none is published."""
    release = latest(findings.reader, services, other_than_wave=other_than_wave)
    return with_lang(f"/findings/{release.release_id}", t.lang) if release is not None else ""


@get("/survey/{wave_id:str}/thanks", sync_to_thread=False, include_in_schema=False)
def thanks(services: NamedDependency[Services], form_kit: NamedDependency[FormKit],
           findings: NamedDependency[FindingsKit], request: Request[Any, Any, Any], wave_id: FromPath[str]
           ) -> Response[str]:
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
                findings=findings_link(services, findings, t),
                csrf="" if session.fresh else form_kit.signer.csrf_token(session.cookie, wave.wave_id))

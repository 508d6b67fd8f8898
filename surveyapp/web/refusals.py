"""The form's refusals: a page shown instead of the one asked for, raised where the refusal is found (the form's
context, `surveyapp.web.context`, or a handler) and rendered by one exception handler, `refusal_page`.

An unknown survey is a 404; one not yet open, closed, or already sent from this device a 409; a page posted
without this device's draft cookie or the form's CSRF token, or a staff draft's page without a staff or admin
token, a 403; too many new drafts from one connection a 429. Each page says what happened and where to go next,
in the family's language (staff's pages in English).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from markupsafe import Markup

from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from surveyapp.store.drafts import Draft
from surveyapp.web.kit import FormKit, Session
from surveyapp.web.messages import Messages
from surveyapp.web.render import long_date, page, with_lang
from surveyapp.web.staffmode import NO_BAR, banner, reference_of


class FormRefused(Exception):
    """A page of the form shown instead of the one asked for: its template, words, status and what it shows."""

    def __init__(self, template: str, t: Messages, *, status: int, headers: dict[str, str] | None = None,
                 **context: Any) -> None:
        super().__init__(f"{status}: {template}")
        self.template, self.t, self.status, self.headers, self.context = template, t, status, headers, context


def refusal_page(_: Request[Any, Any, Any], exc: FormRefused) -> Response[str]:
    """The one exception handler of the form's refusals."""
    return page(exc.template, exc.t, status=exc.status, headers=exc.headers, **exc.context)


def not_found(t: Messages) -> FormRefused:
    """An unknown survey (or an outreach source's link to none): 404."""
    return FormRefused("notice.html", t, status=404, title=t("We cannot find that survey"),
                       paragraphs=[t("Check the web address. The start page shows the surveys that are open now.")],
                       link=("/", t("Go to the start page")))


def not_available(services: Services, t: Messages, wave: Wave | None) -> FormRefused | None:
    """A kind page for an unknown (404), not yet open or closed (409) wave; None when it is open."""
    if wave is None:
        return not_found(t)
    status = wave.status(services.today())
    if status == "scheduled":
        return FormRefused("notice.html", t, status=409, title=t("This survey is not open yet"), paragraphs=[
            t("It opens on {date}. Please come back then – we would like to hear from you.",
              date=long_date(wave.opens_on))], link=None)
    if status == "closed":
        body = t("It closed on {date}, so it cannot take any more answers.", date=long_date(wave.closes_on)) \
            if wave.state is None else t("It cannot take any more answers.")
        return FormRefused("notice.html", t, status=409, title=t("This survey has closed"),
                           paragraphs=[body, t("Thank you to everyone who took part. If a newer survey is open, you "
                                               "will find it on the start page.")],
                           link=("/", t("Go to the start page")))
    return None


def not_saved(t: Messages, wave_id: str) -> FormRefused:
    """A page posted without this device's draft cookie or the form's CSRF token (or to no page): 403."""
    return FormRefused("notice.html", t, status=403, title=t("Your answers could not be saved"),
                       paragraphs=[t("Nothing was stored. This can happen when your browser blocks the cookie this "
                                     "form needs to keep your answers safe."),
                                   t("Please open the form again. If it keeps happening, try another browser.")],
                       link=(with_lang(f"/survey/{wave_id}", t.lang), t("Go to the start of the survey")))


def wait(t: Messages, back: str, seconds: int) -> FormRefused:
    """Too many new drafts from this client: nothing saved; a plain page (429) saying to wait and try again."""
    return FormRefused("notice.html", t, status=429,
                       headers={"Retry-After": str(seconds), "Cache-Control": "no-store"},
                       title=t("Please wait a moment"),
                       paragraphs=[t("Many forms have been started from this internet connection in the last few "
                                     "minutes, so your answer was not saved."),
                                   t("Please wait a minute, then go back and press Continue again.")],
                       link=(back, t("Back")))


def no_answers(t: Messages, wave_id: str) -> FormRefused:
    """Sending from a device that holds no draft of the wave: 409, nothing stored."""
    return FormRefused("notice.html", t, status=409, title=t("There are no answers to send"),
                       paragraphs=[t("We could not find answers saved on this device. Answers are kept for 7 days "
                                     "after you last changed them. If you sent them already, they are safe with us.")],
                       link=(with_lang(f"/survey/{wave_id}", t.lang), t("Go to the start of the survey")))


def already_sent(form_kit: FormKit, wave: Wave, t: Messages, session: Session,
                 draft: Draft | None = None, *, bar: Markup = NO_BAR) -> FormRefused:
    """After sending: the answers are stored once; the code can be seen again, or a new form started (staff: their
    own page, with "Enter another")."""
    if draft is not None and draft.channel:
        return FormRefused("staff_sent.html", t, status=409, title="This form has been entered", wave=wave,
                           staff=banner(draft), bar=bar)
    return FormRefused("sent.html", t, status=409, title=t("You have already sent your answers"), wave=wave,
                       csrf=form_kit.signer.csrf_token(session.cookie, wave.wave_id))


def staff_only(t: Messages, draft: Draft) -> FormRefused:
    """A staff draft's page asked for without a staff or admin token: 403, nothing changed."""
    return FormRefused("notice.html", t, status=403, title="These answers are being entered by staff",
                       paragraphs=["This form was started in staff mode, which needs the staff or admin token. "
                                   "Nothing was changed.", "Sign in as staff, or start the survey afresh."],
                       link=(f"/survey/{draft.wave_id}", "Go to the start of the survey"))


def staff_conflict(wave: Wave, t: Messages, draft: Draft, bar: Markup) -> FormRefused:
    """Staff sent a form whose reference was stored already with other answers: nothing stored (409)."""
    reference = reference_of(draft)
    return FormRefused("notice.html", t, status=409, title=f"Form {reference} has already been entered",
                       staff=banner(draft), bar=bar, paragraphs=[
                           f"A form with the reference {reference} was entered before, with different answers. "
                           "Nothing was stored this time, and the answers you typed are kept on this device.",
                           "If this is another form, give it a new reference and enter it again. If it is the same "
                           "form, the answers entered first are kept; tell the survey team if they need correcting."],
                       link=(f"/staff/{wave.wave_id}/enter", "Enter another form"))


def nothing_started(t: Messages, wave_id: str) -> FormRefused:
    """Staff mode's start posted without this browser's draft cookie or the form's CSRF token: 403."""
    return FormRefused("notice.html", t, status=403, title="Nothing was started",
                       paragraphs=["The page had expired or this browser blocked its cookie. Open the staff page "
                                   "again and start once more."], link=(f"/staff/{wave_id}/enter", "Start again"))

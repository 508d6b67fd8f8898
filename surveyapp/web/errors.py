"""Checks of one page's answer, and the service's field errors placed on the "Check your answers" page.

A page's answer is checked as it is saved, with a message saying how to fix it in the family's language. The
service checks the whole response again when it is sent (the same validation as the JSON API); anything it
finds is shown on the check page, linked to the page that changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.datastructures import FormMultiDict

from surveyapp.domain.returncodes import CHILDREN, RESERVED, ReturnCodeError, normalise
from surveyapp.domain.submission import FieldError
from surveyapp.web.answers import (
    CHILD,
    HONEYPOT,
    NOT_APPLICABLE,
    RETURN_CODE,
    posted_choices,
    posted_text,
    statement_field,
)
from surveyapp.web.journey import CODE_PAGE, Page
from surveyapp.web.messages import Messages
from waves.areas.pack import AreaPack, PostcodeError
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, Questionnaire, SingleChoice, text_in

SEND_BUTTON = "send"


@dataclass(frozen=True)
class FormError:
    place: str  # a page's slug, "leave_empty" or "form"
    target: str  # what the summary links to: "#<element id>" or a page's address
    message: str


@dataclass(frozen=True)
class PageAnswer:
    shown: Any  # what the page shows again (as typed)
    kept: Any  # what the draft keeps: None for not answered; a postcode cut to its outward code
    error: str = ""
    child: str | None = None  # the code page: which child the form is about (returncodes.CHILDREN), or None


def _code(typed: str, t: Messages) -> PageAnswer:
    if not typed.strip():
        return PageAnswer("", None)
    try:
        return PageAnswer(typed, normalise(typed))
    except ReturnCodeError:
        example = next(iter(RESERVED))
        folded = " ".join(typed.upper().replace("-", " ").split())
        if folded == example.replace("-", " "):
            return PageAnswer(typed, None, t("{code} is only the example. Type the code you were given, or leave "
                                             "the box empty", code=example))
        return PageAnswer(typed, None, t("Enter your code as it was given to you, like {code}, or leave the box "
                                         "empty", code=example))


def read_page(page: Page, form: FormMultiDict, t: Messages, areas: AreaPack) -> PageAnswer:
    """The page's posted answer, checked; an error message says how to fix it."""
    question = page.question
    if page.slug == CODE_PAGE or question is None:
        child = posted_text(form, CHILD) or None
        answer = _code(posted_text(form, RETURN_CODE), t)
        if child is not None and child not in CHILDREN:
            return PageAnswer({"code": answer.shown, "child": None}, None,
                              answer.error or t("Select one of the answers listed"))
        return PageAnswer({"code": answer.shown, "child": child}, answer.kept, answer.error, child)
    if isinstance(question, Likert):
        chosen = posted_text(form, page.slug)
        allowed = [a.id for a in question.answers] + [NOT_APPLICABLE]
        error = "" if not chosen or chosen in allowed else t("Select one of the answers for this statement")
        return PageAnswer(chosen, chosen or None if not error else None, error)
    if isinstance(question, SingleChoice):
        chosen = posted_text(form, question.id)
        ok = not chosen or chosen in [o.id for o in question.options]
        return PageAnswer(chosen, chosen or None, "" if ok else t("Select one of the answers listed"))
    if isinstance(question, MultipleChoice):
        ticked = list(dict.fromkeys(posted_choices(form, question.id)))
        if any(v not in [o.id for o in question.options] for v in ticked):
            return PageAnswer(ticked, None, t("Select only answers listed"))
        if question.exclusive in ticked and len(ticked) > 1:
            none = next(o for o in question.options if o.id == question.exclusive)
            return PageAnswer(ticked, None, t("Select “{none}” on its own, or untick it to keep your other answers",
                                              none=text_in(none.text, t.lang)))
        return PageAnswer(ticked, ticked or None)
    if isinstance(question, FreeText):
        typed = posted_text(form, question.id)
        if "\x00" in typed:
            return PageAnswer(typed.replace("\x00", ""), None,
                              t("Your answer has a character we cannot keep. Remove it and try again"))
        if len(typed.strip()) > question.max_length:
            return PageAnswer(typed, None, t("Your answer must be {max} characters or fewer. It has {count} now",
                                             max=f"{question.max_length:,}", count=f"{len(typed.strip()):,}"))
        return PageAnswer(typed, typed.strip() or None)
    assert isinstance(question, PartPostcode)
    typed = posted_text(form, question.id)
    try:
        placed = areas.place(typed)
    except PostcodeError:
        return PageAnswer(typed, None, t("Enter the first half of your postcode, like CT1 or ME14, or leave the box "
                                         "empty"))
    return PageAnswer(placed.postcode_district or "", placed.postcode_district)


def check_errors(questionnaire: Questionnaire, errors: list[FieldError], t: Messages, change: dict[str, str], *,
                 code_limit: int = 0) -> list[FormError]:
    """The service's field errors as check-page errors, each linked to the page that fixes it."""
    found: dict[str, FormError] = {}
    likert = questionnaire.likert()
    for error in errors:
        path = error.field.removeprefix("answers.")
        place, message = "form", t("Something went wrong with the form. Check your answers and send them again")
        if error.field == CHILD:
            place, message = CODE_PAGE, t("Select one of the answers listed")
        elif error.field == RETURN_CODE:
            place = CODE_PAGE
            message = t("This code has already been used {limit} times in this survey. Change it, or remove it to "
                        "send your answers without it", limit=code_limit) if code_limit else \
                t("Enter your code as it was given to you, or leave the box empty")
        elif likert is not None and path == likert.id:
            place = statement_field(likert.id, likert.statements[0].id)
            message = t("Answer at least one statement in question 7. “Don't know” counts as an answer")
        elif error.field.startswith("answers."):
            question_id, _, statement_id = path.partition(".")
            place = statement_field(question_id, statement_id) if statement_id else question_id
            message = t("Check this answer and choose again")
        elif error.field == "postcode":
            place = next((q.id for q in questionnaire.questions if isinstance(q, PartPostcode)), "postcode")
            message = t("Enter the first half of your postcode, like CT1 or ME14, or leave the box empty")
        found.setdefault(place, FormError(place, change.get(place, "#" + SEND_BUTTON), message))
    return list(found.values())


def honeypot_error(t: Messages) -> FormError:
    return FormError(HONEYPOT, "#" + HONEYPOT, t("Leave this box empty, then send your answers again"))

"""Turn the service's field errors into the form's: a friendly message, placed at the field it is about.

The service names fields like `answers.q7.local_offer_useful`, `answers.health_services` or `postcode`
and explains them for programmers; families get a catalogue message saying how to fix it, in their
language, and a link to the input (the first radio or checkbox of the question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from surveyapp.submission import FieldError
from surveyapp.web.answers import HONEYPOT, RETURN_CODE, Filled, layout, statement_field
from surveyapp.web.messages import Messages
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, Question, Questionnaire, text_in

SEND_BUTTON = "send"
_NUMBER = re.compile(r"^\s*(\d+[a-z]?)\.\s")


@dataclass(frozen=True)
class FormError:
    place: str  # the question id, "<question>-<statement>", "postcode", "return_code" or "form"
    target: str  # the element id the summary links to
    message: str


def question_name(question: Question, t: Messages) -> str:
    """"question 7" when the question is numbered, else its own words in quotes."""
    match = _NUMBER.match(text_in(question.text, t.lang))
    if match:
        return t("question_number", number=match.group(1))
    return t("question_quoted", text=text_in(question.text, t.lang))


def _question_message(question: Question, filled: Filled, t: Messages) -> str:
    name = question_name(question, t)
    if isinstance(question, MultipleChoice):
        chosen = filled.answers.get(question.id) or []
        if question.exclusive and question.exclusive in chosen and len(chosen) > 1:
            none = next(o for o in question.options if o.id == question.exclusive)
            return t("error_exclusive", question=name, none=text_in(none.text, t.lang))
        return t("error_multiple", question=name)
    if isinstance(question, Likert):
        return t("error_likert_required", question=name)
    if isinstance(question, FreeText):
        comment = str(filled.answers.get(question.id) or "").strip()
        return t("error_text_long", question=name, max=f"{question.max_length:,}", count=f"{len(comment):,}")
    return t("error_single", question=name)


def _answer_error(questionnaire: Questionnaire, path: str, filled: Filled, t: Messages) -> FormError | None:
    question_id, _, statement_id = path.partition(".")
    question = questionnaire.question(question_id)
    if question is None:
        return None
    if isinstance(question, Likert):
        known = [s.id for s in question.statements]
        if statement_id in known:
            place = statement_field(question.id, statement_id)
            return FormError(place, place, t("error_statement"))
        return FormError(question.id, statement_field(question.id, known[0]),
                         _question_message(question, filled, t))
    return FormError(question.id, question.id, _question_message(question, filled, t))


def form_errors(questionnaire: Questionnaire, errors: list[FieldError], filled: Filled,
                t: Messages, *, code_limit: int = 0) -> list[FormError]:
    """One form error per field, in the order the fields appear on the page."""
    found: dict[str, FormError] = {}
    for error in errors:
        mapped: FormError | None = None
        if error.field.startswith("answers."):
            mapped = _answer_error(questionnaire, error.field.removeprefix("answers."), filled, t)
        elif error.field == "postcode":
            postcode = _postcode_id(questionnaire)
            mapped = FormError(postcode, postcode, t("error_postcode"))
        elif error.field == RETURN_CODE:
            key = "error_code_limit" if code_limit else "error_return_code"
            mapped = FormError(RETURN_CODE, RETURN_CODE, t(key, limit=code_limit))
        elif error.field == HONEYPOT:
            mapped = FormError(HONEYPOT, HONEYPOT, t("error_honeypot"))
        found.setdefault((mapped or FormError("form", SEND_BUTTON, "")).place,
                         mapped or FormError("form", SEND_BUTTON, t("error_general")))
    order = page_order(questionnaire)
    return sorted(found.values(), key=lambda e: order.get(e.place, len(order)))


def _postcode_id(questionnaire: Questionnaire) -> str:
    return next((q.id for q in questionnaire.questions if isinstance(q, PartPostcode)), "postcode")


def page_order(questionnaire: Questionnaire) -> dict[str, int]:
    """Where each error place sits on the page, for ordering the summary like the page."""
    places = [RETURN_CODE]
    for _, questions in layout(questionnaire):
        for question in questions:
            places.append(question.id)
            if isinstance(question, Likert):
                places += [statement_field(question.id, s.id) for s in question.statements]
    places.append(HONEYPOT)
    return {place: i for i, place in enumerate(places)}

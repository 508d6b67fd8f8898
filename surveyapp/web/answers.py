"""Between the form's fields and a Submission: read what was posted, and keep it to fill the form again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.datastructures import FormMultiDict

from surveyapp.submission import Submission
from waves.model import (
    FreeText,
    Likert,
    MultipleChoice,
    PartPostcode,
    Question,
    Questionnaire,
    Section,
    SingleChoice,
)

RETURN_CODE = "return_code"
HONEYPOT = "leave_empty"


def layout(questionnaire: Questionnaire) -> list[tuple[Section | None, list[Question]]]:
    """The questions grouped under their sections, in the sections' order; unknown sections come last."""
    known = {s.id for s in questionnaire.sections}
    groups: list[tuple[Section | None, list[Question]]] = [
        (s, [q for q in questionnaire.questions if q.section == s.id]) for s in questionnaire.sections]
    rest = [q for q in questionnaire.questions if q.section not in known]
    return [g for g in groups if g[1]] + ([(None, rest)] if rest else [])


def statement_field(question_id: str, statement_id: str) -> str:
    """The form field (and the first radio's element id stem) of a Likert statement."""
    return f"{question_id}-{statement_id}"


@dataclass
class Filled:
    """The answers as posted: what goes to the service, and what fills the form again after an error."""

    answers: dict[str, Any] = field(default_factory=dict)
    postcode: str = ""
    return_code: str = ""
    honeypot: str = ""

    def submission(self, *, submission_id: str, lang: str) -> Submission:
        return Submission(answers=self.answers, postcode=self.postcode.strip() or None,
                          return_code=self.return_code.strip() or None, submission_id=submission_id,
                          language=lang, channel="form")


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _likert(form: FormMultiDict, question: Likert) -> dict[str, str]:
    chosen = {}
    for statement in question.statements:
        value = _text(form, statement_field(question.id, statement.id))
        if value:
            chosen[statement.id] = value
    return chosen


def read_form(questionnaire: Questionnaire, form: FormMultiDict) -> Filled:
    """The posted answers of every question the questionnaire asks; anything else is ignored."""
    filled = Filled(return_code=_text(form, RETURN_CODE), honeypot=_text(form, HONEYPOT))
    for question in questionnaire.questions:
        value: Any = None
        if isinstance(question, SingleChoice | FreeText):
            value = _text(form, question.id)
        elif isinstance(question, MultipleChoice):
            value = [v for v in form.getall(question.id, []) if isinstance(v, str) and v]
        elif isinstance(question, Likert):
            value = _likert(form, question)
        elif isinstance(question, PartPostcode):
            filled.postcode = _text(form, question.id)
        if isinstance(question, FreeText) and not value.strip():
            value = None
        if value:
            filled.answers[question.id] = value
    return filled


def is_checked(filled: Filled, question_id: str, value: str) -> bool:
    """Whether this option was chosen (for single, multiple and Likert answers alike)."""
    answer = filled.answers.get(question_id)
    if isinstance(answer, str):
        return answer == value
    if isinstance(answer, list):
        return value in answer
    return False


def statement_answer(filled: Filled, question_id: str, statement_id: str) -> str | None:
    answer = filled.answers.get(question_id)
    return answer.get(statement_id) if isinstance(answer, Mapping) else None

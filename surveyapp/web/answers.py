"""Between the form's pages and the draft: read one page's posted answer, and turn a draft into a Submission."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar.datastructures import FormMultiDict

from surveyapp.domain.submission import Submission
from waves.model import Likert, MultipleChoice, Question, Questionnaire, Section

RETURN_CODE = "return_code"
CHILD = "child"  # the code page's second question: which child the form is about
HONEYPOT = "leave_empty"
NOT_APPLICABLE = "not_applicable"  # Q7's "Does not apply to me": kept in the draft, sent as not answered


def layout(questionnaire: Questionnaire) -> list[tuple[Section | None, list[Question]]]:
    """The questions grouped under their sections, in the sections' order; unknown sections come last."""
    known = {s.id for s in questionnaire.sections}
    groups: list[tuple[Section | None, list[Question]]] = [
        (s, [q for q in questionnaire.questions if q.section == s.id]) for s in questionnaire.sections]
    rest = [q for q in questionnaire.questions if q.section not in known]
    return [g for g in groups if g[1]] + ([(None, rest)] if rest else [])


def statement_field(question_id: str, statement_id: str) -> str:
    """The form field, element id and page slug of a Likert statement."""
    return f"{question_id}-{statement_id}"


def posted_text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def posted_choices(form: FormMultiDict, name: str) -> list[str]:
    return [v for v in form.getall(name, []) if isinstance(v, str) and v]


def statement_answer(answers: Mapping[str, Any], question_id: str, statement_id: str) -> str | None:
    answer = answers.get(question_id)
    return answer.get(statement_id) if isinstance(answer, Mapping) else None


def submission_of(questionnaire: Questionnaire, answers: Mapping[str, Any], *, postcode: str | None,
                  return_code: str | None, submission_id: str, lang: str, source: str | None = None,
                  channel: str = "form", child: str | None = None) -> Submission:
    """The draft's answers as the service takes them: "Does not apply to me" is left out (not answered)."""
    sent: dict[str, Any] = {}
    for question_id, value in answers.items():
        question = questionnaire.question(question_id)
        if isinstance(question, Likert) and isinstance(value, Mapping):
            value = {s: a for s, a in value.items() if a != NOT_APPLICABLE}
        elif isinstance(question, MultipleChoice) and not value:
            continue
        if value:
            sent[question_id] = value
    return Submission(answers=sent, postcode=postcode, return_code=return_code, submission_id=submission_id,
                      language=lang, channel=channel, source=source, child=child)

"""A returned paper form as staff type it in on one page, and how two typings of it are compared.

Each field is what one page of the families' form asks (the code, which child, each question, each of question
7's statements, the postcode), plus the version of the form (its language). Two typings of one form are the same
when every field is; otherwise the fields that differ are listed in the paper's order, for someone to check
against the paper and settle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from waves.model import Likert, PartPostcode, Questionnaire

LANGUAGE, RETURN_CODE, CHILD = "lang", "return_code", "child"  # the families' form's own field names


@dataclass(frozen=True)
class Typed:
    """One typing of a paper form: the answers as a draft keeps them (Likert statements in a dict, "Does not
    apply to me" kept), the postcode's outward code, the code and which child as typed."""

    language: str
    answers: Mapping[str, Any] = field(default_factory=dict)
    postcode: str | None = None
    code: str | None = None
    child: str | None = None


def field_names(questionnaire: Questionnaire) -> list[str]:
    """Every field in the paper's order: the version, the code and which child, then each question (question 7
    one field a statement, named as its page is: q7-health_met)."""
    names = [LANGUAGE, RETURN_CODE, CHILD]
    for question in questionnaire.questions:
        if isinstance(question, Likert):
            names += [f"{question.id}-{s.id}" for s in question.statements]
        else:
            names.append(question.id)
    return names


def value_of(questionnaire: Questionnaire, typed: Typed, name: str) -> Any:
    """What the typing holds for the field (a list of ticked options sorted, so their order never differs)."""
    if name == LANGUAGE:
        return typed.language
    if name == RETURN_CODE:
        return typed.code
    if name == CHILD:
        return typed.child
    question_id, _, statement_id = name.partition("-")
    question = questionnaire.question(question_id)
    if isinstance(question, PartPostcode):
        return typed.postcode
    answer = typed.answers.get(question_id)
    if statement_id:
        return answer.get(statement_id) if isinstance(answer, Mapping) else None
    return sorted(answer) if isinstance(answer, list) else answer


def differing(questionnaire: Questionnaire, first: Typed, second: Typed) -> list[str]:
    """The fields the two typings disagree on, in the paper's order (none: they are the same form)."""
    return [name for name in field_names(questionnaire)
            if (value_of(questionnaire, first, name) or None) != (value_of(questionnaire, second, name) or None)]


def with_field(questionnaire: Questionnaire, typed: Typed, name: str, value: Any) -> Typed:
    """The typing with one field set to `value` (None: not answered)."""
    if name == LANGUAGE:
        return replace(typed, language=value)
    if name == RETURN_CODE:
        return replace(typed, code=value)
    if name == CHILD:
        return replace(typed, child=value)
    question_id, _, statement_id = name.partition("-")
    if isinstance(questionnaire.question(question_id), PartPostcode):
        return replace(typed, postcode=value)
    answers = dict(typed.answers)
    if statement_id:
        chosen = {k: v for k, v in (answers.get(question_id) or {}).items() if k != statement_id}
        answers[question_id] = {**chosen, **({statement_id: value} if value else {})}
    else:
        answers.pop(question_id, None)
        if value:
            answers[question_id] = value
    return replace(typed, answers=answers)


def settled(questionnaire: Questionnaire, first: Typed, second: Typed, take_second: set[str]) -> Typed:
    """The form as settled: the first typing, with the second's value in each field named in `take_second`."""
    result = first
    for name in field_names(questionnaire):
        if name in take_second:
            result = with_field(questionnaire, result, name, value_of(questionnaire, second, name))
    return result

"""What the form template draws: sections, questions, their inputs, what is checked and any error.

The template only loops and prints; every decision (checked, dividers, error placement) is here.
The first input of a group carries the group's id, so an error summary link lands on it; the other
inputs are labelled by the <label> around them, which keeps the page small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from surveyapp.web.answers import Filled, is_checked, layout, statement_answer, statement_field
from surveyapp.web.errors import FormError
from surveyapp.web.messages import Messages
from waves.model import (
    FreeText,
    Likert,
    MultipleChoice,
    Option,
    PartPostcode,
    Question,
    Questionnaire,
    SingleChoice,
    text_in,
)

NOT_SAYING = "prefer_not_to_say"


@dataclass(frozen=True)
class Item:
    value: str
    label: str
    hint: str
    checked: bool
    divider: bool = False  # an "or" line before it (GOV.UK's pattern for "none" and "prefer not to say")
    exclusive: bool = False


@dataclass(frozen=True)
class Group:
    """One radio or checkbox group: a question, or one statement of a Likert question."""

    id: str
    name: str
    legend: str
    hint: str
    error: str
    items: list[Item]


@dataclass(frozen=True)
class QuestionView:
    kind: str  # single, multiple, likert, text, postcode
    id: str
    legend: str
    hint: str
    error: str
    items: list[Item] = field(default_factory=list)
    statements: list[Group] = field(default_factory=list)
    value: str = ""
    max_length: int = 0

    @property
    def name(self) -> str:
        return self.id


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    intro: str
    questions: list[QuestionView]


def _option_item(question: SingleChoice | MultipleChoice, option: Option, first: bool, filled: Filled,
                 lang: str) -> Item:
    exclusive = isinstance(question, MultipleChoice) and option.id == question.exclusive
    return Item(value=option.id, label=text_in(option.text, lang), hint=text_in(option.hint, lang),
                checked=is_checked(filled, question.id, option.id),
                divider=exclusive or (option.id == NOT_SAYING and not first), exclusive=exclusive)


def _likert_groups(question: Likert, filled: Filled, errors: dict[str, str], lang: str) -> list[Group]:
    groups = []
    for statement in question.statements:
        name = statement_field(question.id, statement.id)
        chosen = statement_answer(filled, question.id, statement.id)
        items = [Item(value=a.id, label=text_in(a.text, lang), hint="", checked=chosen == a.id)
                 for a in question.answers]
        groups.append(Group(name, name, text_in(statement.text, lang), "", errors.get(name, ""), items))
    return groups


def question_view(question: Question, filled: Filled, errors: dict[str, str], lang: str) -> QuestionView:
    """The view of one question, filled in with what was posted."""

    def view(kind: str, **parts: Any) -> QuestionView:
        return QuestionView(kind=kind, id=question.id, legend=text_in(question.text, lang),
                            hint=text_in(question.hint, lang), error=errors.get(question.id, ""), **parts)

    if isinstance(question, SingleChoice | MultipleChoice):
        items = [_option_item(question, o, i == 0, filled, lang) for i, o in enumerate(question.options)]
        return view("single" if isinstance(question, SingleChoice) else "multiple", items=items)
    if isinstance(question, Likert):
        return view("likert", statements=_likert_groups(question, filled, errors, lang))
    if isinstance(question, FreeText):
        return view("text", value=str(filled.answers.get(question.id, "")), max_length=question.max_length)
    assert isinstance(question, PartPostcode)
    return view("postcode", value=filled.postcode)


def sections_view(questionnaire: Questionnaire, filled: Filled, errors: list[FormError],
                  t: Messages) -> list[SectionView]:
    """Every section of the questionnaire with its questions, in page order."""
    by_place = {e.place: e.message for e in errors}
    return [SectionView(id=section.id if section else "questions",
                        title=text_in(section.title, t.lang) if section else "",
                        intro=text_in(section.intro, t.lang) if section else "",
                        questions=[question_view(q, filled, by_place, t.lang) for q in questions])
            for section, questions in layout(questionnaire)]

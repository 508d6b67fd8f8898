"""The "Check your answers" page's summary: each page's answer in words, grouped by section."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from surveyapp.domain.waves import Wave
from surveyapp.store.drafts import Draft
from surveyapp.web.answers import NOT_APPLICABLE, statement_answer
from surveyapp.web.journey import CODE_PAGE, Page, pages
from surveyapp.web.messages import Messages
from surveyapp.web.view import child_labels
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, SingleChoice, text_in

_NUMBER = re.compile(r"^\s*(\d+[a-z]?)\.\s")


@dataclass(frozen=True)
class Row:
    slug: str
    key: str
    value: str
    change: str  # the page's address, in change mode (it returns here)


@dataclass(frozen=True)
class Group:
    title: str
    rows: list[Row]


def _value(page: Page, draft: Draft, t: Messages) -> str:
    question, lang = page.question, t.lang
    unanswered = t("Not answered")
    if isinstance(question, Likert) and page.statement is not None:
        chosen = statement_answer(draft.answers, question.id, page.statement.id)
        if chosen == NOT_APPLICABLE:
            return t("Does not apply to me")
        return next((text_in(a.text, lang) for a in question.answers if a.id == chosen), unanswered)
    answer: Any = draft.answers.get(question.id) if question is not None else None
    if isinstance(question, SingleChoice):
        return next((text_in(o.text, lang) for o in question.options if o.id == answer), unanswered)
    if isinstance(question, MultipleChoice):
        ticked = [text_in(o.text, lang) for o in question.options if o.id in (answer or [])]
        return "; ".join(ticked) or unanswered
    if isinstance(question, FreeText):
        return str(answer or "") or unanswered
    assert isinstance(question, PartPostcode)
    return draft.postcode or unanswered


def _key(page: Page, t: Messages) -> str:
    question = page.question
    assert question is not None
    if page.statement is not None:
        number = _NUMBER.match(question.text["en"])
        label = text_in(page.statement.short or page.statement.text, t.lang)
        return f"{number.group(1)}. {label}" if number else label
    return text_in(question.text, t.lang)


def summary(wave: Wave, draft: Draft, code: str | None, t: Messages, change: Callable[[str], str], *,
            child: str | None = None) -> list[Group]:
    """The answers, grouped as the pages are, each with the address that changes it."""
    groups = [Group(t("Before you start"), [
        Row(CODE_PAGE, t("Code from an earlier survey"), code or t("None"), change(CODE_PAGE)),
        Row(CODE_PAGE, t("Which child"), child_labels(t).get(child or "", t("Not answered")), change(CODE_PAGE))])]
    for page in pages(wave.questionnaire)[1:]:
        title = text_in(page.section.title, t.lang) if page.section else ""
        if groups[-1].title != title:
            groups.append(Group(title, []))
        groups[-1].rows.append(Row(page.slug, _key(page, t), _value(page, draft, t), change(page.slug)))
    return groups

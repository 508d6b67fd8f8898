"""What a question page draws: its heading, hints, inputs and what is checked; the template only prints.

The first input of a group carries the group's id, so an error summary link lands on it; the other inputs are
labelled by the <label> around them, which keeps the page small.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from surveyapp.web.answers import CHILD, NOT_APPLICABLE, RETURN_CODE
from surveyapp.web.journey import Page
from surveyapp.web.messages import Messages
from waves.model import FreeText, Likert, MultipleChoice, Option, PartPostcode, SingleChoice, text_in

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
class ChildQuestion:
    """The code page's question on which child the form is about (kept only inside a keyed hash with the code)."""

    field: str
    legend: str
    hint: str
    items: list[Item]


def child_labels(t: Messages) -> dict[str, str]:
    """Each answer to "which child" (returncodes.CHILDREN) in the family's language."""
    return {"1": t("My oldest child, or my only child"), "2": t("My second oldest child"),
            "3": t("My third oldest child"), "4": t("My fourth oldest child, or a younger one")}


def child_question(chosen: str | None, t: Messages) -> ChildQuestion:
    items = [Item(value, label, "", value == chosen) for value, label in child_labels(t).items()]
    return ChildQuestion(CHILD, t("Which of your children is this form about?"),
                         t("Count all your children, oldest first, whether or not they have special educational "
                           "needs. If you fill in a form for more than one child, this lets us link each child's "
                           "answers next time. You can leave it out."), items)


@dataclass(frozen=True)
class PageView:
    kind: str  # single, multiple, statement, text, postcode, code
    field: str  # the input's name, and the id of its first input
    caption: str
    heading: str
    heading_lang: str = ""  # "en" when Q7's exact 2019 wording heads a page in another language
    intro: str = ""
    hint: str = ""
    explain: str = ""  # Q7: the statement in plain words, or translated, beside the exact wording
    error: str = ""
    items: list[Item] = dataclasses.field(default_factory=list)
    value: str = ""
    max_length: int = 0
    child: ChildQuestion | None = None  # the code page's second question


    @property
    def choices(self) -> bool:
        return self.kind in ("single", "multiple", "statement")

    @property
    def input_type(self) -> str:
        return "checkbox" if self.kind == "multiple" else "radio"


def _option_item(question: SingleChoice | MultipleChoice, option: Option, first: bool, chosen: Any,
                 lang: str) -> Item:
    exclusive = isinstance(question, MultipleChoice) and option.id == question.exclusive
    checked = option.id in chosen if isinstance(chosen, list) else option.id == chosen
    return Item(value=option.id, label=text_in(option.text, lang), hint=text_in(option.hint, lang),
                checked=checked, divider=exclusive or (option.id == NOT_SAYING and not first), exclusive=exclusive)


def page_view(page: Page, value: Any, t: Messages, error: str = "") -> PageView:
    """The view of one page with its current answer (a string, a list of option ids, or None)."""
    lang = t.lang
    question = page.question
    if question is None:
        typed = value.get("code") if isinstance(value, dict) else value
        child = value.get("child") if isinstance(value, dict) else None
        return PageView("code", RETURN_CODE, t("Before you start"), t("Have you filled in this survey before?"),
                        hint=t("At the end of the last survey you were given a code like MAPLE-OTTER-4217. "
                               "If you have it, type it here. It lets us compare your answers over time "
                               "without knowing who you are. The example is not a real code. If this is your "
                               "first time, or you do not have your code, leave the box empty."),
                        error=error, value=str(typed or ""), child=child_question(child, t))
    caption = text_in(page.section.title, lang) if page.section else ""
    intro = text_in(page.section.intro, lang) if page.section and page.first_in_section else ""
    common: dict[str, Any] = {"caption": caption, "intro": intro, "error": error,
                              "hint": text_in(question.hint, lang)}
    if isinstance(question, Likert):
        statement = page.statement
        assert statement is not None
        items = [Item(a.id, text_in(a.text, lang), "", value == a.id) for a in question.answers]
        items.append(Item(NOT_APPLICABLE, t("Does not apply to me"), "", value == NOT_APPLICABLE, divider=True))
        exact = statement.text["en"]
        return PageView("statement", page.slug, t("Question 7, statement {number} of {total}",
                                                  number=page.statement_number, total=len(question.statements)),
                        exact, heading_lang="en" if t.meta.html_lang != "en" else "",
                        intro=text_in(question.text, lang), explain=(statement.explain or {}).get(lang, ""),
                        error=error, items=items)
    if isinstance(question, SingleChoice | MultipleChoice):
        items = [_option_item(question, o, i == 0, value, lang) for i, o in enumerate(question.options)]
        kind = "single" if isinstance(question, SingleChoice) else "multiple"
        return PageView(kind, question.id, heading=text_in(question.text, lang), items=items, **common)
    if isinstance(question, FreeText):
        return PageView("text", question.id, heading=text_in(question.text, lang), value=str(value or ""),
                        max_length=question.max_length, **common)
    assert isinstance(question, PartPostcode)
    return PageView("postcode", question.id, heading=text_in(question.text, lang), value=str(value or ""), **common)

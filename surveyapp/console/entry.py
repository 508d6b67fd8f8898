"""The one-page paper form: every page of the families' form drawn on one page in the paper's order, and what a
post of it holds, checked page by page with the families' own checks (`surveyapp.web.errors.read_page`).

The fields keep the families' form's names and element ids (`return_code`, `child`, `q7-health_met`, ...), so an
error links to its field exactly as on the form, and every typed answer is shown again after a mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.datastructures import FormMultiDict

from surveyapp.domain.paper import CHILD, LANGUAGE, RETURN_CODE, Typed, value_of
from surveyapp.domain.submission import FieldError
from surveyapp.domain.waves import Wave
from surveyapp.web.answers import posted_text, submission_of
from surveyapp.web.errors import FormError, check_errors, read_page
from surveyapp.web.journey import CODE_PAGE, Page, pages
from surveyapp.web.messages import Messages
from surveyapp.web.staffmode import normalise_reference
from surveyapp.web.view import PageView, child_labels, page_view
from waves.areas.pack import AreaPack
from waves.model import Likert, PartPostcode, text_in

REFERENCE = "reference"


@dataclass(frozen=True)
class Shown:
    """One question (or statement) as the page draws it: its page, and its view with the answer and any error."""

    page: Page
    view: PageView

    @property
    def stem(self) -> str:
        """Question 7's question, drawn once above its first statement."""
        return self.view.intro if self.page.statement_number == 1 else ""


@dataclass(frozen=True)
class Section:
    title: str
    questions: list[Shown]


def paper_sections(wave: Wave, t: Messages, shown: dict[str, Any] | None = None,
                   errors: list[FormError] | None = None) -> list[Section]:
    """The form's pages grouped by section, each with what was typed (`shown`, by page slug) and its error."""
    shown, wrong = shown or {}, {e.place: e.message for e in errors or []}
    sections: list[Section] = []
    for page in pages(wave.questionnaire):
        view = page_view(page, shown.get(page.slug), t, wrong.get(page.slug, ""))
        title = text_in(page.section.title, t.lang) if page.section else "Before the questions"
        if not sections or sections[-1].title != title:
            sections.append(Section(title, []))
        sections[-1].questions.append(Shown(page, view))
    return sections


def field_target(page: Page) -> str:
    """The element an error about the page links to: its first input."""
    if page.slug == CODE_PAGE:
        return "#" + RETURN_CODE
    return "#" + (page.slug if page.statement is not None or page.question is None else page.question.id)


@dataclass(frozen=True)
class Read:
    """What a post of the page holds: the typed form (None while anything is wrong), the answers to show again
    (by page slug), the reference, the form's version, and the mistakes."""

    typed: Typed | None
    shown: dict[str, Any]
    reference: str
    language: str
    errors: list[FormError]


def read_paper(wave: Wave, data: FormMultiDict, t: Messages, areas: AreaPack, languages: tuple[str, ...]) -> Read:
    """Check every page of the post as the families' form checks it, and the reference and version."""
    errors: list[FormError] = []
    typed_reference = posted_text(data, REFERENCE).strip()
    reference = normalise_reference(typed_reference) if typed_reference else None
    if reference is None:
        errors.append(FormError(REFERENCE, "#" + REFERENCE, "Enter the reference you wrote in the form's office "
                                                            "box, as 1 to 20 letters, digits or hyphens, like 0042"))
    language = posted_text(data, LANGUAGE) if len(languages) > 1 else languages[0]
    if language not in languages:
        errors.append(FormError(LANGUAGE, "#" + LANGUAGE, "Choose which version of the form it is"))
    shown: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    postcode = code = child = None
    for page in pages(wave.questionnaire):
        answer = read_page(page, data, t, areas)
        shown[page.slug] = answer.shown
        if answer.error:
            errors.append(FormError(page.slug, field_target(page), answer.error))
        elif page.slug == CODE_PAGE:
            code, child = answer.kept, answer.child
        elif isinstance(page.question, PartPostcode):
            postcode = answer.kept
        elif isinstance(page.question, Likert) and page.statement is not None:
            if answer.kept:
                answers.setdefault(page.question.id, {})[page.statement.id] = answer.kept
        elif page.question is not None and answer.kept:
            answers[page.question.id] = answer.kept
    typed = None
    if not errors and reference is not None:
        sent = submission_of(wave.questionnaire, answers, postcode=postcode, return_code=code, submission_id="",
                             lang=language, channel="paper", child=child)
        typed = Typed(language, sent.answers, postcode, code, child)
    return Read(typed, shown, typed_reference if reference is None else reference, language, errors)


def service_errors(wave: Wave, found: list[FieldError], t: Messages) -> list[FormError]:
    """The service's checks of the whole form, each linked to its field on this page."""
    targets = {p.slug: field_target(p) for p in pages(wave.questionnaire)}
    return check_errors(wave.questionnaire, found, t, targets)


def refused_error(field: str, message: str) -> FormError:
    """A refusal of the typing (the reference, or a code used too often), on its field."""
    if field == RETURN_CODE:
        return FormError(CODE_PAGE, "#" + RETURN_CODE, message)
    return FormError(REFERENCE, "#" + REFERENCE, message)


@dataclass(frozen=True)
class Difference:
    field: str
    label: str
    first: str
    second: str


def _in_words(wave: Wave, t: Messages, names: dict[str, str], field: str, typed: Typed) -> str:
    value = value_of(wave.questionnaire, typed, field)
    if field == LANGUAGE:
        return names.get(str(value), str(value))
    if field == RETURN_CODE:
        return str(value or "None")
    if field == CHILD:
        return child_labels(t).get(value or "", "Not answered")
    page = next(p for p in pages(wave.questionnaire) if p.slug == field)
    view = page_view(page, value, t)
    return "; ".join(i.label for i in view.items if i.checked) or view.value or "Not answered"


def _label(wave: Wave, t: Messages, field: str) -> str:
    if field in (LANGUAGE, RETURN_CODE, CHILD):
        return {LANGUAGE: "Version of the form", RETURN_CODE: "Code from an earlier survey",
                CHILD: "Which child"}[field]
    page = next(p for p in pages(wave.questionnaire) if p.slug == field)
    view = page_view(page, None, t)
    return f"{view.caption}: {view.heading}" if page.statement is not None else view.heading


def differences(wave: Wave, t: Messages, names: dict[str, str], fields: list[str], first: Typed,
                second: Typed) -> list[Difference]:
    """Each differing field with its question and both typings in words, in the paper's order."""
    return [Difference(f, _label(wave, t, f), _in_words(wave, t, names, f, first), _in_words(wave, t, names, f, second))
            for f in fields]

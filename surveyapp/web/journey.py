"""The form's pages, one thing per page: the earlier code, then each question, Q7 one statement a page.

Q7 takes one page per statement. At 375 px a statement (up to 160 characters), its plain-words explanation
and seven answers fill one screen, Continue included; two statements a page already need two and a half
screens of scrolling, and a parent who is interrupted loses their place among fourteen identical-looking
answers (the docs show both: families/index.md). A page's slug is its URL segment and its place in the draft.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveyapp.web.answers import layout, statement_field
from waves.model import Likert, Question, Questionnaire, Section, Statement

CODE_PAGE = "code"
CHECK_PAGE = "check"
SENT = "sent"  # a draft whose answers were sent: only its submission id and code stay, for 30 minutes


@dataclass(frozen=True)
class Page:
    slug: str
    question: Question | None  # None: the page asking for a code from an earlier wave
    section: Section | None = None
    statement: Statement | None = None
    statement_number: int = 0  # 1 to 8 on Q7's pages
    first_in_section: bool = False  # shows the section's introduction


def pages(questionnaire: Questionnaire) -> list[Page]:
    """Every page in order: the code page first, then the questions in their sections' order."""
    found = [Page(CODE_PAGE, None)]
    for section, questions in layout(questionnaire):
        for n, question in enumerate(questions):
            if isinstance(question, Likert):
                found += [Page(statement_field(question.id, s.id), question, section, s, i, n == 0 and i == 1)
                          for i, s in enumerate(question.statements, start=1)]
            else:
                found.append(Page(question.id, question, section, first_in_section=n == 0))
    return found


def find(all_pages: list[Page], slug: str) -> int | None:
    """The page's index, or None for an unknown slug."""
    return next((i for i, p in enumerate(all_pages) if p.slug == slug), None)

"""The questionnaire and wave definitions: msgspec Structs decoded strictly from TOML."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

# A text in several languages: {"en": "...", "en-easy": "..."}. English is required and is the fallback.
Text = dict[str, str]
Id = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
# Wave and questionnaire ids may carry hyphens ("baseline-2019", "send-repeat").
WaveId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Base for definition structs: an unknown key is an error, not silently ignored."""


class Option(Strict, frozen=True):
    id: Id
    text: Text
    group: Id | None = None  # e.g. the broad ethnic group of a detailed one
    hint: Text | None = None


class Statement(Strict, frozen=True):
    id: Id
    text: Text
    short: Text | None = None  # a short label for chart axes and table rows ("Health needs met")
    phrase: Text | None = None  # what agreeing says, to follow "agree that" ("health services meet ...")
    # The statement in plain words (en-easy) or in another language, shown beside the exact wording, never
    # instead of it: the wording is the 2019 baseline's and must stay word for word to compare with it.
    explain: Text | None = None


class LikertAnswer(Strict, frozen=True):
    id: Id
    text: Text
    score: int | None = None  # None: counted, never averaged ("don't know")
    leaning: Literal["agree", "disagree"] | None = None  # counts towards the share agreeing or disagreeing


class BaseQuestion(Strict, tag_field="kind", kw_only=True, frozen=True):
    id: Id
    text: Text
    section: Id = "questions"
    hint: Text | None = None


class SingleChoice(BaseQuestion, tag="single", frozen=True):
    options: tuple[Option, ...]


class MultipleChoice(BaseQuestion, tag="multiple", frozen=True):
    options: tuple[Option, ...]
    exclusive: Id | None = None  # the "none" option, which cannot be picked with another


class Likert(BaseQuestion, tag="likert", frozen=True):
    statements: tuple[Statement, ...]
    answers: tuple[LikertAnswer, ...]
    required_one: bool = False  # a response must answer at least one statement


class FreeText(BaseQuestion, tag="text", frozen=True):
    max_length: int = 5000
    analyst_only: bool = True


class PartPostcode(BaseQuestion, tag="postcode", frozen=True):
    pass


Question = SingleChoice | MultipleChoice | Likert | FreeText | PartPostcode


class Section(Strict, frozen=True):
    id: Id
    title: Text
    intro: Text | None = None


class Questionnaire(Strict, frozen=True):
    id: WaveId
    version: int
    title: Text
    languages: tuple[str, ...] = ("en",)
    intro: Text | None = None
    sections: tuple[Section, ...] = ()
    questions: tuple[Question, ...] = ()

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)

    def likert(self) -> Likert | None:
        """The questionnaire's required Likert question (Q7), if any."""
        return next((q for q in self.questions if isinstance(q, Likert) and q.required_one), None)


class PlannedTable(Strict, frozen=True):
    """One table of a wave's release plan (`[[waves.release_plan]]`): `surveyapp.domain.release.TableSpec`'s
    fields. A wave without a plan gets the default one (`surveyapp.actions.releases.plan.default_plan`)."""

    table_id: WaveId  # e.g. compare-utla-vs-baseline
    kind: Literal["compare", "reach", "cohort", "tracker", "themes"]
    level: str
    against: str | None = None  # "baseline", "previous" or a wave id (compare and cohort)
    stages: tuple[Literal["interim", "final"], ...] = ("interim", "final")


class WaveDefinition(Strict, frozen=True):
    id: WaveId
    questionnaire: WaveId
    questionnaire_version: int
    title: Text
    opens: dt.date
    closes: dt.date
    kind: Literal["responses", "aggregate"] = "responses"
    counts: str | None = None  # aggregate waves: a CSV of counts beside the definition
    release_plan: tuple[PlannedTable, ...] = ()  # the tables its releases hold; empty: the default plan


class WaveFile(Strict, frozen=True):
    waves: tuple[WaveDefinition, ...]


def text_in(text: Text | None, lang: str) -> str:
    """The text in the requested language, falling back to English."""
    if text is None:
        return ""
    return text.get(lang) or text["en"]

"""What the service shows of its waves and questionnaires: one shape for the API, the CLI and the form.

These Structs are the JSON the API answers with (their names are the OpenAPI components) and the rows the
CLI prints, built by `surveyapp.actions` whichever of the two asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

from surveyapp.domain.waves import Wave
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, Question, SingleChoice, text_in

QuestionKind = Literal["single", "multiple", "likert", "text", "postcode"]


class WaveOut(msgspec.Struct):
    wave_id: str
    title: str
    kind: Literal["responses", "aggregate"]
    status: Literal["open", "scheduled", "closed"]
    opens_on: dt.date
    closes_on: dt.date
    questionnaire_id: str
    questionnaire_version: int


class OptionOut(msgspec.Struct, omit_defaults=True):
    id: str
    text: str
    score: int | None = None
    group: str | None = None


class QuestionOut(msgspec.Struct, omit_defaults=True):
    id: str
    kind: QuestionKind
    section: str
    text: str
    hint: str | None = None
    options: list[OptionOut] | None = None
    statements: list[OptionOut] | None = None
    answers: list[OptionOut] | None = None
    exclusive: str | None = None
    required: bool = False
    max_length: int | None = None


class SectionOut(msgspec.Struct, omit_defaults=True):
    id: str
    title: str
    intro: str | None = None


class QuestionnaireOut(msgspec.Struct):
    wave: WaveOut
    language: str
    languages: list[str]
    title: str
    intro: str | None
    sections: list[SectionOut]
    questions: list[QuestionOut]


class SourceOut(msgspec.Struct):
    """An outreach source: its public link, its QR code and poster (admin), and its responses so far, rounded
    as every published count is (fewer than the threshold: `responses` null, `responses_band` says so)."""

    source_id: str
    wave_id: str
    name: str
    status: Literal["active", "retired"]
    url: str  # the public link that opens the form; the QR code holds it
    qr_svg: str
    qr_png: str
    poster: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
    responses: int | None
    responses_band: str
    note: str


class BackupOut(msgspec.Struct):
    path: str
    responses: int


def wave_out(wave: Wave, today: dt.date, lang: str = "en") -> WaveOut:
    """A wave with its status on `today`, its title in `lang` (English where missing)."""
    return WaveOut(wave.wave_id, text_in(wave.title, lang), wave.kind, wave.status(today), wave.opens_on,
                   wave.closes_on, wave.questionnaire.id, wave.questionnaire.version)


_KINDS: dict[type, QuestionKind] = {SingleChoice: "single", MultipleChoice: "multiple", Likert: "likert",
                                     FreeText: "text", PartPostcode: "postcode"}


def question_out(q: Question, lang: str) -> QuestionOut:
    out = QuestionOut(q.id, _KINDS[type(q)], q.section, text_in(q.text, lang), text_in(q.hint, lang) or None)
    if isinstance(q, SingleChoice | MultipleChoice):
        out.options = [OptionOut(o.id, text_in(o.text, lang), group=o.group) for o in q.options]
        if isinstance(q, MultipleChoice):
            out.exclusive = q.exclusive
    elif isinstance(q, Likert):
        out.statements = [OptionOut(s.id, text_in(s.text, lang)) for s in q.statements]
        out.answers = [OptionOut(a.id, text_in(a.text, lang), score=a.score) for a in q.answers]
        out.required = q.required_one
    elif isinstance(q, FreeText):
        out.max_length = q.max_length
    return out


def questionnaire_out(wave: Wave, today: dt.date, lang: str) -> QuestionnaireOut:
    """The wave's questionnaire in `lang` when it offers it, else English."""
    q = wave.questionnaire
    language = lang if lang in q.languages else "en"
    return QuestionnaireOut(
        wave=wave_out(wave, today, language), language=language, languages=list(q.languages),
        title=text_in(q.title, language), intro=text_in(q.intro, language) or None,
        sections=[SectionOut(s.id, text_in(s.title, language), text_in(s.intro, language) or None)
                  for s in q.sections],
        questions=[question_out(x, language) for x in q.questions])

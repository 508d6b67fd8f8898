"""What crosses the HTTP boundary: msgspec Structs, one per direction."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

Lang = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2}(-[a-z]+)?$", max_length=16)]


class SubmissionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A response. Every question is optional, but at least one statement of question 7 must be answered."""

    answers: Annotated[dict[str, Any], msgspec.Meta(
        description="question id -> option id (single choice) | [option ids] (multiple choice) | text "
                    "(free text) | {statement id: answer id} (Likert); see GET /api/v1/waves/{wave_id}",
        examples=[{"respondent_role": "parent_carer", "q7": {"local_offer_useful": "tend_to_agree"}}])]
    postcode: Annotated[str, msgspec.Meta(
        max_length=16, description="Postcode or its first half; only the outward code is kept")] | None = None
    return_code: Annotated[str, msgspec.Meta(
        max_length=64, description="The code given after an earlier wave, e.g. MAPLE-OTTER-4217")] | None = None
    submission_id: Annotated[str, msgspec.Meta(
        max_length=100, description="Client-chosen id (a UUID): a retry with the same id stores nothing new")
    ] | None = None
    language: Lang = "en"


class SubmissionOut(msgspec.Struct):
    response_id: str
    return_code: str


class FieldErrorOut(msgspec.Struct):
    field: str
    message: str


class ErrorOut(msgspec.Struct):
    status_code: int
    detail: str
    errors: list[FieldErrorOut] = msgspec.field(default_factory=list)


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
    kind: str
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


class WaveIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new responses wave."""

    wave_id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    questionnaire_id: str
    questionnaire_version: int
    title: Annotated[dict[str, str], msgspec.Meta(description="{language: title}; English required")]
    opens_on: dt.date
    closes_on: dt.date


class BackupOut(msgspec.Struct):
    path: str
    responses: int

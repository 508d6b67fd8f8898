"""What the API reads (and its error shape); what it answers with is in `surveyapp.actions.schemas`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

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
    source: Annotated[str, msgspec.Meta(
        max_length=32, description="The outreach source it came through: a source_id of this wave "
                                   "(GET /api/v1/waves/{wave_id}/sources, admin)")] | None = None
    channel: Annotated[str, msgspec.Meta(
        max_length=16, description="How the answers reached you: api (the default), or paper or phone when staff "
                                   "type in a returned paper form or answers taken by phone; paper and phone need "
                                   "a staff or admin bearer token")] | None = None
    child: Annotated[str, msgspec.Meta(
        max_length=8, examples=["1"],
        description="Which of the family's children the answers are about, counting all of them from the oldest: "
                    "\"1\" the oldest (or an only child), \"2\" the second oldest, \"3\" the third, \"4\" the "
                    "fourth oldest or younger. Lets a code used for several children link each child's answers; "
                    "kept only inside a keyed hash with the code")] | None = None


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


class WaveIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new responses wave."""

    wave_id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    questionnaire_id: str
    questionnaire_version: int
    title: Annotated[dict[str, str], msgspec.Meta(description="{language: title}; English required")]
    opens_on: dt.date
    closes_on: dt.date




class SourceIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A partner who passes the survey on: a new source, or a new name for one."""

    name: Annotated[str, msgspec.Meta(max_length=400, description="1 to 80 characters, unique in the wave, e.g. "
                                                                  "Oakfield School SENCO")]

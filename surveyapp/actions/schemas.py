"""Every shape that crosses the service's boundary, in one place: what the API reads, what it answers with
and its errors.

The API decodes the `...In` Structs from request bodies and answers with the `...Out` ones (their names are
the OpenAPI components); the CLI sends and reads the same Structs over HTTP, and `surveyapp.actions` builds
the answers, whichever of the two asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

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


class AuditRowOut(msgspec.Struct):
    """One row of the audit log: who did what and when, with the outcome, and its place in the hash chain."""

    seq: int
    recorded_at: dt.datetime  # UTC
    actor_role: str  # staff, analyst or admin; empty when nobody was known (a failed sign-in)
    actor_name: str
    actor_subject: str
    action: str
    target: str
    outcome: Literal["ok", "refused", "failed"]
    status: int | None
    detail: dict[str, Any]
    prev_hash: str
    row_hash: str


class AuditBreakOut(msgspec.Struct):
    seq: int
    reason: str


class AuditCheckOut(msgspec.Struct):
    """`surveyapp audit verify`: the rows checked, whether the chain holds, and the first row where it does not."""

    rows: int
    intact: bool
    last_hash: str
    first_break: AuditBreakOut | None = None


# What the API reads (bodies decoded with forbid_unknown_fields), and the shape of every error.

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


class WaveDatesIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A wave's new opening and closing dates (kept over its definition's from then on)."""

    opens_on: dt.date
    closes_on: dt.date


class SourceIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A partner who passes the survey on: a new source, or a new name for one."""

    name: Annotated[str, msgspec.Meta(max_length=400, description="1 to 80 characters, unique in the wave, e.g. "
                                                                  "Oakfield School SENCO")]


class ReleaseIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new release of a wave (a draft): interim up to a cut-off, final from a closed wave; or a correction of a
    published release (`corrects`, with a `note` saying what changed), of the same stage and cut-off."""

    stage: Literal["interim", "final"]
    cutoff: Annotated[dt.datetime, msgspec.Meta(description=(
        "Interim only: a whole hour (UTC, or with its offset), not in the future; the release holds the "
        "responses stored before it"))] | None = None
    corrects: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    note: Annotated[str, msgspec.Meta(max_length=2000, description="What a correction changed")] = ""


class WithdrawIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Why a published release is withdrawn, in words for the public (it is shown with the release)."""

    notice: Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]


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

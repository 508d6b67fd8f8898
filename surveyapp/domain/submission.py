"""Check a submission against its wave's questionnaire and turn it into rows ready to store.

Every offending field is reported at once, by its id, with how to fix it; nothing is stored unless all
of it is valid.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from surveyapp.domain.returncodes import CHILDREN, ReturnCodeError, ReturnCodes, normalise
from surveyapp.domain.sources import SourceSet
from surveyapp.store import PreparedResponse
from surveyapp.store.db import hour_of
from waves.areas.pack import AreaPack, PostcodeError
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, Questionnaire, SingleChoice

_SUBMISSION_ID = re.compile(r"[A-Za-z0-9._:-]{8,100}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
AnswerRow = tuple[str, str | None, str | None, str | None]


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


class SubmissionInvalid(Exception):
    """The submission has one or more invalid fields."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Submission:
    """A submission as received, from the JSON API or the form."""

    answers: dict[str, Any]
    postcode: str | None = None
    return_code: str | None = None
    submission_id: str | None = None
    language: str = "en"
    channel: str = "api"  # api or form; paper or phone only when staff enter it (the caller checks the role)
    source: str | None = None  # an outreach source's id: one of the wave's current sources, or a 400 on `source`
    child: str | None = None  # which child the answers are about (returncodes.CHILDREN), kept only hashed


@dataclass(frozen=True)
class Prepared:
    response: PreparedResponse
    return_code: str


def _options(question: SingleChoice | MultipleChoice) -> list[str]:
    return [o.id for o in question.options]


def _check_single(q: SingleChoice, value: Any, errors: list[FieldError]) -> list[AnswerRow]:
    if not isinstance(value, str) or value not in _options(q):
        errors.append(FieldError(f"answers.{q.id}", f"choose one option id: {', '.join(_options(q))}"))
        return []
    return [(q.id, None, value, None)]


def _check_multiple(q: MultipleChoice, value: Any, errors: list[FieldError]) -> list[AnswerRow]:
    field = f"answers.{q.id}"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(FieldError(field, f"give a list of option ids from: {', '.join(_options(q))}"))
        return []
    unknown = [v for v in value if v not in _options(q)]
    if unknown:
        errors.append(FieldError(field, f"unknown option {', '.join(map(repr, unknown))}; "
                                        f"choose from: {', '.join(_options(q))}"))
        return []
    if len(set(value)) != len(value):
        errors.append(FieldError(field, "give each option once"))
        return []
    if q.exclusive in value and len(value) > 1:
        errors.append(FieldError(field, f"{q.exclusive!r} cannot be chosen with other options; "
                                        f"choose either it alone or the others"))
        return []
    return [(q.id, None, v, None) for v in value]


def _check_likert(q: Likert, value: Any, errors: list[FieldError]) -> list[AnswerRow]:
    statements = [s.id for s in q.statements]
    answers = [a.id for a in q.answers]
    if not isinstance(value, dict):
        errors.append(FieldError(f"answers.{q.id}",
                                 f"give an object of statement id to answer id; statements: {', '.join(statements)}"))
        return []
    rows: list[AnswerRow] = []
    for statement_id, answer_id in value.items():
        field = f"answers.{q.id}.{statement_id}"
        if statement_id not in statements:
            errors.append(FieldError(field, f"unknown statement; statements are: {', '.join(statements)}"))
        elif answer_id is None:
            continue  # explicitly left unanswered: stored as not answered, never as "don't know"
        elif answer_id not in answers:
            errors.append(FieldError(field, f"choose one answer id: {', '.join(answers)}"))
        else:
            rows.append((q.id, statement_id, answer_id, None))
    return rows


def _check_text(q: FreeText, value: Any, errors: list[FieldError]) -> list[AnswerRow]:
    if not isinstance(value, str):
        errors.append(FieldError(f"answers.{q.id}", "give the comment as text"))
        return []
    if "\x00" in value:  # no export can carry it: refused rather than stored without it
        errors.append(FieldError(f"answers.{q.id}", "remove the NUL character (\\u0000); the comment cannot "
                                                    "hold it"))
        return []
    text = _CONTROL.sub("", value).strip()
    if len(text) > q.max_length:
        errors.append(FieldError(f"answers.{q.id}",
                                 f"shorten the comment to {q.max_length} characters (it has {len(text)})"))
        return []
    return [(q.id, None, None, text)] if text else []


def check_answers(questionnaire: Questionnaire, answers: Any, errors: list[FieldError]) -> list[AnswerRow]:
    """Check every answer; append an error per offending field and return the rows of the valid ones."""
    if not isinstance(answers, dict):
        errors.append(FieldError("answers", "give an object of question id to answer"))
        return []
    rows: list[AnswerRow] = []
    for question_id, value in answers.items():
        question = questionnaire.question(question_id)
        if question is None:
            known = ", ".join(q.id for q in questionnaire.questions if not isinstance(q, PartPostcode))
            errors.append(FieldError(f"answers.{question_id}", f"unknown question; questions are: {known}"))
        elif isinstance(question, PartPostcode):
            errors.append(FieldError(f"answers.{question_id}", "send the postcode as the top-level `postcode` field"))
        elif value is None:
            continue
        elif isinstance(question, SingleChoice):
            rows += _check_single(question, value, errors)
        elif isinstance(question, MultipleChoice):
            rows += _check_multiple(question, value, errors)
        elif isinstance(question, Likert):
            rows += _check_likert(question, value, errors)
        elif isinstance(question, FreeText):
            rows += _check_text(question, value, errors)
    required = questionnaire.likert()
    if required is not None and not any(r[0] == required.id and r[1] is not None for r in rows) \
            and not any(e.field.startswith(f"answers.{required.id}") for e in errors):
        errors.append(FieldError(f"answers.{required.id}",
                                 "answer at least one statement of question 7 (\"don't know\" counts)"))
    return rows


class Preparer:
    """Turns a submission for a wave into a PreparedResponse, or raises SubmissionInvalid."""

    def __init__(self, areas: AreaPack, codes: ReturnCodes, sources: SourceSet | None = None) -> None:
        self._areas, self._codes, self._sources = areas, codes, sources

    def _source(self, wave_id: str, typed: str, errors: list[FieldError]) -> str | None:
        """The stored id of a submission's outreach source, if it is one of this wave's current sources."""
        found = self._sources.get(typed) if self._sources is not None else None
        how = f"use a source_id of this wave (GET /api/v1/waves/{wave_id}/sources lists them), or leave source out"
        if found is None:
            errors.append(FieldError("source", f"there is no source {typed[:20]!r}; {how}"))
        elif found.wave_id != wave_id:
            errors.append(FieldError("source", f"{found.source_id} is a source of {found.wave_id}, not of "
                                               f"{wave_id}; {how}"))
        elif found.retired_at is not None:
            errors.append(FieldError("source", f"{found.source_id} was retired on {found.retired_at:%-d %B %Y}, "
                                               "so responses no longer record it; leave source out"))
        else:
            return found.source_id
        return None

    def prepare(self, wave_id: str, questionnaire: Questionnaire, submission: Submission,
                now: datetime) -> Prepared:
        errors: list[FieldError] = []
        rows = check_answers(questionnaire, submission.answers, errors)
        placement = None
        try:
            placement = self._areas.place(submission.postcode)
        except PostcodeError as exc:
            errors.append(FieldError("postcode", str(exc)))
        typed_code = None
        if submission.return_code is not None and submission.return_code.strip():
            try:
                typed_code = normalise(submission.return_code)
            except ReturnCodeError as exc:
                errors.append(FieldError("return_code", str(exc)))
        if submission.child is not None and submission.child not in CHILDREN:
            errors.append(FieldError("child", "give which of your children this is about, counting from the oldest: "
                                              "\"1\" (the oldest, or an only child), \"2\", \"3\" or \"4\" (the "
                                              "fourth oldest or younger); or leave it out"))
        if submission.submission_id is not None and not _SUBMISSION_ID.fullmatch(submission.submission_id):
            errors.append(FieldError("submission_id", "use 8 to 100 letters, digits, '.', '_', ':' or '-' "
                                                      "(a UUID is ideal)"))
        source_id = None if submission.source is None else self._source(wave_id, submission.source, errors)
        if submission.language not in questionnaire.languages:
            errors.append(FieldError("language", f"use one of {', '.join(questionnaire.languages)}"))
        if errors:
            raise SubmissionInvalid(errors)
        assert placement is not None
        code = typed_code or (self._codes.code_for_submission(wave_id, submission.submission_id)
                              if submission.submission_id else self._codes.new_code())
        canonical = msgspec.json.encode([sorted(rows, key=lambda r: tuple(x or "" for x in r)),
                                         placement.postcode_district, typed_code,
                                         *([submission.child] if submission.child else [])])
        response = PreparedResponse(
            response_id=str(uuid.uuid4()), wave_id=wave_id, submission_id=submission.submission_id,
            fingerprint=self._codes.fingerprint(canonical), submitted_hour=hour_of(now),
            postcode_district=placement.postcode_district, lad_code=placement.lad_code,
            area_status=placement.area_status, cohort_key=self._codes.cohort_key(code),
            language=submission.language, channel=submission.channel, answers=tuple(rows),
            source_id=source_id,
            child_key=self._codes.child_key(code, submission.child) if submission.child else None)
        return Prepared(response, code)

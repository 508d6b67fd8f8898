"""Paper entry: a returned paper form, typed in on one page, stored once; or, where the wave asks for double
entry, typed in twice by two people and stored when the two agree (or once someone has settled where they differ).

A form's reference makes its submission id (`paper-ref:0042`), as in staff mode, so it is stored once whichever
way it was entered. Until it is stored, its typings wait in the store with the code and which child sealed, as a
draft keeps them. Who typed each is the signed-in name; whether two typings came from the same person is decided
by the session (`Typist.key`): staff share a role's token today, so the session is what tells two people apart.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Literal, Protocol

from surveyapp.domain.paper import RETURN_CODE, Typed, differing, settled
from surveyapp.domain.services import Services, SubmissionRejected
from surveyapp.domain.submission import FieldError, Submission
from surveyapp.domain.waves import Wave
from surveyapp.store import paper as stored
from surveyapp.store.frames import submission_stored


class Sealer(Protocol):
    """Seals a code (and which child) bound to the form, as the families' form does in a draft."""

    def seal_code(self, code: str, wave_id: str, submission_id: str) -> str: ...

    def unseal_code(self, sealed: str | None, wave_id: str, submission_id: str) -> str | None: ...


TYPED_AT_ONCE = ("Someone else typed in form {reference} at the same moment, so yours was not kept. See "
                 "“Forms waiting” below for what it needs next")


class PaperRefused(Exception):
    """A typing that cannot be taken: `field` names what to fix (the reference, mostly)."""

    def __init__(self, field_name: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field_name, message, status


@dataclass(frozen=True)
class Typist:
    name: str  # the signed-in name, recorded with each typing
    key: str  # a hash of the session it was typed in: two typings by one key are one person's


@dataclass(frozen=True)
class Outcome:
    status: Literal["stored", "first", "differ"]
    reference: str
    return_code: str | None = None
    duplicate: bool = False
    differences: list[str] = field(default_factory=list)


def submission_id_of(reference: str) -> str:
    return f"paper-ref:{reference}"


def double_entry(services: Services, wave_id: str) -> bool:
    return stored.double_entry(services.store, wave_id)


def set_double_entry(services: Services, wave_id: str, on: bool) -> bool:
    """Switch the wave's double entry of paper forms on or off (forms already waiting keep waiting)."""
    services.wave(wave_id)
    stored.set_double_entry(services.store, wave_id, on)
    return on


def waiting(services: Services, wave_id: str) -> list[tuple[str, int, str]]:
    """The wave's forms typed in but not stored yet: reference, typings so far (1 or 2), who typed the first."""
    return [(r[0], int(r[1]), str(r[2])) for r in stored.waiting(services.store, wave_id)]


def _submission(typed: Typed, reference: str) -> Submission:
    return Submission(answers=dict(typed.answers), postcode=typed.postcode, return_code=typed.code,
                      submission_id=submission_id_of(reference), language=typed.language, channel="paper",
                      child=typed.child)


def check(services: Services, wave: Wave, typed: Typed, reference: str) -> None:
    """The service's own checks of the whole form (SubmissionInvalid), before a typing is kept or stored."""
    services.preparer.prepare(wave.wave_id, wave.questionnaire, _submission(typed, reference), services.clock())


def _sealed(sealer: Sealer, wave_id: str, typed: Typed, reference: str) -> str:
    sid = submission_id_of(reference)
    return json.dumps({"answers": typed.answers, "postcode": typed.postcode,
                       "code": sealer.seal_code(typed.code, wave_id, sid) if typed.code else None,
                       "child": sealer.seal_code(typed.child, wave_id, sid + "|child") if typed.child else None})


def _unsealed(sealer: Sealer, wave_id: str, reference: str, language: str, fields_json: str) -> Typed:
    sid, kept = submission_id_of(reference), json.loads(fields_json)
    return Typed(language, kept["answers"], kept["postcode"], sealer.unseal_code(kept["code"], wave_id, sid),
                 sealer.unseal_code(kept["child"], wave_id, sid + "|child"))


def _naive(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)


async def _store(services: Services, wave: Wave, typed: Typed, reference: str, first_by: str,
                 second_by: str | None = None, resolved_by: str | None = None) -> Outcome:
    try:
        accepted = await services.collect(wave, _submission(typed, reference))
    except SubmissionRejected as exc:
        if exc.errors[0].field == RETURN_CODE:
            raise PaperRefused(RETURN_CODE, f"This code has been used {services.settings.max_responses_per_code} "
                                            "times in this survey already. Check it against the form; if it is "
                                            "right, leave it out to store the answers without it", 400) from None
        raise PaperRefused("reference", f"Form {reference} has already been stored with other answers. Check the "
                                        "reference on the form") from None
    stored.stored_form(services.store, wave.wave_id, reference, accepted.response_id, first_by, second_by, resolved_by,
                       _naive(services.clock()))
    return Outcome("stored", reference, accepted.return_code, accepted.duplicate)


def _already_stored(services: Services, wave: Wave, reference: str) -> None:
    if submission_stored(services.store, wave.wave_id, submission_id_of(reference)):
        raise PaperRefused("reference", f"Form {reference} has already been entered for this survey. Check the "
                                        "reference on the form; give a different form a new reference")


async def enter(services: Services, sealer: Sealer, wave: Wave, reference: str, typed: Typed,
                typist: Typist) -> Outcome:
    """Take one typing of a paper form: store it (single entry, or a second typing that matches the first), keep
    it for a second typing, or keep both and list where they differ. SubmissionInvalid or PaperRefused say why
    not."""
    _already_stored(services, wave, reference)
    check(services, wave, typed, reference)
    if not stored.double_entry(services.store, wave.wave_id):
        return await _store(services, wave, typed, reference, typist.name)
    kept = stored.entries(services.store, wave.wave_id, reference)
    now = _naive(services.clock())
    if not kept:
        if not stored.add_entry(services.store, wave.wave_id, reference, 1, typist.name, typist.key, now,
                                typed.language, _sealed(sealer, wave.wave_id, typed, reference)):
            raise PaperRefused("reference", TYPED_AT_ONCE.format(reference=reference))
        return Outcome("first", reference)
    if len(kept) > 1:
        raise PaperRefused("reference", f"Form {reference} has been typed in twice already, and the two differ: "
                                        "settle the differences instead of typing it in again")
    if kept[0][2] == typist.key:
        raise PaperRefused("reference", f"You typed in form {reference} the first time. Another member of staff "
                                        "must type it in the second time, without looking at the first")
    first = _unsealed(sealer, wave.wave_id, reference, kept[0][4], kept[0][5])
    differences = differing(wave.questionnaire, first, typed)
    if not differences:
        return await _store(services, wave, typed, reference, str(kept[0][1]), typist.name)
    if not stored.add_entry(services.store, wave.wave_id, reference, 2, typist.name, typist.key, now,
                            typed.language, _sealed(sealer, wave.wave_id, typed, reference)):
        raise PaperRefused("reference", TYPED_AT_ONCE.format(reference=reference))
    return Outcome("differ", reference, differences=differences)


@dataclass(frozen=True)
class Disagreement:
    """A form typed in twice, and the two typings, waiting for someone to settle the differences."""

    reference: str
    first: Typed
    second: Typed
    first_by: str
    second_by: str
    differences: list[str]


def disagreement(services: Services, sealer: Sealer, wave: Wave, reference: str) -> Disagreement:
    """The two typings of a form that differ (PaperRefused, 404, when the form is not waiting for that)."""
    kept = stored.entries(services.store, wave.wave_id, reference)
    if len(kept) != 2:
        raise PaperRefused("reference", f"Form {reference} is not waiting for differences to be settled: it is "
                                        "stored already, or not typed in twice yet", 404)
    first, second = (_unsealed(sealer, wave.wave_id, reference, row[4], row[5]) for row in kept)
    return Disagreement(reference, first, second, str(kept[0][1]), str(kept[1][1]),
                        differing(wave.questionnaire, first, second))


async def settle(services: Services, sealer: Sealer, wave: Wave, reference: str, take_second: set[str],
                 typist: Typist) -> Outcome:
    """Store the form as settled: each differing field from the typing chosen for it (the first by default)."""
    found = disagreement(services, sealer, wave, reference)
    form = settled(wave.questionnaire, found.first, found.second, take_second & set(found.differences))
    check(services, wave, form, reference)
    return await _store(services, wave, form, reference, found.first_by, found.second_by, typist.name)


__all__ = ["Disagreement", "FieldError", "Outcome", "PaperRefused", "Sealer", "Typed", "Typist", "check",
           "disagreement", "double_entry", "enter", "set_double_entry", "settle", "waiting"]

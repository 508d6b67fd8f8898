"""The "You said, we did" shapes that cross the boundary: what the API reads and answers with, and the CLI too
(a sibling of `surveyapp.actions.schemas`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

Kind = Literal["changed", "under_way", "cannot_change"]
EntryStatus = Literal["draft", "published", "withdrawn"]
TEXT_MAX = 2000
_Text = Annotated[str, msgspec.Meta(max_length=TEXT_MAX * 2, description=f"1 to {TEXT_MAX} characters, plain words")]
_Why = Annotated[str, msgspec.Meta(max_length=TEXT_MAX * 2, description="Why it cannot change: cannot_change only")]
_Since = Annotated[dt.date, msgspec.Meta(description="When it changed, when the work began, or when it was decided "
                                                      "that it cannot change; not after today")]
_Expected = Annotated[dt.date, msgspec.Meta(description="under_way only: when it is expected to be done")]
_Note = Annotated[str, msgspec.Meta(max_length=TEXT_MAX * 2, description="What this edit changes, and why")]


class SaidDidIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new entry: what the council has changed, has under way, or cannot change (and why)."""

    questionnaire_id: Annotated[str, msgspec.Meta(max_length=64, examples=["send-repeat"])]
    statement_id: Annotated[str, msgspec.Meta(
        max_length=64, description="A statement of the questionnaire's Likert question; null (or left out): the "
                                   "survey as a whole")] | None = None
    kind: Kind
    text: _Text
    why: _Why | None = None
    since: _Since
    expected_by: _Expected | None = None
    status: Literal["draft", "published"] = "draft"


class SaidDidEdit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An edit: a new version with the fields given changed (those left out stay), and a note saying what
    changed. The versions before it stay in the entry's history."""

    note: _Note
    kind: Kind | msgspec.UnsetType = msgspec.UNSET
    text: _Text | msgspec.UnsetType = msgspec.UNSET
    why: _Why | msgspec.UnsetType | None = msgspec.UNSET
    since: _Since | msgspec.UnsetType = msgspec.UNSET
    expected_by: _Expected | msgspec.UnsetType | None = msgspec.UNSET
    status: EntryStatus | msgspec.UnsetType = msgspec.UNSET


class SaidDidOut(msgspec.Struct, kw_only=True):
    """One version of an entry. `statement` is the statement's English wording (null for the survey as a whole);
    `updated_at` is when this version was recorded, `created_at` when the first was."""

    entry_id: str
    version: int
    questionnaire_id: str
    statement_id: str | None
    statement: str | None
    kind: Kind
    text: str
    why: str | None
    since: dt.date
    expected_by: dt.date | None
    status: EntryStatus
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime

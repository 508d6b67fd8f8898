"""The quotes' shapes that cross the boundary (a sibling of `surveyapp.actions.schemas`): picking, editing and
checking a quote, and the quote as analysts and as families see it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

Place = Literal["local_authority", "none"]
QuoteStatus = Literal["picked", "approved", "turned_down"]
_Text = Annotated[str, msgspec.Meta(max_length=2000, description=(
    "The masked comment cut or masked further (never reworded): left out, the whole masked comment"))]
_Statement = Annotated[str, msgspec.Meta(max_length=64, description=(
    "The statement it is shown beside (one of the release's); null: the survey as a whole"))]


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A comment picked as a quote for a release (analysts)."""

    response_id: Annotated[str, msgspec.Meta(max_length=64)]
    text: _Text | None = None
    statement_id: _Statement | None = None
    place: Annotated[Place, msgspec.Meta(description=(
        "local_authority: said to come from its local authority (Kent, Medway), never a smaller area; none"))] = \
        "local_authority"


class QuoteEdit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A shorter or more masked text, another statement or less of a place: the quote goes back to be checked."""

    version: Annotated[int, msgspec.Meta(ge=1, description="The version edited (a race is refused)")]
    text: _Text | None = None
    statement_id: _Statement | None = None
    place: Place | None = None


class QuoteCheck(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A second person's check of one version of a quote: approve it or turn it down, with a note."""

    version: Annotated[int, msgspec.Meta(ge=1, description="The version checked: the one read")]
    approve: bool
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class QuoteOut(msgspec.Struct, kw_only=True):
    """A quote as analysts see it: its text, where it is shown, who picked, edited and checked it."""

    quote_id: str
    release_id: str
    response_id: str
    statement_id: str | None
    place: str  # the local authority's name, or "" for none
    text: str
    version: int
    status: QuoteStatus
    picked_by: str
    picked_at: dt.datetime
    edited_by: str
    checked_by: str | None
    checked_at: dt.datetime | None
    check_note: str


class PublicQuote(msgspec.Struct, kw_only=True):
    """A quote as the findings page and the board pack show it: approved, of a published release."""

    statement_id: str | None
    place: str
    text: str

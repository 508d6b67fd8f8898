"""What families wrote: the shapes of comments, codebooks, codings and agreement that the API reads and answers
with, and the CLI too (a sibling of `surveyapp.actions.schemas`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

_ThemeId = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$", examples=["communication"],
                                       description="Lower case letters, digits and _, starting with a letter")]
_Words = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class ThemeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One theme of a codebook: its id (kept across versions; the export's column is `theme_<id>`), a short
    label and a description saying what counts."""

    id: _ThemeId
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    description: _Words


class CodebookIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new version of a questionnaire's codebook: every theme it has (in order), and a note saying what
    changed. Codings made under earlier versions keep their version."""

    themes: Annotated[list[ThemeIn], msgspec.Meta(min_length=1, max_length=60)]
    note: _Words


class ThemeOut(msgspec.Struct, kw_only=True):
    id: str
    label: str
    description: str


class CodebookOut(msgspec.Struct, kw_only=True):
    """One version of a questionnaire's codebook: who made it, when, why, and its themes in order."""

    questionnaire_id: str
    version: int
    note: str
    made_by: str
    made_at: dt.datetime
    themes: list[ThemeOut]


class CommentOut(msgspec.Struct, kw_only=True):
    """A family's comment with its area and statement answers: `text` masked unless `masked` is false (which
    needs the unmask permission and is recorded in the audit log). `themes` are those of its current coding
    (latest, not blind), `codebook_version` the version it was coded under (null: not coded yet)."""

    response_id: str
    wave_id: str
    lad_code: str | None
    area: str | None
    text: str
    masked: bool
    answers: dict[str, str]
    themes: list[str]
    codebook_version: int | None


class CodingIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The themes a coder ticks for one comment (none: no theme applies). `blind`: a second coding of the
    wave's sample, made without seeing anyone else's; compared for agreement, never counted."""

    themes: Annotated[list[str], msgspec.Meta(max_length=60, description="Theme ids of the current codebook")]
    blind: bool = False


class CodingOut(msgspec.Struct, kw_only=True):
    response_id: str
    coder: str
    codebook_version: int
    themes: list[str]
    blind: bool


class SampleIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Draw the wave's blind double-coding sample: `size` comments at random with `seed` (the same seed and
    comments draw the same sample)."""

    size: Annotated[int, msgspec.Meta(ge=2, le=500)] = 20
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**31)] = 2026


class SampleOut(msgspec.Struct, kw_only=True):
    wave_id: str
    seed: int | None
    response_ids: list[str]


class ThemeAgreement(msgspec.Struct, kw_only=True):
    """Two coders' agreement on one theme over the comments both coded: Cohen's kappa (null when it is not
    defined: both coders gave one answer throughout), the share on which they agree, and how many each ticked."""

    theme_id: str
    kappa: float | None
    agreement: float
    ticked_by_first: int
    ticked_by_second: int


class AgreementOut(msgspec.Struct, kw_only=True):
    """Blind double coding of the wave's sample: the two coders compared and their agreement per theme."""

    wave_id: str
    coders: list[str]
    comments: int
    themes: list[ThemeAgreement]


class SuggestionQuality(msgspec.Struct, kw_only=True):
    """How often the suggestions agree with held-out human coding (cross-validated over the coded comments):
    per theme and over all, or `enough` false with the reason when too few are coded yet."""

    enough: bool
    coded: int
    reason: str
    folds: int
    exact_match: float | None  # share of comments whose suggested themes are exactly the coder's
    per_theme: dict[str, float]  # F1 per theme (themes ticked too rarely to learn are left out)


class SettingNamesIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Names of schools and settings for masking to hide (as families would write them)."""

    names: Annotated[list[str], msgspec.Meta(
        min_length=1, max_length=500, description="Names as families would write them; blank ones are left out, "
                                                  "each cut to 200 characters")]


class SettingNamesOut(msgspec.Struct, kw_only=True):
    names: list[str]

"""Where the findings read releases, "You said, we did" entries and quotes from: the releases', said-did and
quotes' actions.

Nothing here reads the store: a published release is read as its frozen document (`surveyapp.domain.release`),
and the entries through `surveyapp.actions.said_did`. `Reader` is the one seam: the app holds one in its state
(`FindingsKit.reader`), and a test or a benchmark may hand it releases of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from surveyapp.domain.release import ReleaseDocument, ReleaseOut, decode

Kind = Literal["changed", "under_way", "cannot_change"]


@dataclass(frozen=True)
class Quote:
    """What a family wrote, as a quote a second person approved: beside a statement, or the survey (None)."""

    statement_id: str | None
    text: str
    place: str  # its local authority, or "" for none


@dataclass(frozen=True)
class SaidDid:
    """One "You said, we did" entry as the findings show it: against a statement, or the survey (None)."""

    statement_id: str | None
    kind: Kind
    text: str
    dated: dt.date | None  # since when (changed, under way) or when it was said
    why: str | None = None  # why the council cannot change it
    expected_by: dt.date | None = None


class Reader:
    """Published releases, newest first, and the entries of a questionnaire, from the service's actions (imported
    when first asked: the form's pages import this module, and need neither at start-up)."""

    def published(self, services: Any) -> list[ReleaseOut]:
        from surveyapp.actions import releases

        return releases.published(services)

    def document(self, services: Any, release: ReleaseOut) -> ReleaseDocument:
        """The frozen document, decoded from the published bytes themselves."""
        from surveyapp.actions import releases

        data = releases.published_bytes(services, release.release_id)
        return decode(data) if data else release.document

    def entries(self, services: Any, questionnaire_id: str) -> list[SaidDid]:
        from surveyapp.actions import said_did

        try:
            found = said_did.entries(services, questionnaire_id)
        except said_did.SaidDidError:  # no wave of the questionnaire any more: nothing to show beside it
            return []
        return [SaidDid(e.statement_id, e.kind, e.text, e.since, e.why, e.expected_by) for e in found]


    def quotes(self, services: Any, release: ReleaseOut) -> list[Quote]:
        """The approved quotes of a published release (none for a withdrawn one)."""
        from surveyapp.actions.quotes import public_quotes

        return [Quote(q.statement_id, q.text, q.place) for q in public_quotes(services, release.release_id)]


def find(reader: Reader, services: Any, release_id: str) -> ReleaseOut | None:
    """The published (or withdrawn) release of this id, or None."""
    return next((r for r in reader.published(services) if r.release_id == release_id), None)


def latest(reader: Reader, services: Any, *, other_than_wave: str | None = None) -> ReleaseOut | None:
    """The newest release still published (not withdrawn), of a wave other than `other_than_wave`."""
    return next((r for r in reader.published(services)
                 if r.status == "published" and r.wave_id != other_than_wave), None)

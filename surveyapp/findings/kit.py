"""What the findings' handlers share: the reader of releases, their words, the frozen pages and printed PDFs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from surveyapp.findings.frozen import Frozen, fingerprint_of
from surveyapp.findings.source import Reader

if TYPE_CHECKING:
    from surveyapp.web.messages import Messages


class FindingsKit:
    """One per app (`app.state.findings`); `reader` may be replaced (tests, benchmarks) before the first request.
    A plain class, not a dataclass: Litestar would try to convert a dataclass dependency field by field."""

    def __init__(self, reader: Reader | None = None) -> None:
        from surveyapp.findings.render import findings_messages  # the form's words: web imports this module

        self.reader = reader or Reader()
        self.messages: dict[str, Messages] = findings_messages()
        self.services: Any = None  # set on start-up (the app's lifespan), for the frozen pages' check
        self.pdfs: dict[tuple[str, str, str], bytes] = {}  # (release, language, fingerprint) -> the printed PDF
        self.frozen = Frozen(self.fingerprint, lambda: tuple(self.messages))

    def fingerprint(self) -> str:
        """What the pages show beyond the frozen documents: which releases are out, their entries and quotes."""
        if self.services is None:
            return ""
        releases = self.reader.published(self.services)
        questionnaires = sorted({r.document.questionnaire_id for r in releases})
        return fingerprint_of([[(r.release_id, r.status, r.content_sha256, r.withdrawal_notice) for r in releases],
                               [self.reader.entries(self.services, q) for q in questionnaires],
                               [self.reader.quotes(self.services, r) for r in releases]])

"""What goes out to families and the public (findings pages, summary PDF, open data, feed), read only from published releases."""

from __future__ import annotations

from surveyapp.findings.frozen import FrozenPages
from surveyapp.findings.kit import FindingsKit
from surveyapp.findings.routes import findings_handlers

__all__ = ["FindingsKit", "FrozenPages", "findings_handlers"]

"""Which Chromium prints the PDFs: the names looked for on PATH (light to import: `surveyapp check` asks it at
start-up without loading the charts)."""

from __future__ import annotations

CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

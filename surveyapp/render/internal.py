"""The "Internal: not for publication" mark on internal pages (the results page, the tracker) and file names."""

from __future__ import annotations

import re

from analytics.disclosure import INTERNAL

BANNER_TEXT = ("Exact figures for the council's own analysis, including small groups a published table would hide "
               "(rows marked \u201cnot publishable\u201d). Do not copy them into anything that leaves the council: "
               "publish only from a checked release.")
# Its own <style> block: the page's Content-Security-Policy hashes every style block it holds (csp_for_page).
_STYLE = ("<style>#internal-figures{border:4px solid #d4351c;background:#fff;color:#0b0c0c;padding:.75rem 1rem;"
          "margin:0 0 1rem;font-size:1.1rem}#internal-figures strong{color:#d4351c}</style>")
_BANNER = (f'{_STYLE}<div role="note" id="internal-figures"><strong>{INTERNAL}.</strong> {BANNER_TEXT}</div>')
_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)
_TITLE = re.compile(r"<title>", re.IGNORECASE)
PREFIX = "internal-"


def mark_internal(html: str) -> str:
    """The page with the internal banner first in its body and "Internal" before its title (once)."""
    if 'id="internal-figures"' in html:
        return html
    html = _TITLE.sub(f"<title>{INTERNAL}: ", html, count=1)
    found = _BODY.search(html)
    return html[: found.end()] + _BANNER + html[found.end():] if found else _BANNER + html


def internal_name(name: str) -> str:
    """A file name that says it is internal: `internal-<name>` (once)."""
    return name if name.startswith(PREFIX) else PREFIX + name

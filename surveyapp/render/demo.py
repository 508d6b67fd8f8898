"""The mark every page shows when the service holds demo data (SURVEYAPP_DEMO, `make demo`)."""

from __future__ import annotations

import re

from litestar import Response

DEMO_NOTE = ("Demo data: every family, answer and comment since 2019 here is invented (make demo); only the 2019 "
             "baseline's counts are the published ones.")
# Plain HTML, no style of its own: every page's Content-Security-Policy allows only the styles it hashed.
_BANNER = f'<p role="note" id="demo-data"><mark><strong>{DEMO_NOTE}</strong></mark></p>'
_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)


def mark_page(html: str) -> str:
    """The page with the demo data note first in its body (once)."""
    if 'id="demo-data"' in html:
        return html
    found = _BODY.search(html)
    return html[: found.end()] + _BANNER + html[found.end():] if found else _BANNER + html


def mark_pages(response: Response[object]) -> Response[object]:
    """An `after_request` hook: every HTML page the service sends carries the note."""
    media = response.media_type
    if isinstance(response.content, str) and str(getattr(media, "value", media)).startswith("text/html"):
        response.content = mark_page(response.content)
    return response

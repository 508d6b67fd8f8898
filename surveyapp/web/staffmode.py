"""Staff mode of the families' form: what marks a draft as staff's, and what its pages show and check.

Staff type in a returned paper form, or answers taken by phone, through the families' own pages (the same
questions, checks, draft and "Check your answers"). Only a staff route (`/survey/{wave}/staff`, behind the staff
or admin token) can start such a draft; it records the channel, and for paper the form's reference, which is
also the response's submission id (`paper-ref:0042`), so the same form typed in twice stores one response. Every
page of a staff draft shows a banner, and is refused (403) to a request without a staff or admin token. Staff
text is English only: it is never shown to families.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.connection import ASGIConnection
from markupsafe import Markup

from surveyapp.auth.pages import signed_in_bar
from surveyapp.domain.channels import REFERENCE_MARK, is_staff
from surveyapp.store.drafts import Draft

_REFERENCE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")
WHAT = {"paper": "a paper form", "phone": "answers taken by phone"}


def normalise_reference(typed: str) -> str | None:
    """The reference as stored: capitals, without spaces; digits alone padded to four (42 and 0042 are one
    form); None when it is not 1 to 20 letters, digits or hyphens."""
    compact = re.sub(r"\s+", "", typed).upper()
    if not _REFERENCE.fullmatch(compact):
        return None
    return f"{int(compact):04d}" if compact.isdigit() else compact


def submission_id_for(channel: str, reference: str) -> str:
    return f"{channel}{REFERENCE_MARK}{reference}"


def reference_of(draft: Draft | None) -> str:
    """The paper form's reference, or "" (a family's draft, or a call entered without one)."""
    if draft is None or not draft.channel:
        return ""
    return draft.submission_id.partition(REFERENCE_MARK)[2]


def banner(draft: Draft | None) -> str:
    """What every page of a staff draft says at its top; "" for a family's draft."""
    if draft is None or not draft.channel:
        return ""
    reference = reference_of(draft)
    return f"Staff mode: entering {WHAT.get(draft.channel, draft.channel)}" + (
        f" – reference {reference}" if reference else "")


NO_BAR = Markup("")  # a family's pages: no signed-in bar


def staff_bar(connection: ASGIConnection[Any, Any, Any, Any], draft: Draft | None) -> Markup:
    """Who is signed in, "Your pages" and Sign out, on every page of a staff draft entered in a browser session;
    empty for a family's draft (a family never sees it) and for a bearer token."""
    if draft is None or not draft.channel:
        return NO_BAR
    return signed_in_bar(connection)


def staff_refused(connection: ASGIConnection[Any, Any, Any, Any], draft: Draft | None) -> bool:
    """Whether a page of this draft must be refused (403): a staff draft, asked for without a staff or admin
    token."""
    return draft is not None and bool(draft.channel) and not is_staff(connection)

"""Quotes with care (issue 26 item 4): analysts pick what families wrote for a release, masked, cut or masked further
only; a second person (another identity than whoever picked or last edited it) checks and approves each version;
a quote says no place smaller than its local authority. Only approved quotes of a published release are shown
(`public_quotes`): on the families' findings page beside their statement ("You said") and in the board pack."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import msgspec

from surveyapp.actions.levels import AnalysisError
from surveyapp.actions.releases import ReleaseConflict, ReleaseNotFound, release_out
from surveyapp.actions.schemas_quotes import PublicQuote, QuoteCheck, QuoteEdit, QuoteIn, QuoteOut
from surveyapp.domain.quoting import cut_from
from surveyapp.domain.release import ReleaseOut
from surveyapp.domain.services import Services

__all__ = ["QuoteNotFound", "check", "edit", "listing", "pick", "public_quotes"]


class QuoteNotFound(LookupError):
    """No quote has this id in this release (a 404)."""


def masked_comment(services: Services, response_id: str) -> tuple[dict[str, Any], str]:
    """The comment's stored row and its masked text (the comments' masking, with the admin's list of schools and
    settings); AnalysisError names `response_id` when it left none."""
    from surveyapp.actions.comments import masker
    from surveyapp.store.themes import comment_of

    comment = comment_of(services.store, response_id)
    if comment is None:
        raise AnalysisError("response_id", f"{response_id!r} left no comment")
    return comment, masker(services).mask(comment["text"])


def _release(services: Services, release_id: str) -> ReleaseOut:
    release = release_out(services, release_id)
    if release is None:
        raise ReleaseNotFound(release_id)
    if release.status == "withdrawn":
        raise ReleaseConflict(f"{release_id} is withdrawn: its quotes are no longer shown or changed")
    return release


def _place(services: Services, comment: dict[str, Any], place: str) -> str:
    """The local authority the quote is said to come from (its upper-tier authority's name), or ""."""
    lads = services.areas.lads
    if place == "none" or comment["area_status"] != "in_area" or "utla_name" not in lads.columns:
        return ""
    names = dict(zip(lads["lad_code"].to_list(), lads["utla_name"].to_list(), strict=True))
    return str(names.get(comment["lad_code"], ""))


def _statement(release: ReleaseOut, statement_id: str | None) -> str | None:
    if statement_id is not None and statement_id not in release.document.statements:
        raise AnalysisError("statement_id", f"use one of the release's statements: "
                                            f"{', '.join(release.document.statements)}; or leave it out")
    return statement_id


def _text(new: str | None, old: str) -> str:
    if new is None:
        return old
    why = cut_from(new, old)
    if why is not None:
        raise AnalysisError("text", why)
    return new.strip()


def _now(services: Services) -> dt.datetime:
    return services.clock().astimezone(dt.UTC).replace(tzinfo=None)


def pick(services: Services, release_id: str, body: QuoteIn, who: str) -> QuoteOut:
    """A comment of the release's wave picked as a quote, waiting for a second person's check."""
    from surveyapp.store.themes import add_quote

    release = _release(services, release_id)
    comment, masked = masked_comment(services, body.response_id)
    if comment["wave_id"] != release.wave_id:
        raise AnalysisError("response_id", f"{body.response_id!r} is not a response of {release.wave_id}")
    quote_id = f"q-{secrets.token_hex(6)}"
    add_quote(services.store, {
        "quote_id": quote_id, "release_id": release_id, "response_id": body.response_id,
        "statement_id": _statement(release, body.statement_id), "place": _place(services, comment, body.place),
        "text": _text(body.text, masked), "version": 1, "status": "picked", "picked_by": who,
        "picked_at": _now(services), "edited_by": who, "check_note": ""})
    return _quote(services, release_id, quote_id)


def edit(services: Services, release_id: str, quote_id: str, body: QuoteEdit, who: str) -> QuoteOut:
    """A shorter or more masked text, another statement, or no place: a new version, to be checked again."""
    from surveyapp.store.themes import update_quote

    release = _release(services, release_id)
    quote = _quote(services, release_id, quote_id)
    changes: dict[str, Any] = {"version": quote.version + 1, "status": "picked", "edited_by": who,
                               "checked_by": None, "checked_at": None, "check_note": ""}
    if body.text is not None:
        changes["text"] = _text(body.text, quote.text)
    if body.statement_id is not None:
        changes["statement_id"] = _statement(release, body.statement_id)
    if body.place == "none":
        changes["place"] = ""
    elif body.place == "local_authority" and not quote.place:
        raise AnalysisError("place", "a place taken off a quote is not put back: pick the comment again")
    if body.version != quote.version or not update_quote(services.store, quote_id, quote.version, changes):
        raise ReleaseConflict(f"{quote_id} is at version {quote.version}: read it again before editing it")
    return _quote(services, release_id, quote_id)


def check(services: Services, release_id: str, quote_id: str, body: QuoteCheck, who: str) -> QuoteOut:
    """A second person's check of the version they read: approved, or turned down with a note."""
    from surveyapp.store.themes import update_quote

    _release(services, release_id)
    quote = _quote(services, release_id, quote_id)
    if who in (quote.picked_by, quote.edited_by):
        raise ReleaseConflict(f"{quote_id} was picked or last edited by you ({who}): a second person checks it")
    if not body.approve and not body.note.strip():
        raise AnalysisError("note", "say why the quote is turned down, for whoever picked it")
    changes = {"status": "approved" if body.approve else "turned_down", "checked_by": who,
               "checked_at": _now(services), "check_note": body.note.strip()}
    if body.version != quote.version or not update_quote(services.store, quote_id, quote.version, changes):
        raise ReleaseConflict(f"{quote_id} is at version {quote.version}: check the text as it is now")
    return _quote(services, release_id, quote_id)


def listing(services: Services, release_id: str) -> list[QuoteOut]:
    """Every quote picked for the release, whatever its status (analysts and admins)."""
    from surveyapp.store.themes import read_quotes

    if release_out(services, release_id) is None:
        raise ReleaseNotFound(release_id)
    return [msgspec.convert(row, QuoteOut) for row in read_quotes(services.store, release_id=release_id)]


def public_quotes(services: Services, release_id: str, *, drafts: bool = False) -> list[PublicQuote]:
    """The quotes a second person approved, of a published release (none for a withdrawn one; a draft's only with
    `drafts`, for its internal board pack): what the findings page and the board pack show."""
    from surveyapp.store.themes import read_quotes

    release = release_out(services, release_id)
    if release is None or release.status not in ("published", *(("draft",) if drafts else ())):
        return []
    return [PublicQuote(statement_id=row["statement_id"], place=row["place"], text=row["text"])
            for row in read_quotes(services.store, release_id=release_id)
            if row["status"] == "approved" and row["checked_by"] not in (None, row["picked_by"], row["edited_by"])]


def _quote(services: Services, release_id: str, quote_id: str) -> QuoteOut:
    from surveyapp.store.themes import read_quotes

    rows = [r for r in read_quotes(services.store, quote_id=quote_id) if r["release_id"] == release_id]
    if not rows:
        raise QuoteNotFound(quote_id)
    return msgspec.convert(rows[0], QuoteOut)

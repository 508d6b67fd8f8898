"""Drafts of the families' form: answers saved page by page, kept for DRAFT_DAYS, deleted when sent.

Every change goes through the one writer (`Writer.run`), as a read-modify-write inside the writer's own
transaction, so two tabs saving at once never lose each other's answers. Reads use a cursor of their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import msgspec

if TYPE_CHECKING:
    from surveyapp.store.db import Store

DRAFT_DAYS = 7  # a draft is kept this long after its last change (the docs and the start page say so)
_COLUMNS = ("submission_id", "language", "answers_json", "postcode_district", "sealed_code", "next_page",
            "started_at", "expires_at", "source_id", "channel", "sealed_child")


@dataclass(frozen=True)
class Draft:
    """One family's unsent answers to one wave, as the form keeps them."""

    wave_id: str
    submission_id: str  # made with the draft: sending it again, however often, stores one response
    language: str
    started_at: dt.datetime  # naive UTC: the first page saved (the minimum fill time counts from here)
    expires_at: dt.datetime
    next_page: str
    answers: dict[str, Any] = field(default_factory=dict)
    postcode: str | None = None  # the outward code only
    sealed_code: str | None = None
    source_id: str | None = None  # the outreach source whose link opened the form on this device, if any
    channel: str | None = None  # paper or phone: staff entering a returned form or a call (None: a family's own)
    sealed_child: str | None = None  # which child the form is about (returncodes.CHILDREN), sealed as the code is


def draft_key(cookie_value: str) -> str:
    """What the table stores for a cookie's random id: its SHA-256, never the id itself."""
    return hashlib.sha256(b"surveyapp-draft|" + cookie_value.encode()).hexdigest()


def utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def expiry(now: dt.datetime) -> dt.datetime:
    return utc_naive(now) + dt.timedelta(days=DRAFT_DAYS)


_PLACES = ", ".join(["?"] * (len(_COLUMNS) + 2))
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM drafts WHERE draft_key = ? AND wave_id = ? AND expires_at > ?"


def _read(cursor: duckdb.DuckDBPyConnection, key: str, wave_id: str, now: dt.datetime) -> Draft | None:
    row = cursor.execute(_SELECT, [key, wave_id, utc_naive(now)]).fetchone()
    return None if row is None else _draft(wave_id, row)


def _draft(wave_id: str, row: tuple[Any, ...]) -> Draft:
    values = dict(zip(_COLUMNS, row, strict=True))
    answers = msgspec.json.decode(values.pop("answers_json"))
    postcode = values.pop("postcode_district")
    return Draft(wave_id=wave_id, answers=answers, postcode=postcode, **values)


class Drafts:
    """The drafts table: reads on a cursor, every change through the store's writer."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: str, wave_id: str, now: dt.datetime) -> Draft | None:
        """The draft, unless there is none or it has expired."""
        rows = self._store.rows(_SELECT, [key, wave_id, utc_naive(now)])
        return _draft(wave_id, rows[0]) if rows else None

    def count(self, now: dt.datetime) -> int:
        """Drafts not yet expired, across every wave (the metrics' `surveyapp_drafts`)."""
        rows = self._store.rows("SELECT count(*) FROM drafts WHERE expires_at > ?", [utc_naive(now)])
        return int(rows[0][0])

    def change(self, key: str, wave_id: str, now: dt.datetime,
               apply: Callable[[Draft | None], Draft]) -> Future[Draft]:
        """Read the draft (None when absent or expired), apply the change and store it, in one transaction."""

        def action(cursor: duckdb.DuckDBPyConnection) -> Draft:
            draft = apply(_read(cursor, key, wave_id, now))
            cursor.execute("DELETE FROM drafts WHERE draft_key = ? AND wave_id = ?", [key, wave_id])
            cursor.execute(
                f"INSERT INTO drafts (draft_key, wave_id, {', '.join(_COLUMNS)}) VALUES ({_PLACES})",
                [key, wave_id, draft.submission_id, draft.language, msgspec.json.encode(draft.answers).decode(),
                 draft.postcode, draft.sealed_code, draft.next_page, draft.started_at, draft.expires_at,
                 draft.source_id, draft.channel, draft.sealed_child])
            return draft

        return self._store.writer.run(action)

    def delete(self, key: str, wave_id: str) -> Future[None]:
        """Forget the draft (its answers were sent, or the family started again)."""
        return self._store.writer.run(
            lambda cursor: cursor.execute("DELETE FROM drafts WHERE draft_key = ? AND wave_id = ?",
                                          [key, wave_id]) and None)

    def purge(self, now: dt.datetime) -> Future[None]:
        """Delete every expired draft."""
        return self._store.writer.run(
            lambda cursor: cursor.execute("DELETE FROM drafts WHERE expires_at <= ?", [utc_naive(now)]) and None)

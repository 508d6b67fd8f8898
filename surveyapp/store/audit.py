"""The audit log table: rows appended through the store's one writer, each chained to the one before by a hash.

A row's `row_hash` is the SHA-256 of its content (`seq`, `recorded_at`, who, what, the target, the outcome, the status,
the detail) and the previous row's hash, so changing a row breaks its own hash and deleting one breaks the
numbering or the next row's link. The store has no statement that updates or deletes a row of it. Appending
reads the last row's hash inside the writer's transaction: the writer's one thread orders every append.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from surveyapp.store.db import Store

Outcome = Literal["ok", "refused", "failed"]
GENESIS = "0" * 64  # the first row's prev_hash
COLUMNS = ("seq", "recorded_at", "actor_role", "actor_name", "actor_subject", "action", "target", "outcome", "status",
           "detail", "prev_hash", "row_hash")
MAX_TEXT = 300  # longest name, action or target kept
MAX_DETAIL = 2000  # longest detail kept, as JSON


@dataclass(frozen=True)
class Entry:
    """One thing done, as the audit log records it (never a family's answers, postcode or code, nor an IP
    address: callers pass who and what, and the detail holds parameters, not data)."""

    at: dt.datetime
    action: str
    target: str
    outcome: Outcome
    status: int | None = None
    actor_role: str = ""
    actor_name: str = ""
    actor_subject: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Appended:
    seq: int
    row_hash: str


@dataclass(frozen=True)
class Break:
    """The first row where the chain does not hold, and why."""

    seq: int
    reason: str


def outcome_of(status: int) -> Outcome:
    """ok for 1xx to 3xx, refused for 4xx (not allowed, not found, not valid), failed for 5xx."""
    return "ok" if status < 400 else "refused" if status < 500 else "failed"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def detail_json(detail: Mapping[str, Any]) -> str:
    """The detail as compact JSON with sorted keys, cut to MAX_DETAIL (then as `{"cut": "<start>"}`)."""
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return text if len(text) <= MAX_DETAIL else json.dumps({"cut": text[: MAX_DETAIL - 20]}, ensure_ascii=False)


def row_hash(values: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of a row's content and its prev_hash: what `row_hash` holds and `verify` recomputes."""
    at = values["recorded_at"]
    content = [values["seq"], at.isoformat(timespec="microseconds") if isinstance(at, dt.datetime) else str(at),
               values["actor_role"], values["actor_name"], values["actor_subject"], values["action"],
               values["target"], values["outcome"], values["status"], values["detail"], values["prev_hash"]]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _append(cursor: duckdb.DuckDBPyConnection, entry: Entry) -> Appended:
    last = cursor.execute("SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (1, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))
    values: dict[str, Any] = {
        "seq": seq, "recorded_at": _utc(entry.at), "actor_role": _cut(entry.actor_role),
        "actor_name": _cut(entry.actor_name), "actor_subject": _cut(entry.actor_subject),
        "action": _cut(entry.action), "target": _cut(entry.target),
        "outcome": entry.outcome, "status": entry.status, "detail": detail_json(entry.detail), "prev_hash": prev}
    values["row_hash"] = row_hash(values)
    cursor.execute(f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                   [values[c] for c in COLUMNS])
    return Appended(seq, values["row_hash"])


def append(store: Store, entry: Entry) -> Future[Appended]:
    """Queue the row to the writer; the future resolves once the commit holding it has returned."""
    return store.writer.run(lambda cursor: _append(cursor, entry))


def read(store: Store, *, actor: str | None = None, action: str | None = None, since: dt.datetime | None = None,
         until: dt.datetime | None = None, limit: int = 500) -> pl.DataFrame:
    """The rows matching every filter given, newest first, at most `limit`: `actor` matches a role, a name or a
    subject (any case), `action` the action (any case), `since` and `until` the time (inclusive, UTC)."""
    where, params = ["true"], dict[str, Any]()
    if actor:
        where.append("(lower(actor_name) = lower($actor) OR lower(actor_subject) = lower($actor) "
                     "OR lower(actor_role) = lower($actor))")
        params["actor"] = actor
    if action:
        where.append("lower(action) = lower($action)")
        params["action"] = action
    if since is not None:
        where.append("recorded_at >= $since")
        params["since"] = _utc(since)
    if until is not None:
        where.append("recorded_at <= $until")
        params["until"] = _utc(until)
    params["limit"] = limit
    return store.frame(f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE {' AND '.join(where)} "
                       "ORDER BY seq DESC LIMIT $limit", params)


def first_break(rows: Iterable[tuple[Any, ...]]) -> tuple[int, Break | None]:
    """Walk rows in `seq` order (as COLUMNS): how many were checked, and the first that breaks the chain."""
    expected_seq, prev, count = 1, GENESIS, 0
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        count += 1
        seq = int(values["seq"])
        if seq != expected_seq:
            return count, Break(seq, f"row {expected_seq} is missing (deleted?): the next row is {seq}")
        if values["prev_hash"] != prev:
            return count, Break(seq, f"its prev_hash does not match row {seq - 1}'s hash (a row before it was "
                                     "changed or deleted)" if seq > 1 else "the first row's prev_hash is not 64 zeros")
        if row_hash(values) != values["row_hash"]:
            return count, Break(seq, "its content does not match its hash (the row was changed)")
        expected_seq, prev = seq + 1, str(values["row_hash"])
    return count, None


def verify(store: Store) -> tuple[int, Break | None, str]:
    """Check the whole chain: the rows checked, the first break (or None) and the last row's hash (64 zeros
    when empty), which the service also writes to its log with every row, so a cut-off tail can be noticed."""
    rows = store.rows(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq")
    count, broken = first_break(rows)
    return count, broken, str(rows[-1][-1]) if rows else GENESIS

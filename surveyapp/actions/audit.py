"""The audit log: record what someone did, read and filter the rows, export them as CSV, verify the hash chain.

Handlers declaring `opt={"audit": "<what>"}` are recorded by the access log (`surveyapp.http.access`), sign-in
and sign-out by `surveyapp.auth.signin`; both end in `record`. An admin page can call `audit_rows`,
`audit_csv` and `verify` as the API does.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import Future

import polars as pl

from surveyapp.actions.schemas import AuditBreakOut, AuditCheckOut, AuditRowOut
from surveyapp.domain.services import Services
from surveyapp.store import audit as table
from surveyapp.store.audit import Appended, Entry

MAX_LIMIT = 50_000  # most rows one read returns


outcome_of = table.outcome_of


def record(services: Services, entry: Entry) -> Future[Appended]:
    """Append the row through the store's writer; the future resolves once it is committed."""
    return table.append(services.store, entry)


def _frame(services: Services, *, actor: str | None, action: str | None, since: dt.datetime | None,
           until: dt.datetime | None, limit: int) -> pl.DataFrame:
    return table.read(services.store, actor=actor, action=action, since=since, until=until,
                      limit=max(1, min(limit, MAX_LIMIT)))


def audit_rows(services: Services, *, actor: str | None = None, action: str | None = None,
               since: dt.datetime | None = None, until: dt.datetime | None = None,
               limit: int = 500) -> list[AuditRowOut]:
    """The rows matching every filter given, newest first (`actor`: a role, a person's name or subject; `action`
    exact, any case; `since`/`until` inclusive; at most `limit`, up to MAX_LIMIT)."""
    frame = _frame(services, actor=actor, action=action, since=since, until=until, limit=limit)
    return [AuditRowOut(**{**row, "detail": json.loads(row["detail"])}) for row in frame.iter_rows(named=True)]


def audit_csv(services: Services, *, actor: str | None = None, action: str | None = None,
              since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = MAX_LIMIT) -> bytes:
    """The same rows as CSV (UTF-8, a header row, `recorded_at` in ISO 8601 UTC, `detail` as its JSON text), any cell a
    spreadsheet would run as a formula prefixed with a quote."""
    from surveyapp.render.exports import neutralise

    frame = _frame(services, actor=actor, action=action, since=since, until=until, limit=limit)
    frame = frame.with_columns(pl.col("recorded_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
    return neutralise(frame).write_csv().encode()


def verify(services: Services) -> AuditCheckOut:
    """Recompute the whole chain: the first row changed, deleted or out of place, if any."""
    count, broken, last = table.verify(services.store)
    return AuditCheckOut(rows=count, intact=broken is None, last_hash=last,
                         first_break=None if broken is None else AuditBreakOut(broken.seq, broken.reason))


__all__ = ["Appended", "Entry", "audit_csv", "audit_rows", "outcome_of", "record", "verify"]

"""The audit log (admin bearer token): its rows, filtered, as JSON or CSV, and the check of its hash chain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Response, Router, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from surveyapp.actions import audit
from surveyapp.actions.schemas import AuditCheckOut, AuditRowOut
from surveyapp.auth.guards import require
from surveyapp.domain.services import Services

_NO_STORE = {"Cache-Control": "no-store"}
ACTOR = QueryParameter(description="A role (admin, analyst, staff), a person's name or their subject; any case")
ACTION = QueryParameter(description="An action, e.g. `export`, `sign in`, `wave closed`; any case")
SINCE = QueryParameter(description="From this time (ISO 8601; UTC unless it says otherwise), inclusive")
UNTIL = QueryParameter(description="Up to this time, inclusive")
LIMIT = QueryParameter(ge=1, le=audit.MAX_LIMIT, description="At most this many rows, newest first")


@get("/audit", sync_to_thread=True, opt={"audit": "audit log read"})
def audit_log(services: NamedDependency[Services], actor: Annotated[str | None, ACTOR] = None,
              action: Annotated[str | None, ACTION] = None, since: Annotated[dt.datetime | None, SINCE] = None,
              until: Annotated[dt.datetime | None, UNTIL] = None,
              limit: Annotated[int, LIMIT] = 500) -> Response[list[AuditRowOut]]:
    """Who did what and when, with the outcome, newest first: sign-ins and sign-outs (and failures), exports,
    internal figures read, waves and backups; each row with its place in the hash chain."""
    return Response(audit.audit_rows(services, actor=actor, action=action, since=since, until=until, limit=limit),
                    headers=_NO_STORE)


@get("/audit.csv", sync_to_thread=True, media_type="text/csv", opt={"audit": "audit log exported"})
def audit_log_csv(services: NamedDependency[Services], actor: Annotated[str | None, ACTOR] = None,
                  action: Annotated[str | None, ACTION] = None, since: Annotated[dt.datetime | None, SINCE] = None,
                  until: Annotated[dt.datetime | None, UNTIL] = None,
                  limit: Annotated[int, LIMIT] = audit.MAX_LIMIT) -> Response[bytes]:
    """The same rows as a CSV file (UTF-8, one header row; `detail` as its JSON text)."""
    body = audit.audit_csv(services, actor=actor, action=action, since=since, until=until, limit=limit)
    return Response(body, media_type="text/csv", headers={
        "Content-Disposition": 'attachment; filename="audit-log.csv"', **_NO_STORE})


@get("/audit/verify", sync_to_thread=True, opt={"audit": "audit log verified"})
def audit_verify(services: NamedDependency[Services]) -> Response[AuditCheckOut]:
    """Recompute the hash chain: `intact`, and the first row changed, deleted or out of place when not."""
    return Response(audit.verify(services), headers=_NO_STORE)


def audit_router() -> Router:
    """/api/v1/audit, audit.csv and audit/verify: the admin token, declared once."""
    return Router(path="/api/v1", route_handlers=[audit_log, audit_log_csv, audit_verify],
                  guards=[require("admin")], tags=["audit"], security=[{"bearer": []}])

"""The console's audit log: the rows matching a filter (who, what, from, to), newest first, the same filter as a
CSV file, and whether the hash chain holds. The same actions as GET /api/v1/audit, audit.csv and audit/verify."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from surveyapp.actions import audit as actions
from surveyapp.console.render import console_page
from surveyapp.domain.services import Services
from surveyapp.web.errors import FormError

SHOWN = 500  # most rows the page shows; the CSV has them all


def _moment(value: str, *, end: bool) -> dt.datetime:
    """A date (the whole day) or a date and time, UTC unless it says otherwise."""
    text = value.strip()
    if len(text) == 10:
        day = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
        return day + dt.timedelta(days=1, microseconds=-1) if end else day
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _filters(since: str, until: str) -> tuple[dict[str, dt.datetime | None], list[FormError]]:
    found: dict[str, dt.datetime | None] = {"since": None, "until": None}
    errors: list[FormError] = []
    for name, value, label in (("since", since, "From"), ("until", until, "To")):
        if not value.strip():
            continue
        try:
            found[name] = _moment(value, end=name == "until")
        except ValueError:
            errors.append(FormError(name, f"#{name}", f"{label}: enter a date like 2026-11-02, or a date and "
                                                      "time like 2026-11-02T09:30"))
    if not errors and found["since"] and found["until"] and found["since"] > found["until"]:
        errors.append(FormError("until", "#until", "To must be the same as or after From"))
    return found, errors


@get("/audit", sync_to_thread=True, opt={"audit": "audit log read"})
def audit_page(request: Request[Any, Any, Any], services: NamedDependency[Services], actor: FromQuery[str] = "",
               action: FromQuery[str] = "", since: FromQuery[str] = "", until: FromQuery[str] = "") -> Response[str]:
    """The audit log's rows for the filter given, newest first, and the chain's check."""
    moments, errors = _filters(since, until)
    rows = [] if errors else actions.audit_rows(services, actor=actor.strip() or None,
                                                action=action.strip() or None, since=moments["since"],
                                                until=moments["until"], limit=SHOWN + 1)
    asked = {k: v.strip() for k, v in (("actor", actor), ("action", action), ("since", since),
                                        ("until", until)) if v.strip()}
    return console_page("audit.html", request, here="audit", title="Audit log", wide=True,
                        rows=rows[:SHOWN], more=len(rows) > SHOWN, errors=errors,
                        values={"actor": actor, "action": action, "since": since, "until": until},
                        csv="/api/v1/audit.csv" + (f"?{urlencode(asked)}" if asked else ""),
                        check=actions.verify(services), status=400 if errors else 200)


HANDLERS = [audit_page]

"""The admin console: server-rendered pages for running the survey."""

from __future__ import annotations

from litestar import Router
from litestar.types import ControllerRouterHandler

from surveyapp.auth.guards import require
from surveyapp.domain.channels import STAFF_ROLES


def console_handlers() -> list[ControllerRouterHandler]:
    """/console (the admin's pages: waves, outreach sources, releases, "You said, we did", the audit log) and
    /console/paper (paper entry, staff or admin)."""
    from surveyapp.console import audit, paper, releases, said_did, sources, waves

    admin = Router(path="/console", route_handlers=[*waves.HANDLERS, *sources.HANDLERS, *releases.HANDLERS,
                                                    *said_did.HANDLERS, *audit.HANDLERS],
                   guards=[require("admin")], include_in_schema=False)
    staff = Router(path="/console/paper", route_handlers=paper.HANDLERS, guards=[require(STAFF_ROLES)],
                   include_in_schema=False)
    return [admin, staff]

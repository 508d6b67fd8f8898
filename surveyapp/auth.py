"""Bearer-token guards for the analyst and admin routers."""

from __future__ import annotations

import hmac
import logging
from typing import Any, Literal

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from surveyapp.logsafe import escape
from surveyapp.settings import Settings

log = logging.getLogger("surveyapp.auth")
Role = Literal["analyst", "admin"]
ROLES: tuple[Role, ...] = ("analyst", "admin")


def _presented(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require(role: Role, settings: Settings) -> Guard:
    """A guard admitting only a bearer token of this role: none or unknown is 401, another role's is 403."""
    tokens = {r: t.encode() for r, t in (("analyst", settings.analyst_token), ("admin", settings.admin_token)) if t}

    def role_of(token: str) -> str | None:
        presented = token.encode()
        return next((r for r, expected in tokens.items() if hmac.compare_digest(presented, expected)), None)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        where = escape(f"{connection.scope.get('method', '')} {connection.scope.get('path', '')}")
        token = _presented(connection)
        if token is None:
            log.warning("%s access refused: no bearer token (%s)", role, where)
            raise NotAuthorizedException(f"send `Authorization: Bearer <{role} token>`",
                                         headers={"WWW-Authenticate": "Bearer"})
        presented_role = role_of(token)
        if presented_role is None:
            log.warning("%s access refused: unknown token (%s)", role, where)
            raise NotAuthorizedException("the token is not valid", headers={"WWW-Authenticate": "Bearer"})
        if presented_role != role:
            log.warning("%s access refused: %s token used (%s)", role, presented_role, where)
            raise PermissionDeniedException(f"this needs the {role} token, not the {presented_role} token")

    return guard

"""Bearer-token guards for the staff, analyst and admin routes.

Three roles, each with its own token: staff enter paper and phone answers (and may claim a channel), analysts
read responses and figures, admins run waves and sources. The roles are kept apart: one role's token never
passes another's guard, except where a route names several roles (staff or admin may enter paper answers)."""

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
Role = Literal["staff", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("staff", "analyst", "admin")


def _presented(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def role_tokens(settings: Settings) -> dict[Role, bytes]:
    """Each role's token, for the roles that have one set."""
    tokens: dict[Role, str | None] = {"staff": settings.staff_token, "analyst": settings.analyst_token,
                                      "admin": settings.admin_token}
    return {role: token.encode() for role, token in tokens.items() if token}


def role_of_token(token: str, tokens: dict[Role, bytes]) -> Role | None:
    """The role a presented token belongs to, compared in constant time, or None."""
    presented = token.encode()
    return next((r for r, expected in tokens.items() if hmac.compare_digest(presented, expected)), None)


def presented_role(connection: ASGIConnection[Any, Any, Any, Any], tokens: dict[Role, bytes]) -> Role | None:
    """The role of the bearer token a request presents, or None when it presents none."""
    token = _presented(connection)
    return None if token is None else role_of_token(token, tokens)


def require(role: Role | tuple[Role, ...], settings: Settings) -> Guard:
    """A guard admitting only a bearer token of this role (or of one of these roles): none or unknown is 401,
    another role's is 403."""
    allowed: tuple[Role, ...] = (role,) if isinstance(role, str) else role
    wanted = " or ".join(allowed)
    tokens = role_tokens(settings)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        where = escape(f"{connection.scope.get('method', '')} {connection.scope.get('path', '')}")
        token = _presented(connection)
        if token is None:
            log.warning("%s access refused: no bearer token (%s)", wanted, where)
            raise NotAuthorizedException(f"send `Authorization: Bearer <{allowed[0]} token>`",
                                         headers={"WWW-Authenticate": "Bearer"})
        presented = role_of_token(token, tokens)
        if presented is None:
            log.warning("%s access refused: unknown token (%s)", wanted, where)
            raise NotAuthorizedException("the token is not valid", headers={"WWW-Authenticate": "Bearer"})
        if presented not in allowed:
            log.warning("%s access refused: %s token used (%s)", wanted, presented, where)
            raise PermissionDeniedException(f"this needs the {wanted} token, not the {presented} token")

    return guard

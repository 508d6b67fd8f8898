"""Bearer-token guards for the analyst and admin endpoints."""

from __future__ import annotations

import hmac
import logging

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

log = logging.getLogger("surveyapp.auth")
ROLES = ("analyst", "admin")


def _presented(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _role_of(connection: ASGIConnection, token: str) -> str | None:
    settings = connection.app.state.services.settings
    for role in ROLES:
        expected = getattr(settings, f"{role}_token")
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return role
    return None


def require(role: str):
    """A guard admitting only a bearer token of this role: none or unknown is 401, another role's is 403."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        where = f"{connection.scope.get('method', '')} {connection.scope.get('path', '')}"
        token = _presented(connection)
        if token is None:
            log.warning("%s access refused: no bearer token (%s)", role, where)
            raise NotAuthorizedException(f"send `Authorization: Bearer <{role} token>`",
                                         headers={"WWW-Authenticate": "Bearer"})
        presented_role = _role_of(connection, token)
        if presented_role is None:
            log.warning("%s access refused: unknown token (%s)", role, where)
            raise NotAuthorizedException("the token is not valid", headers={"WWW-Authenticate": "Bearer"})
        if presented_role != role:
            log.warning("%s access refused: %s token used (%s)", role, presented_role, where)
            raise PermissionDeniedException(f"this needs the {role} token, not the {presented_role} token")

    return guard

"""Guards for the staff, analyst and admin routes: each admits only its roles, as `request.user` says.

Three roles: staff enter paper and phone answers (and may claim a channel), analysts read responses and figures,
admins run waves, sources and accounts. A named person may hold several; none implies another (an admin reads
answers only if also an analyst), and one role's shared token never passes another's guard, except where a
route names several roles (staff or admin may enter paper answers).

Who a request is from is decided once, by the authentication middleware (`surveyapp.auth.middleware`), from a
bearer token or the session cookie /sign-in sets; a guard only checks the role it found, with the same 401/403
rules for both. A state-changing request the cookie authenticated must also carry the session's CSRF token. A
browser asking for a page without either is sent to /sign-in (303) and comes back after; other clients get the
JSON 401.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn
from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from surveyapp.auth.identity import ROLE_NAMES, ROLES, Identity, Role
from surveyapp.auth.middleware import Credentials, credentials_of, identity_of
from surveyapp.auth.sessions import CSRF_FIELD, CSRF_HEADER, CSRF_STATE
from surveyapp.http.logsafe import escape
from surveyapp.settings import Settings

log = logging.getLogger("surveyapp.auth.guards")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
__all__ = ["ROLES", "Identity", "Role", "identity_of", "require", "role_tokens"]


class SignInRequired(NotAuthorizedException):
    """A browser asked for a guarded page without a valid session: it is sent to /sign-in, then back."""

    def __init__(self, next_path: str, *, ended: bool, from_elsewhere: bool = False) -> None:
        super().__init__("sign in first", headers={"WWW-Authenticate": "Bearer"})
        self.next_path, self.ended, self.from_elsewhere = next_path, ended, from_elsewhere


class Refused(PermissionDeniedException):
    """A 403 a browser gets as a page (its title and advice), and any other client as the usual JSON."""

    def __init__(self, detail: str, *, title: str, advice: str) -> None:
        super().__init__(detail)
        self.title, self.advice = title, advice


def role_tokens(settings: Settings) -> dict[Role, bytes]:
    """Each role's token, for the roles that have one set."""
    tokens: dict[Role, str | None] = {"staff": settings.staff_token, "analyst": settings.analyst_token,
                                      "admin": settings.admin_token}
    return {role: token.encode() for role, token in tokens.items() if token}


def wants_page(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """A browser navigating (it asks for HTML), not a script or the CLI."""
    return "text/html" in connection.headers.get("accept", "")


def _return_to(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    path = connection.scope.get("path", "/")
    query = connection.scope.get("query_string", b"").decode("latin-1")
    if connection.scope.get("method") == "GET" and query:
        path = f"{path}?{query}"
    return quote(path, safe="/?=&%-._~")


def _csrf_presented(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The X-CSRF-Token header, or the form's `csrf_token` field (read by `CsrfFieldMiddleware`)."""
    header = connection.headers.get(CSRF_HEADER)
    field = connection.scope.get("state", {}).get(CSRF_STATE)
    return header or (field if isinstance(field, str) else None)


def require(role: Role | tuple[Role, ...], settings: Settings | None = None) -> Guard:
    """A guard admitting only this role (or one of these roles), by bearer token or by session cookie: neither,
    or an unknown token, is 401 (a browser is sent to sign in instead), another role's is 403, and a
    state-changing request in a session without its CSRF token is 403. (`settings` is not needed: the tokens
    are the authentication middleware's; it is accepted so that callers written for it keep working.)"""
    allowed: tuple[Role, ...] = (role,) if isinstance(role, str) else role
    wanted = " or ".join(allowed)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        method = connection.scope.get("method", "")
        where = escape(f"{method} {connection.scope.get('path', '')}")
        identity, credentials = identity_of(connection), credentials_of(connection)
        if identity is None:
            _unknown(connection, credentials, allowed, wanted, where)
        _check_role(identity, allowed, wanted, where, "session" if identity.in_session else "token")
        if identity.in_session and method not in SAFE_METHODS and not credentials.csrf_ok(_csrf_presented(connection)):
            log.warning("%s request refused: no valid CSRF token in a session (%s)", wanted, where)
            raise Refused(f"a request made in a browser session needs its CSRF token: the `{CSRF_FIELD}` form "
                          f"field or the `{CSRF_HEADER}` header; nothing was changed",
                          title="This form has expired",
                          advice="Nothing was changed. Go back, reload the page, then try again.")

    return guard


def _unknown(connection: ASGIConnection[Any, Any, Any, Any], credentials: Credentials, allowed: tuple[Role, ...],
             wanted: str, where: str) -> NoReturn:
    """Nobody the service knows: an unknown token, or neither a token nor a valid session."""
    if credentials.token_refused:
        log.warning("%s access refused: unknown token (%s)", wanted, where)
        raise NotAuthorizedException("the token is not valid", headers={"WWW-Authenticate": "Bearer"})
    cookie = credentials.cookie_sent
    log.warning("%s access refused: no bearer token%s (%s)", wanted,
                ", and the session has ended or is not valid" if cookie else " or session", where)
    if wants_page(connection):
        # Followed from another site (an email's link), the browser withholds a SameSite=Strict
        # cookie: the page is asked for once more from here, which sends it if there is one.
        elsewhere = (not cookie and connection.scope.get("method") == "GET"
                     and connection.headers.get("sec-fetch-site") == "cross-site")
        raise SignInRequired(_return_to(connection), ended=cookie, from_elsewhere=elsewhere)
    raise NotAuthorizedException(f"send `Authorization: Bearer <{allowed[0]} token>`, or sign in at "
                                 "/sign-in from a browser", headers={"WWW-Authenticate": "Bearer"})


def _check_role(identity: Identity, allowed: tuple[Role, ...], wanted: str, where: str, how: str) -> None:
    if identity.has(*allowed):
        return
    presented = identity.role
    if identity.account:
        held = " and ".join(identity.roles)
        log.warning("%s access refused: %s (%s) holds %s (%s)", wanted, escape(identity.name), identity.account,
                    held, where)
        raise Refused(f"this needs the {wanted} role; this account has {held}",
                      title="You cannot open this page",
                      advice=f"You are signed in as {identity.name}, with the {held} role"
                             f"{'s' if len(identity.roles) > 1 else ''}. This page is for the {wanted} role: ask an "
                             "admin to give it to you if you need it.")
    log.warning("%s access refused: %s %s used (%s)", wanted, presented, how, where)
    raise Refused(f"this needs the {wanted} token, not the {presented} token",
                  title="You cannot open this page",
                  advice=(f"You are signed in as {ROLE_NAMES[presented].lower()}. " if how == "session" else
                          f"The token sent is the {presented} role's. ")
                  + f"This page is for the {wanted} role: sign out, then sign in with that role's token.")

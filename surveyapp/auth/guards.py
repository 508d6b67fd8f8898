"""Guards for the staff, analyst and admin routes: a bearer token, or a browser's signed-in session.

Three roles, each with its own token: staff enter paper and phone answers (and may claim a channel), analysts
read responses and figures, admins run waves and sources. The roles are kept apart: one role's token never
passes another's guard, except where a route names several roles (staff or admin may enter paper answers).

A request shows who it is from in one of two ways, with the same 401/403 rules: `Authorization: Bearer
<token>` (scripts, the CLI; it wins when both are sent), or the session cookie /sign-in sets
(`surveyapp.auth.sessions`). A state-changing request the cookie authenticated must also carry the session's CSRF
token. A browser asking for a page without either is sent to /sign-in (303) and comes back after; other
clients get the JSON 401.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from surveyapp.auth.identity import ROLE_NAMES, ROLES, Identity, Role, TokenProvider
from surveyapp.auth.sessions import CSRF_FIELD, CSRF_HEADER, CSRF_STATE, SESSION_COOKIE, STATE_KEY, Sessions
from surveyapp.http.logsafe import escape
from surveyapp.settings import Settings

log = logging.getLogger("surveyapp.auth.guards")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDENTITY = "surveyapp.auth.identity"  # where a guard leaves the request's Identity, in the scope's state
__all__ = ["ROLES", "Identity", "Role", "cookie_identity", "identity_of", "presented_role", "require", "role_of_token",
           "role_tokens", "session_identity"]


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
    """The role a presented token belongs to, compared in constant time with every role's, or None."""
    return TokenProvider(tokens).role_of(token)


def presented_role(connection: ASGIConnection[Any, Any, Any, Any], tokens: dict[Role, bytes]) -> Role | None:
    """The role of the bearer token a request presents, or else of its valid session cookie; None for neither.
    (A question, never an error, and no CSRF check: the guards decide what is allowed.)"""
    token = _presented(connection)
    if token is not None:
        return role_of_token(token, tokens)
    identity = cookie_identity(connection)
    return identity.role if identity is not None else None


def session_identity(connection: ASGIConnection[Any, Any, Any, Any]) -> Identity | None:
    """Who is signed in on this browser, for a page no guard checked (a staff draft's pages of the form): the
    guard's identity, else a valid session cookie's when no bearer token is sent; None for neither."""
    found = identity_of(connection)
    if found is not None or _presented(connection) is not None:
        return found
    return cookie_identity(connection)


def cookie_identity(connection: ASGIConnection[Any, Any, Any, Any]) -> Identity | None:
    """The identity of the request's session cookie, if it holds a valid one (and the service has started)."""
    sessions = sessions_of(connection)
    return sessions.read(connection.cookies.get(SESSION_COOKIE)) if sessions is not None else None


def sessions_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Sessions | None:
    """The app's sessions, once the service has started (None in an app built without them)."""
    sessions = connection.app.state.get(STATE_KEY)
    return sessions if isinstance(sessions, Sessions) and sessions.ready else None


def identity_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Identity | None:
    """Who the request is from, as its guard found: set on every request a `require` guard let through."""
    found = connection.scope.get("state", {}).get(IDENTITY)
    return found if isinstance(found, Identity) else None


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


def require(role: Role | tuple[Role, ...], settings: Settings) -> Guard:
    """A guard admitting only this role (or one of these roles), by bearer token or by session cookie: neither,
    or an unknown token, is 401 (a browser is sent to sign in instead), another role's is 403, and a
    state-changing request in a session without its CSRF token is 403."""
    allowed: tuple[Role, ...] = (role,) if isinstance(role, str) else role
    wanted = " or ".join(allowed)
    provider = TokenProvider(role_tokens(settings))

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        method = connection.scope.get("method", "")
        where = escape(f"{method} {connection.scope.get('path', '')}")
        token = _presented(connection)
        if token is not None:
            presented = provider.role_of(token)
            if presented is None:
                log.warning("%s access refused: unknown token (%s)", wanted, where)
                raise NotAuthorizedException("the token is not valid", headers={"WWW-Authenticate": "Bearer"})
            _check_role(presented, allowed, wanted, where, "token")
            connection.scope.setdefault("state", {})[IDENTITY] = Identity(presented, ROLE_NAMES[presented], 0)
            return
        sessions = sessions_of(connection)
        cookie = connection.cookies.get(SESSION_COOKIE)
        identity = sessions.read(cookie) if sessions is not None else None
        if sessions is None or identity is None:
            log.warning("%s access refused: no bearer token%s (%s)", wanted,
                        ", and the session has ended or is not valid" if cookie else " or session", where)
            if wants_page(connection):
                # Followed from another site (an email's link), the browser withholds a SameSite=Strict
                # cookie: the page is asked for once more from here, which sends it if there is one.
                elsewhere = (not cookie and method == "GET"
                             and connection.headers.get("sec-fetch-site") == "cross-site")
                raise SignInRequired(_return_to(connection), ended=bool(cookie), from_elsewhere=elsewhere)
            raise NotAuthorizedException(f"send `Authorization: Bearer <{allowed[0]} token>`, or sign in at "
                                         "/sign-in from a browser", headers={"WWW-Authenticate": "Bearer"})
        _check_role(identity.role, allowed, wanted, where, "session")
        if method not in SAFE_METHODS and not sessions.csrf_ok(identity, _csrf_presented(connection)):
            log.warning("%s request refused: no valid CSRF token in a session (%s)", wanted, where)
            raise Refused(f"a request made in a browser session needs its CSRF token: the `{CSRF_FIELD}` form "
                          f"field or the `{CSRF_HEADER}` header; nothing was changed",
                          title="This form has expired",
                          advice="Nothing was changed. Go back, reload the page, then try again.")
        connection.scope.setdefault("state", {})[IDENTITY] = identity

    return guard


def _check_role(presented: Role, allowed: tuple[Role, ...], wanted: str, where: str, how: str) -> None:
    if presented not in allowed:
        log.warning("%s access refused: %s %s used (%s)", wanted, presented, how, where)
        raise Refused(f"this needs the {wanted} token, not the {presented} token",
                      title="You cannot open this page",
                      advice=(f"You are signed in as {ROLE_NAMES[presented].lower()}. " if how == "session" else
                              f"The token sent is the {presented} role's. ")
                      + f"This page is for the {wanted} role: sign out, then sign in with that role's token.")

"""Who a request is from, read once: the authentication middleware sets `request.user` and `request.auth`.

A request shows who it is from in one of two ways: `Authorization: Bearer <token>` (scripts, the CLI; it wins
when both are sent), or the session cookie /sign-in sets (`surveyapp.auth.sessions`). The middleware reads both
before the rate limiter, the guards and the handlers: `request.user` is the `Identity` they vouch for (None for
nobody), and `request.auth` the `Credentials` behind it, from which the guards (`surveyapp.auth.guards.require`)
give their 401, 403 and 303 answers and the staff pages their CSRF token. It refuses nothing itself: a public
page asked for with a wrong token or an ended session is served as to anybody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from surveyapp.auth.accounts import Directory
from surveyapp.auth.identity import ROLE_NAMES, Identity, TokenProvider, same_secret
from surveyapp.auth.sessions import SESSION_COOKIE, Sessions


@dataclass(frozen=True)
class Credentials:
    """What a request presented, as the middleware found it (`request.auth`)."""

    token_refused: bool = False  # a bearer token came that is not any role's
    cookie_sent: bool = False  # a session cookie came, valid or not
    session: Identity | None = None  # the browser's session, when its cookie holds a valid one (a bearer token
    # may still have won: this is who is signed in on the browser, not who the request is from)
    csrf: str = ""  # that session's CSRF token; "" without one

    def csrf_ok(self, presented: str | None) -> bool:
        """Whether `presented` is the session's CSRF token (never without a session)."""
        return bool(self.csrf and presented) and same_secret(self.csrf, presented or "")


NOBODY = Credentials()


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if the request sends one."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def identity_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Identity | None:
    """Who the request is from (`request.user`): a bearer token's role, else the valid session's; None for
    nobody, and where the middleware did not run (no route matched)."""
    found = connection.scope.get("user")
    return found if isinstance(found, Identity) else None


def credentials_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Credentials:
    """What the request presented (`request.auth`); nothing where the middleware did not run."""
    found = connection.scope.get("auth")
    return found if isinstance(found, Credentials) else NOBODY


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Sets `request.user` (an `Identity`, or None) and `request.auth` (the `Credentials`) on every request, from
    the app's `sessions` and `provider` (`app.state`, where the factory puts them)."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, exclude_http_methods=())  # every method: OPTIONS and HEAD are guarded too

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        state = connection.app.state
        sessions: Sessions = state["sessions"]
        provider: TokenProvider = state["provider"]
        cookie = connection.cookies.get(SESSION_COOKIE)
        session = sessions.read(cookie)  # None until the service has started (no key yet)
        directory = directory_of(connection)
        if session is not None and session.account:  # a named person: as the account list has them now
            session = directory.current(session) if directory is not None else None
        token = bearer_token(connection)
        user = session
        if token is not None:
            role = provider.role_of(token)
            user = Identity((role,), ROLE_NAMES[role], 0) if role is not None else \
                directory.bearer(token) if directory is not None else None
        credentials = Credentials(token_refused=token is not None and user is None, cookie_sent=bool(cookie),
                                  session=session, csrf=sessions.csrf_token(session) if session else "")
        return AuthenticationResult(user=user, auth=credentials)


def directory_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Directory | None:
    """The account list of the running service (None before it has started)."""
    services = connection.app.state.get("services")
    return Directory(services.store, services.clock) if services is not None else None

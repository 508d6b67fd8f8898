"""Who may say how a response arrived: `paper` and `phone` are staff's, typed in from a returned paper form or a
call; `api` is the JSON API's default and `form` the families' web form's own.

A channel is never taken from a family's request. The JSON API accepts `"channel"` only with a staff or admin
token (the same 401/403 rules as every guarded route, through `auth.require`); the form takes it from a draft that
only a staff route can start. Staff are also exempt from the per-address rate limit (`is_staff`), so one office
entering 200 returned forms in an afternoon is never told to wait.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Scope

from surveyapp.auth.guards import Role, identity_of, require
from surveyapp.domain.submission import FieldError, SubmissionInvalid

STAFF_CHANNELS = ("paper", "phone")
STAFF_ROLES: tuple[Role, ...] = ("staff", "admin")
API_CHANNELS = ("api", *STAFF_CHANNELS)
REFERENCE_MARK = "-ref:"  # paper-ref:0042: the submission id of a paper form entered with its reference


def is_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the request is from staff or an admin, by token or session (never an error: the guards say what
    is wrong)."""
    identity = identity_of(connection)
    return identity is not None and identity.has(*STAFF_ROLES)


def staff_scope(scope: Scope) -> bool:
    """The rate limiter's exemption: whether a request (an ASGI scope the authentication middleware has seen) is
    from staff or an admin."""
    return is_staff(ASGIConnection(scope))


def api_channel(channel: str | None, connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
                ) -> str:
    """The channel a JSON submission is stored with: `api` unless staff (or an admin) say `paper` or `phone`.

    An unknown channel is a 400 naming `channel`; `paper` or `phone` without a token is a 401, with another
    role's token a 403. Each is raised before anything is stored."""
    if channel is None or channel == "api":
        return "api"
    if channel not in STAFF_CHANNELS:
        raise SubmissionInvalid([FieldError("channel", f"use paper or phone (answers staff type in from a paper "
                                                       f"form or a call), or leave it out for api; not {channel!r}")])
    try:
        require(STAFF_ROLES)(connection, handler)
    except NotAuthorizedException as exc:
        raise NotAuthorizedException(f"`channel` {channel} can be set only by staff: {exc.detail}, or leave "
                                     f"`channel` out", headers=exc.headers) from None
    except PermissionDeniedException as exc:
        raise PermissionDeniedException(f"`channel` {channel} can be set only by staff: {exc.detail}; or leave "
                                        f"`channel` out") from None
    return channel


def api_submission_id(submission_id: str | None, channel: str) -> None:
    """A submission id holding a reference mark (`paper-ref:0042`) is staff's: only a `paper` (or `phone`)
    submission, which needs a staff or admin token, may send its own channel's. Else a visitor could send
    `paper-ref:0042` first, so that staff are told form 0042 "has already been entered" and the real form is
    never stored, and could tell which forms have been (201 against 409). A 400 naming `submission_id`,
    before anything is stored."""
    if submission_id is None or REFERENCE_MARK not in submission_id.lower():
        return
    if channel in STAFF_CHANNELS and submission_id.startswith(f"{channel}{REFERENCE_MARK}"):
        return
    raise SubmissionInvalid([FieldError("submission_id", "an id holding \"-ref:\" is a paper or phone form's "
                                                         "reference, which only staff send, with that channel; "
                                                         "send another id (a UUID is ideal)")])

"""Release endpoints: an admin makes, publishes and withdraws a wave's releases; analysts and admins read them."""

from __future__ import annotations

from typing import Any

from litestar import Response, Router, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from surveyapp.actions import releases
from surveyapp.actions.schemas import ErrorOut, ReleaseIn, WithdrawIn
from surveyapp.auth.guards import require
from surveyapp.domain.release import ReleaseOut
from surveyapp.domain.services import Services
from surveyapp.http.errors import json_error

ADMIN = [require("admin")]
READERS = [require(("admin", "analyst"))]


class _Rule:
    def __init__(self, rule: str) -> None:
        self.field, self.message = f"check.{rule}", f"the check's rule {rule} failed"


def _conflict(exc: releases.ReleaseConflict) -> Response[dict[str, Any]]:
    return json_error(409, exc.message, [_Rule(rule) for rule in exc.rules])


@post("/api/v1/waves/{wave_id:str}/releases", status_code=201, guards=ADMIN, sync_to_thread=True,
      opt={"audit": "release made"})
def make_release(services: NamedDependency[Services], wave_id: FromPath[str],
                 data: JSONBody[ReleaseIn]) -> ReleaseOut | Response[dict[str, Any]]:
    """Make a draft release of the wave (interim up to `cutoff`, or final from a closed wave), check it, and
    store it with its check; or a correction of a published release (`corrects`, `note`)."""
    try:
        return releases.make_release(services, wave_id, data, services.clock())
    except releases.ReleaseConflict as exc:
        return _conflict(exc)


@get("/api/v1/releases", guards=READERS, sync_to_thread=True, opt={"audit": "releases listed"})
def list_releases(services: NamedDependency[Services], wave: FromQuery[str | None] = None) -> list[ReleaseOut]:
    """Every release (drafts too), newest made first; `wave` keeps one wave's."""
    return releases.releases(services, wave)


@get("/api/v1/releases/{release_id:str}", guards=READERS, sync_to_thread=True, opt={"audit": "release read"},
     responses={404: ResponseSpec(ErrorOut, description="No release has this id")})
def show_release(services: NamedDependency[Services], release_id: FromPath[str]) -> ReleaseOut:
    """One release with its check (a published one as it was frozen)."""
    out = releases.release_out(services, release_id)
    if out is None:
        raise NotFoundException(f"there is no release {release_id!r}; GET /api/v1/releases lists them")
    return out


@post("/api/v1/releases/{release_id:str}/publish", status_code=200, guards=ADMIN, sync_to_thread=True,
      opt={"audit": "release published"})
def publish_release(services: NamedDependency[Services],
                    release_id: FromPath[str]) -> ReleaseOut | Response[dict[str, Any]]:
    """Publish a draft whose check passed: its bytes and their SHA-256 are frozen (409 naming the failed rules
    otherwise)."""
    try:
        return releases.publish(services, release_id, services.clock())
    except releases.ReleaseNotFound:
        raise NotFoundException(f"there is no release {release_id!r}") from None
    except releases.ReleaseConflict as exc:
        return _conflict(exc)


@post("/api/v1/releases/{release_id:str}/withdraw", status_code=200, guards=ADMIN, sync_to_thread=True,
      opt={"audit": "release withdrawn"})
def withdraw_release(services: NamedDependency[Services], release_id: FromPath[str],
                     data: JSONBody[WithdrawIn]) -> ReleaseOut | Response[dict[str, Any]]:
    """Withdraw a published release with a public notice (shown with it; its bytes do not change)."""
    try:
        return releases.withdraw(services, release_id, data.notice, services.clock())
    except releases.ReleaseNotFound:
        raise NotFoundException(f"there is no release {release_id!r}") from None
    except releases.ReleaseConflict as exc:
        return _conflict(exc)


def releases_router() -> Router:
    return Router(path="/", route_handlers=[make_release, list_releases, show_release, publish_release,
                                            withdraw_release], tags=["releases"], security=[{"bearer": []}])

"""The console's releases: every release with its status and content hash, a form to make a draft, one release's
check report, and publishing and withdrawing it after a page asking to confirm. The same actions as the API's
handlers (`surveyapp.actions.releases`); a publish the check refused names the failing rules."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from surveyapp.actions import releases as actions
from surveyapp.actions.levels import AnalysisError
from surveyapp.actions.schemas import ReleaseIn
from surveyapp.console.render import console_page
from surveyapp.domain.release import ReleaseOut
from surveyapp.domain.services import Services, WaveNotFound
from surveyapp.web.errors import FormError

DONE = {"made": "The draft was made and checked", "published": "The release was published",
        "withdrawn": "The release was withdrawn"}
NOTICE_MIN, NOTICE_MAX = 10, 2000


def _missing(request: Request[Any, Any, Any], release_id: str) -> Response[str]:
    return console_page("notice.html", request, here="releases", status=404, title="Page not found",
                        paragraphs=[f"There is no release {release_id}. Check the address, or choose it from the "
                                    "list."], link=("/console/releases", "Go to the releases"))


def _list_page(request: Request[Any, Any, Any], services: Services, *, values: dict[str, str] | None = None,
               errors: list[FormError] | None = None, done: str = "", status: int = 200) -> Response[str]:
    waves = [w for w in services.waves.all() if w.kind == "responses"]
    return console_page("releases.html", request, here="releases", title="Releases", wide=True,
                        waves=[(w.wave_id, w.title["en"]) for w in waves],
                        releases=actions.releases(services), done=done, errors=errors or [], status=status,
                        values=values or {"wave": waves[-1].wave_id if waves else "", "stage": "interim",
                                          "cutoff": ""})


@get("/releases", sync_to_thread=True, opt={"audit": "releases listed"})
def releases_page(request: Request[Any, Any, Any], services: NamedDependency[Services],
                  done: FromQuery[str] = "") -> Response[str]:
    """Every release, newest made first, and the form to make a draft."""
    return _list_page(request, services, done=DONE.get(done, ""))


def _cutoff(text: str) -> dt.datetime | None:
    if not text.strip():
        return None
    moment = dt.datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _made(services: Services, values: dict[str, str]) -> ReleaseOut | list[FormError]:
    """Make the draft, or the mistakes named on their fields."""
    if values["stage"] not in ("interim", "final"):
        return [FormError("stage", "#stage", "Choose interim or final")]
    try:
        cutoff = _cutoff(values["cutoff"]) if values["stage"] == "interim" else None
    except ValueError:
        return [FormError("cutoff", "#cutoff", "Enter the cut-off as a date and a whole hour, like 2026-11-02T09:00")]
    body = ReleaseIn(stage="interim", cutoff=cutoff) if values["stage"] == "interim" else ReleaseIn(stage="final")
    try:
        return actions.make_release(services, values["wave"], body,
                                    services.clock())
    except WaveNotFound:
        return [FormError("wave", "#wave", "Choose a wave from the list")]
    except AnalysisError as exc:
        place = exc.field if exc.field in ("stage", "cutoff") else "wave"
        return [FormError(place, f"#{place}", exc.message[:1].upper() + exc.message[1:])]
    except actions.ReleaseConflict as exc:
        return [FormError("stage", "#stage", exc.message[:1].upper() + exc.message[1:])]


@post("/releases", opt={"audit": "release made"})
async def make(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Make a draft release of a wave, checked (the same action as POST /api/v1/waves/{wave_id}/releases)."""
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("wave", "stage", "cutoff")}
    made = await asyncio.to_thread(_made, services, values)
    if isinstance(made, list):
        return await asyncio.to_thread(_list_page, request, services, values=values, errors=made, status=400)
    return Redirect(f"/console/releases/{made.release_id}?done=made", status_code=303)


def _release_page(request: Request[Any, Any, Any], release: ReleaseOut, *, done: str = "",
                  errors: list[FormError] | None = None, status: int = 200) -> Response[str]:
    failed = [r.rule for r in release.document.check.rules if not r.passed]
    return console_page("release.html", request, here="releases", title=f"Release {release.release_id}",
                        wide=True, release=release, failed=failed, done=done, errors=errors or [], status=status,
                        back="/console/releases")


@get("/releases/{release_id:str}", sync_to_thread=True, opt={"audit": "release read"})
def release_page(request: Request[Any, Any, Any], services: NamedDependency[Services], release_id: FromPath[str],
                 done: FromQuery[str] = "") -> Response[str]:
    """One release: where it stands, its check report rule by rule with the cells each stopped, its actions."""
    release = actions.release_out(services, release_id)
    if release is None:
        return _missing(request, release_id)
    return _release_page(request, release, done=DONE.get(done, ""))


def _in_state(request: Request[Any, Any, Any], services: Services, release_id: str, status: str, action: str,
              why: str) -> ReleaseOut | Response[str]:
    """The release when it is in `status`; else the page saying it is not found, or (409) the release's page
    saying what it is and `why` it cannot be `action`ed."""
    release = actions.release_out(services, release_id)
    if release is None:
        return _missing(request, release_id)
    if release.status != status:
        return _release_page(request, release, status=409,
                             errors=[FormError(action, "#status", f"{release_id} is {release.status}{why}")])
    return release


@get("/releases/{release_id:str}/publish", sync_to_thread=True)
def publish_page(request: Request[Any, Any, Any], services: NamedDependency[Services],
                 release_id: FromPath[str]) -> Response[str]:
    """Asks before publishing a draft."""
    release = _in_state(request, services, release_id, "draft", "publish", " already: a release is published once")
    if not isinstance(release, ReleaseOut):
        return release
    return console_page("confirm.html", request, here="releases", title=f"Publish {release_id}?",
                        paragraphs=["Its figures will be on the public findings pages and can no longer be "
                                    "changed: a mistake is put right by a correction, or by withdrawing it with a "
                                    "notice."],
                        action=request.url.path, button="Yes, publish it", back=f"/console/releases/{release_id}")


@post("/releases/{release_id:str}/publish", sync_to_thread=True, opt={"audit": "release published"})
def publish(request: Request[Any, Any, Any], services: NamedDependency[Services],
            release_id: FromPath[str]) -> Response[str]:
    """Publish the draft (the same action as POST /api/v1/releases/{release_id}/publish)."""
    try:
        actions.publish(services, release_id, services.clock())
    except actions.ReleaseNotFound:
        return _missing(request, release_id)
    except actions.ReleaseConflict as exc:
        release = actions.release_out(services, release_id)
        assert release is not None
        message = exc.message[:1].upper() + exc.message[1:]
        return _release_page(request, release, status=409, errors=[FormError("publish", "#check", message)])
    return Redirect(f"/console/releases/{release_id}?done=published", status_code=303)


def _withdraw_page(request: Request[Any, Any, Any], release: ReleaseOut, notice: str = "",
                   errors: list[FormError] | None = None, status: int = 200) -> Response[str]:
    return console_page("release_withdraw.html", request, here="releases", title=f"Withdraw {release.release_id}?",
                        release=release, notice=notice, errors=errors or [], status=status,
                        back=f"/console/releases/{release.release_id}")


@get("/releases/{release_id:str}/withdraw", sync_to_thread=True)
def withdraw_page(request: Request[Any, Any, Any], services: NamedDependency[Services],
                  release_id: FromPath[str]) -> Response[str]:
    """Asks for the public notice, and to confirm, before withdrawing a published release."""
    release = _in_state(request, services, release_id, "published", "withdraw",
                        ": only a published release can be withdrawn")
    if not isinstance(release, ReleaseOut):
        return release
    return _withdraw_page(request, release)


@post("/releases/{release_id:str}/withdraw", opt={"audit": "release withdrawn"})
async def withdraw(request: Request[Any, Any, Any], services: NamedDependency[Services],
                   release_id: FromPath[str]) -> Response[str]:
    """Withdraw the release with its notice (the same action as POST /api/v1/releases/{release_id}/withdraw)."""
    notice = str((await request.form()).get("notice") or "")
    release = await asyncio.to_thread(actions.release_out, services, release_id)
    if release is None:
        return _missing(request, release_id)
    if not NOTICE_MIN <= len(notice.strip()) <= NOTICE_MAX:
        return _withdraw_page(request, release, notice, status=400, errors=[FormError(
            "notice", "#notice", f"Enter the notice for the public, {NOTICE_MIN} to {NOTICE_MAX} characters")])
    try:
        await asyncio.to_thread(actions.withdraw, services, release_id, notice, services.clock())
    except actions.ReleaseConflict as exc:
        return _release_page(request, release, status=409, errors=[FormError(
            "withdraw", "#status", exc.message[:1].upper() + exc.message[1:])])
    return Redirect(f"/console/releases/{release_id}?done=withdrawn", status_code=303)


HANDLERS = [releases_page, make, release_page, publish_page, publish, withdraw_page, withdraw]

"""The console's outreach sources: every wave's sources, one wave's (register one, its poster and QR code to
download), rename, and retire after a page asking to confirm. The same actions as the API's handlers
(`surveyapp.actions.sources`); while the public address is not set, the downloads are replaced by why not."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from surveyapp.actions import sources as actions
from surveyapp.console.render import console_page
from surveyapp.console.waves import not_found, responses_wave
from surveyapp.domain.checks import public_address_missing
from surveyapp.domain.services import Services
from surveyapp.domain.sources import Source, SourceError
from surveyapp.web.errors import FormError


@get("/sources", sync_to_thread=False)
def all_sources(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Each wave families answer, with its sources' page."""
    waves = [(w, len(services.sources.of_wave(w.wave_id))) for w in services.waves.all() if w.kind == "responses"]
    return console_page("sources_all.html", request, here="sources", title="Outreach sources", waves=waves)


def _sources_page(request: Request[Any, Any, Any], services: Services, wave_id: str, *, name: str = "",
                  errors: list[FormError] | None = None, done: str = "", status: int = 200) -> Response[str]:
    wave = responses_wave(services, wave_id)
    if wave is None:
        return not_found(request, f"wave {wave_id}")
    return console_page("sources.html", request, here="sources", title=f"Outreach sources: {wave.title['en']}",
                        wave=wave, sources=actions.list_sources(services, wave_id), name=name, errors=errors or [],
                        done=done, refused=public_address_missing(services.settings), status=status,
                        back="/console/sources")


@get("/waves/{wave_id:str}/sources", sync_to_thread=True)
def wave_sources(request: Request[Any, Any, Any], services: NamedDependency[Services], wave_id: FromPath[str],
                 done: FromQuery[str] = "") -> Response[str]:
    """The wave's sources: each one's link, responses so far, poster and QR code; register another."""
    return _sources_page(request, services, wave_id, done={"created": "The source was registered",
                                                            "renamed": "The source was renamed",
                                                            "retired": "The source was retired"}.get(done, ""))


def _name_error(exc: SourceError) -> list[FormError]:
    return [FormError("name", "#name", exc.message[:1].upper() + exc.message[1:])]


@post("/waves/{wave_id:str}/sources", opt={"audit": "source created"})
async def create_source(request: Request[Any, Any, Any], services: NamedDependency[Services],
                        wave_id: FromPath[str]) -> Response[str]:
    """Register a partner (the same action as POST /api/v1/waves/{wave_id}/sources)."""
    if responses_wave(services, wave_id) is None:
        return not_found(request, f"wave {wave_id}")
    name = str((await request.form()).get("name") or "")
    try:
        await asyncio.to_thread(actions.create_source, services, wave_id, name)
    except SourceError as exc:
        return _sources_page(request, services, wave_id, name=name, errors=_name_error(exc), status=exc.status)
    return Redirect(f"/console/waves/{wave_id}/sources?done=created", status_code=303)


def _source(services: Services, wave_id: str, source_id: str) -> Source | None:
    source = services.sources.get(source_id)
    return source if source is not None and source.wave_id == wave_id else None


def _rename_page(request: Request[Any, Any, Any], source: Source, name: str,
                 errors: list[FormError] | None = None, status: int = 200) -> Response[str]:
    return console_page("source_rename.html", request, here="sources", title=f"Rename {source.name}",
                        source=source, name=name, errors=errors or [], status=status,
                        back=f"/console/waves/{source.wave_id}/sources")


@get("/waves/{wave_id:str}/sources/{source_id:str}/rename", sync_to_thread=False)
def rename_page(request: Request[Any, Any, Any], services: NamedDependency[Services], wave_id: FromPath[str],
                source_id: FromPath[str]) -> Response[str]:
    """The form to give a source a new name."""
    source = _source(services, wave_id, source_id)
    return not_found(request, "such source") if source is None else _rename_page(request, source, source.name)


@post("/waves/{wave_id:str}/sources/{source_id:str}/rename", opt={"audit": "source renamed"})
async def rename(request: Request[Any, Any, Any], services: NamedDependency[Services], wave_id: FromPath[str],
                 source_id: FromPath[str]) -> Response[str]:
    """Rename the source (its link, QR code and responses stay)."""
    source = _source(services, wave_id, source_id)
    if source is None:
        return not_found(request, "such source")
    name = str((await request.form()).get("name") or "")
    try:
        await asyncio.to_thread(actions.rename_source, services, wave_id, source.source_id, name)
    except SourceError as exc:
        return _rename_page(request, source, name, _name_error(exc), exc.status)
    return Redirect(f"/console/waves/{wave_id}/sources?done=renamed", status_code=303)


@get("/waves/{wave_id:str}/sources/{source_id:str}/retire", sync_to_thread=False)
def retire_page(request: Request[Any, Any, Any], services: NamedDependency[Services], wave_id: FromPath[str],
                source_id: FromPath[str]) -> Response[str]:
    """Asks before retiring a source."""
    source = _source(services, wave_id, source_id)
    if source is None or source.retired:
        return not_found(request, "such source" if source is None else "active source of that id")
    return console_page("confirm.html", request, here="sources", title=f"Retire {source.name}?",
                        paragraphs=["Its link and QR code will still open the survey, but answers given through "
                                    "them will be stored without this source. The answers it brought so far keep "
                                    "it. A retired source cannot be brought back."],
                        action=request.url.path, button="Yes, retire it", back=f"/console/waves/{wave_id}/sources")


@post("/waves/{wave_id:str}/sources/{source_id:str}/retire", sync_to_thread=True, opt={"audit": "source retired"})
def retire(request: Request[Any, Any, Any], services: NamedDependency[Services], wave_id: FromPath[str],
           source_id: FromPath[str]) -> Response[str]:
    """Retire the source (the same action as POST /api/v1/waves/{wave_id}/sources/{source_id}/retire)."""
    source = _source(services, wave_id, source_id)
    if source is None or source.retired:
        return not_found(request, "such source" if source is None else "active source of that id")
    actions.retire_source(services, wave_id, source.source_id)
    return Redirect(f"/console/waves/{wave_id}/sources?done=retired", status_code=303)


HANDLERS = [all_sources, wave_sources, create_source, rename_page, rename, retire_page, retire]

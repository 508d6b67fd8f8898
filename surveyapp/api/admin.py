"""Admin endpoints (admin bearer token): create waves, move their dates, open and close them; back up the
database."""

from __future__ import annotations

from litestar import Router, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from surveyapp.actions import data, waves
from surveyapp.actions.schemas import BackupOut, ErrorOut, WaveDatesIn, WaveIn, WaveOut
from surveyapp.auth.guards import require
from surveyapp.domain.services import Services
from surveyapp.domain.waves import WaveError, WaveState


@post("/waves", status_code=201, sync_to_thread=True, opt={"audit": "wave created"})
def create_wave(services: NamedDependency[Services], data: JSONBody[WaveIn]) -> WaveOut:
    """Create a responses wave of a defined questionnaire."""
    try:
        return waves.create_wave(services, wave_id=data.wave_id, questionnaire_id=data.questionnaire_id,
                                   questionnaire_version=data.questionnaire_version, title=data.title,
                                   opens_on=data.opens_on, closes_on=data.closes_on)
    except WaveError as exc:
        raise ClientException(str(exc)) from None


@patch("/waves/{wave_id:str}", status_code=200, sync_to_thread=True, opt={"audit": "wave dates changed"})
def set_wave_dates(services: NamedDependency[Services], wave_id: FromPath[str], data: JSONBody[WaveDatesIn]
                   ) -> WaveOut:
    """Move a wave's opening and closing dates; they are kept over its definition's from then on."""
    try:
        return waves.set_wave_dates(services, wave_id, opens_on=data.opens_on, closes_on=data.closes_on)
    except WaveError as exc:
        raise ClientException(str(exc)) from None


def _set_state(services: Services, wave_id: str, state: WaveState) -> WaveOut:
    try:
        return waves.set_wave_state(services, wave_id, state)
    except WaveError as exc:
        raise ClientException(str(exc), status_code=409) from None


@post("/waves/{wave_id:str}/open", status_code=200, sync_to_thread=True, opt={"audit": "wave opened"})
def open_wave(services: NamedDependency[Services], wave_id: FromPath[str]) -> WaveOut:
    """Open a wave now, whatever its dates say."""
    return _set_state(services, wave_id, "open")


@post("/waves/{wave_id:str}/close", status_code=200, sync_to_thread=True, opt={"audit": "wave closed"})
def close_wave(services: NamedDependency[Services], wave_id: FromPath[str]) -> WaveOut:
    """Close a wave now: later submissions get 409."""
    return _set_state(services, wave_id, "closed")


@post("/backup", status_code=201, sync_to_thread=True, opt={"audit": "backup"}, responses={503: ResponseSpec(
    ErrorOut, description="The disk is full: no backup was written, nothing unfinished was left; free space")})
def backup(services: NamedDependency[Services]) -> BackupOut:
    """Write a consistent copy of the database under <data dir>/backups/ while the service runs, with the
    return-code key it needs beside it (`<backup>.return-code.key`)."""
    return data.backup(services)


def admin_router() -> Router:
    """Everything under /api/v1/admin: the admin token, declared once."""
    return Router(path="/api/v1/admin", route_handlers=[create_wave, set_wave_dates, open_wave, close_wave, backup],
                  guards=[require("admin")], tags=["admin"], security=[{"bearer": []}])

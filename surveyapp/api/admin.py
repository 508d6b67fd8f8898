"""Admin endpoints (admin bearer token): create, open and close waves; back up the database."""

from __future__ import annotations

import datetime as dt

from litestar import post
from litestar.datastructures import State
from litestar.exceptions import ClientException
from litestar.params import FromPath, JSONBody

from surveyapp.api.present import wave_out
from surveyapp.api.schemas import BackupOut, WaveIn, WaveOut
from surveyapp.auth import require
from surveyapp.wavestate import WaveError
from waves.model import WaveDefinition

_ADMIN = {"guards": [require("admin")], "tags": ["admin"], "security": [{"bearer": []}]}


@post("/api/v1/admin/waves", status_code=201, sync_to_thread=True, **_ADMIN)  # type: ignore[arg-type]
def create_wave(state: State, data: JSONBody[WaveIn]) -> WaveOut:
    """Create a responses wave of a defined questionnaire."""
    services = state.services
    if "en" not in data.title:
        raise ClientException("title: give an English title, e.g. {\"en\": \"Spring 2027\"}")
    try:
        wave = services.waves.create(WaveDefinition(
            id=data.wave_id, questionnaire=data.questionnaire_id, questionnaire_version=data.questionnaire_version,
            title=data.title, opens=data.opens_on, closes=data.closes_on))
    except WaveError as exc:
        raise ClientException(str(exc)) from None
    return wave_out(wave, services.today())


def _set_state(state: State, wave_id: str, new_state: str) -> WaveOut:
    services = state.services
    services.wave(wave_id)
    try:
        wave = services.waves.set_state(wave_id, new_state)
    except WaveError as exc:
        raise ClientException(str(exc), status_code=409) from None
    return wave_out(wave, services.today())


@post("/api/v1/admin/waves/{wave_id:str}/open", status_code=200, sync_to_thread=True, **_ADMIN)  # type: ignore[arg-type]
def open_wave(state: State, wave_id: FromPath[str]) -> WaveOut:
    """Open a wave now, whatever its dates say."""
    return _set_state(state, wave_id, "open")


@post("/api/v1/admin/waves/{wave_id:str}/close", status_code=200, sync_to_thread=True, **_ADMIN)  # type: ignore[arg-type]
def close_wave(state: State, wave_id: FromPath[str]) -> WaveOut:
    """Close a wave now: later submissions get 409."""
    return _set_state(state, wave_id, "closed")


@post("/api/v1/admin/backup", status_code=201, sync_to_thread=True, **_ADMIN)  # type: ignore[arg-type]
def backup(state: State) -> BackupOut:
    """Write a consistent copy of the database under <data dir>/backups/ while the service runs."""
    services = state.services
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")  # two backups in one second must not collide
    path = services.store.backup(services.settings.data_dir / "backups" / f"surveyapp-{stamp}.duckdb")
    responses = services.store.rows("SELECT count(*) FROM responses")[0][0]
    return BackupOut(str(path), responses)

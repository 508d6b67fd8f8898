"""Waves: list them, their questionnaires, create one, move its dates, open and close."""

from __future__ import annotations

import datetime as dt

from surveyapp.actions.schemas import QuestionnaireOut, WaveOut, questionnaire_out, wave_out
from surveyapp.domain.services import Services
from surveyapp.domain.waves import WaveError, WaveState
from waves.model import Text, WaveDefinition


def list_waves(services: Services, lang: str = "en") -> list[WaveOut]:
    """Every wave with its status today, oldest first."""
    today = services.today()
    return [wave_out(w, today, lang) for w in services.waves.all()]


def questionnaire(services: Services, wave_id: str, lang: str = "en") -> QuestionnaireOut:
    """The wave's questionnaire with every question, statement and option id, in `lang` where offered."""
    return questionnaire_out(services.wave(wave_id), services.today(), lang)


def create_wave(services: Services, *, wave_id: str, questionnaire_id: str, questionnaire_version: int,
                title: Text, opens_on: dt.date, closes_on: dt.date) -> WaveOut:
    """Add a responses wave of a defined questionnaire; WaveError says what to change."""
    if not title.get("en"):
        raise WaveError('title: give an English title, e.g. {"en": "Spring 2027"}')
    wave = services.waves.create(WaveDefinition(
        id=wave_id, questionnaire=questionnaire_id, questionnaire_version=questionnaire_version, title=title,
        opens=opens_on, closes=closes_on))
    return wave_out(wave, services.today())


def set_wave_state(services: Services, wave_id: str, state: WaveState) -> WaveOut:
    """Open or close a wave now, whatever its dates say (WaveNotFound, or WaveError for the baseline)."""
    services.wave(wave_id)
    return wave_out(services.waves.set_state(wave_id, state), services.today())


def set_wave_dates(services: Services, wave_id: str, *, opens_on: dt.date, closes_on: dt.date) -> WaveOut:
    """Move a wave's opening and closing dates (WaveNotFound, or WaveError saying what to change)."""
    services.wave(wave_id)
    return wave_out(services.waves.set_dates(wave_id, opens_on, closes_on), services.today())

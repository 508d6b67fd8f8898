"""The console's home and its waves: the list, a new wave from a questionnaire definition, a wave's page (its
dates, double entry of paper forms, open now and close now, each after a page asking to confirm).

Every change goes through the same action the API's handler calls (`surveyapp.actions.waves`), and every
handler that changes something is audited (`opt={"audit": ...}`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from functools import partial
from typing import Any, Literal

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from surveyapp.actions import paper, waves
from surveyapp.console.render import console_page
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave, WaveError
from surveyapp.web.errors import FormError
from surveyapp.web.render import long_date

Change = Literal["open", "close"]
_WAVE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
WHAT = {"open": ("Open", "opened", "families can answer it from now on, whatever its dates say"),
        "close": ("Close", "closed", "it stops taking answers at once, whatever its dates say; answers already "
                                     "given are kept")}


def not_found(request: Request[Any, Any, Any], what: str) -> Response[str]:
    return console_page("notice.html", request, status=404, title="Page not found",
                        paragraphs=[f"There is no {what}. Check the address, or choose it from the list."],
                        link=("/console/waves", "Go to the waves"))


def responses_wave(services: Services, wave_id: str) -> Wave | None:
    wave = services.waves.get(wave_id)
    return wave if wave is not None and wave.kind == "responses" else None


@get("/", sync_to_thread=False)
def home(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """The console's home: what each section does, and the waves open now."""
    today = services.today()
    open_now = [w for w in services.waves.all() if w.kind == "responses" and w.status(today) == "open"]
    return console_page("home.html", request, here="home", title="Admin console", open_now=open_now)


def _rows(services: Services) -> list[dict[str, Any]]:
    today = services.today()
    return [{"wave": w, "status": w.status(today), "opens": long_date(w.opens_on), "closes": long_date(w.closes_on),
             "sources": len(services.sources.of_wave(w.wave_id))}
            for w in services.waves.all() if w.kind == "responses"]


@get("/waves", sync_to_thread=False)
def wave_list(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Every wave families answer, its status and dates."""
    return console_page("waves.html", request, here="waves", title="Waves", rows=_rows(services))


def _questionnaires(services: Services) -> list[tuple[str, str]]:
    return [(f"{qid}:{version}", f"{q.title['en']} ({qid}, version {version})")
            for (qid, version), q in sorted(services.catalogue.questionnaires.items())]


def _new_page(request: Request[Any, Any, Any], services: Services, form: dict[str, str],
              errors: list[FormError] | None = None) -> Response[str]:
    return console_page("wave_new.html", request, here="waves", title="Create a wave", form=form,
                        questionnaires=_questionnaires(services), errors=errors or [], back="/console/waves",
                        status=400 if errors else 200)


@get("/waves/new", sync_to_thread=False)
def new_wave_page(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """The form to create a wave from a questionnaire definition."""
    return _new_page(request, services, {})


def _date(form: dict[str, str], name: str, label: str, errors: list[FormError]) -> dt.date | None:
    typed = form.get(name, "").strip()
    try:
        return dt.date.fromisoformat(typed)
    except ValueError:
        errors.append(FormError(name, f"#{name}", f"Enter the {label} as a date, like 2027-04-01" if typed else
                                f"Enter the {label}"))
        return None


def dates_of(form: dict[str, str], errors: list[FormError]) -> tuple[dt.date, dt.date] | None:
    """The opening and closing dates posted, checked: each a date, the closing date on or after the opening."""
    opens, closes = _date(form, "opens_on", "opening date", errors), _date(form, "closes_on", "closing date", errors)
    if opens is None or closes is None:
        return None
    if closes < opens:
        errors.append(FormError("closes_on", "#closes_on", "The closing date must be on or after the opening date"))
        return None
    return opens, closes


async def _posted(request: Request[Any, Any, Any]) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


@post("/waves/new", opt={"audit": "wave created"})
async def create_wave(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Create the wave (the same action as POST /api/v1/admin/waves); a mistake shows the form again."""
    form = await _posted(request)
    errors: list[FormError] = []
    wave_id, title = form.get("wave_id", "").strip(), form.get("title", "").strip()
    if not _WAVE_ID.fullmatch(wave_id):
        errors.append(FormError("wave_id", "#wave_id", "Enter the wave's id in small letters, digits and hyphens, "
                                                      "like 2027-spring" if wave_id else "Enter the wave's id"))
    elif services.waves.get(wave_id) is not None:
        errors.append(FormError("wave_id", "#wave_id", f"There is already a wave {wave_id}: choose another id"))
    questionnaire = dict(_questionnaires(services)).get(form.get("questionnaire", ""))
    if questionnaire is None:
        errors.append(FormError("questionnaire", "#questionnaire", "Choose the questionnaire the wave asks"))
    if not title:
        errors.append(FormError("title", "#title", "Enter the wave's title, like Spring 2027"))
    elif len(title) > 80:
        errors.append(FormError("title", "#title", f"Shorten the title to 80 characters (it has {len(title)})"))
    dates = dates_of(form, errors)
    if errors or dates is None:
        return _new_page(request, services, form, errors)
    qid, _, version = form["questionnaire"].partition(":")
    try:
        made = await asyncio.to_thread(partial(
            waves.create_wave, services, wave_id=wave_id, questionnaire_id=qid, questionnaire_version=int(version),
            title={"en": title}, opens_on=dates[0], closes_on=dates[1]))
    except WaveError as exc:
        return _new_page(request, services, form, [FormError("wave_id", "#wave_id", str(exc))])
    return Redirect(f"/console/waves/{made.wave_id}?done=created", status_code=303)


DONE = {"created": "The wave was created", "dates": "The dates were changed", "opened": "The wave is open now",
        "closed": "The wave is closed now", "double-on": "Double entry of paper forms is on",
        "double-off": "Double entry of paper forms is off"}


def _wave_page(request: Request[Any, Any, Any], services: Services, wave: Wave, *, form: dict[str, str] | None = None,
               errors: list[FormError] | None = None, done: str = "") -> Response[str]:
    status = wave.status(services.today())
    form = form or {"opens_on": wave.opens_on.isoformat(), "closes_on": wave.closes_on.isoformat()}
    return console_page("wave.html", request, here="waves", title=wave.title["en"], wave=wave, status_now=status,
                        form=form, errors=errors or [], done=DONE.get(done, ""), back="/console/waves",
                        opens=long_date(wave.opens_on), closes=long_date(wave.closes_on),
                        double=paper.double_entry(services, wave.wave_id),
                        sources=len(services.sources.of_wave(wave.wave_id)), status=400 if errors else 200)


@get("/waves/{wave_id:str}", sync_to_thread=False)
def wave_page(request: Request[Any, Any, Any], services: NamedDependency[Services], wave_id: FromPath[str],
              done: FromQuery[str] = "") -> Response[str]:
    """One wave: its status and dates, its dates to change, double entry, open or close now, its sources."""
    wave = responses_wave(services, wave_id)
    return not_found(request, f"wave {wave_id}") if wave is None else _wave_page(request, services, wave, done=done)


@post("/waves/{wave_id:str}/dates", opt={"audit": "wave dates changed"})
async def change_dates(request: Request[Any, Any, Any], services: NamedDependency[Services],
                       wave_id: FromPath[str]) -> Response[str]:
    """New opening and closing dates (the same action as PATCH /api/v1/admin/waves/{wave_id})."""
    wave = responses_wave(services, wave_id)
    if wave is None:
        return not_found(request, f"wave {wave_id}")
    form = await _posted(request)
    errors: list[FormError] = []
    dates = dates_of(form, errors)
    if dates is None:
        return _wave_page(request, services, wave, form=form, errors=errors)
    await asyncio.to_thread(partial(waves.set_wave_dates, services, wave_id, opens_on=dates[0], closes_on=dates[1]))
    return Redirect(f"/console/waves/{wave_id}?done=dates", status_code=303)


@post("/waves/{wave_id:str}/double-entry", opt={"audit": "paper double entry set"})
async def double_entry(request: Request[Any, Any, Any], services: NamedDependency[Services],
                       wave_id: FromPath[str]) -> Response[str]:
    """Switch double entry of the wave's paper forms on or off."""
    wave = responses_wave(services, wave_id)
    if wave is None:
        return not_found(request, f"wave {wave_id}")
    form = await _posted(request)
    if form.get("double_entry") not in ("on", "off"):
        return _wave_page(request, services, wave, errors=[FormError(
            "double_entry", "#double_entry", "Choose whether paper forms are typed in twice")])
    on = await asyncio.to_thread(paper.set_double_entry, services, wave_id, form["double_entry"] == "on")
    return Redirect(f"/console/waves/{wave_id}?done=double-{'on' if on else 'off'}", status_code=303)


@get("/waves/{wave_id:str}/{change:str}", sync_to_thread=False)
def confirm_change(request: Request[Any, Any, Any], services: NamedDependency[Services], wave_id: FromPath[str],
                   change: FromPath[str]) -> Response[str]:
    """Asks before opening or closing a wave now."""
    wave = responses_wave(services, wave_id)
    if wave is None or change not in WHAT:
        return not_found(request, f"wave {wave_id}" if wave is None else "such page")
    verb, _, effect = WHAT[change]
    return console_page("confirm.html", request, here="waves", title=f"{verb} {wave.title['en']} now?",
                        paragraphs=[f"If you {verb.lower()} it now, {effect}."], action=request.url.path,
                        button=f"Yes, {verb.lower()} it now", back=f"/console/waves/{wave_id}")


@post("/waves/{wave_id:str}/{change:str}", opt={"audit": "wave opened or closed"})
async def make_change(request: Request[Any, Any, Any], services: NamedDependency[Services], wave_id: FromPath[str],
                      change: FromPath[str]) -> Response[str]:
    """Open or close the wave now (the same action as POST /api/v1/admin/waves/{wave_id}/open or close)."""
    wave = responses_wave(services, wave_id)
    if wave is None or change not in WHAT:
        return not_found(request, f"wave {wave_id}" if wave is None else "such page")
    await asyncio.to_thread(waves.set_wave_state, services, wave_id, "open" if change == "open" else "closed")
    return Redirect(f"/console/waves/{wave_id}?done={WHAT[change][1]}", status_code=303)


HANDLERS = [home, wave_list, new_wave_page, create_wave, wave_page, change_dates, double_entry, confirm_change,
            make_change]

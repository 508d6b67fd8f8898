"""Paper entry: a returned paper form typed in on one page, in the paper's order, with its reference; the page,
then its post, and the answer is the next empty form saying what happened to this one. Where the wave asks for
double entry, a second member of staff types the same form in without seeing the first typing: matching typings
are stored as one response; differing ones are listed field by field, and stored once someone has settled them.

Staff or admin (`/console/paper`). Phone answers keep staff mode's one question a page (`/staff/{wave}/enter`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from surveyapp.actions import paper
from surveyapp.auth.middleware import identity_of
from surveyapp.console.entry import (
    Read,
    differences,
    paper_sections,
    read_paper,
    refused_error,
    service_errors,
)
from surveyapp.console.render import console_page
from surveyapp.domain.services import Services
from surveyapp.domain.submission import SubmissionInvalid
from surveyapp.domain.waves import Wave
from surveyapp.web.errors import FormError
from surveyapp.web.kit import FormKit, offered, words
from surveyapp.web.messages import ENGLISH
from surveyapp.web.staffmode import normalise_reference


def _open(services: Services, wave_id: str) -> Wave | None:
    wave = services.waves.get(wave_id)
    return wave if wave is not None and wave.kind == "responses" and wave.status(services.today()) == "open" else None


def _closed(request: Request[Any, Any, Any], wave_id: str) -> Response[str]:
    return console_page("notice.html", request, here="paper", status=404, title="No survey open to enter forms for",
                        paragraphs=[f"There is no open wave {wave_id}. Paper forms can be typed in while their wave "
                                    "is open."], link=("/console/paper", "Choose a wave"))


def typist(request: Request[Any, Any, Any]) -> paper.Typist:
    """Who is typing: the signed-in name, and a hash of their session (a bearer token: of its role)."""
    identity = identity_of(request)
    assert identity is not None  # the guard let the request through
    who = identity.session or f"token:{identity.role}"
    return paper.Typist(identity.name, hashlib.sha256(f"paper-typist|{who}".encode()).hexdigest())


@get("/", sync_to_thread=False)
def choose_wave(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """The waves open now, each with its paper entry page."""
    today = services.today()
    waves = [w for w in services.waves.all() if w.kind == "responses" and w.status(today) == "open"]
    return console_page("paper_waves.html", request, here="paper", title="Paper entry", waves=waves)


def _entry_page(request: Request[Any, Any, Any], services: Services, form_kit: FormKit, wave: Wave, *,
                read: Read | None = None, errors: list[FormError] | None = None, outcome: paper.Outcome | None = None,
                status: int = 200) -> Response[str]:
    t = words(form_kit, ENGLISH)
    languages = [(code, form_kit.messages[code].meta.name) for code in offered(form_kit, wave)]
    errors = errors if errors is not None else (read.errors if read else [])
    return console_page("paper.html", request, here="paper", title="Type in a paper form", wave=wave,
                        sections=paper_sections(wave, t, read.shown if read else None, errors), errors=errors,
                        reference=read.reference if read else "", language=read.language if read else ENGLISH,
                        languages=languages, outcome=outcome, double=paper.double_entry(services, wave.wave_id),
                        waiting=paper.waiting(services, wave.wave_id), status=status, t=t)


@get("/{wave_id:str}", sync_to_thread=False)
def entry_page(request: Request[Any, Any, Any], services: NamedDependency[Services],
               form_kit: NamedDependency[FormKit], wave_id: FromPath[str]) -> Response[str]:
    """The whole paper form on one page, empty, with the reference first."""
    wave = _open(services, wave_id)
    return _closed(request, wave_id) if wave is None else _entry_page(request, services, form_kit, wave)


@post("/{wave_id:str}", opt={"audit": "paper form typed in"})
async def enter_form(request: Request[Any, Any, Any], services: NamedDependency[Services],
                     form_kit: NamedDependency[FormKit], wave_id: FromPath[str]) -> Response[str]:
    """Check the typed form; store it, keep it for its second typing, or list where two typings differ. A mistake
    shows the page again with everything typed kept and each error linked to its field."""
    wave = _open(services, wave_id)
    if wave is None:
        return _closed(request, wave_id)
    t = words(form_kit, ENGLISH)
    read = read_paper(wave, await request.form(), t, services.areas, offered(form_kit, wave))
    if read.typed is None:
        return _entry_page(request, services, form_kit, wave, read=read, status=400)
    try:
        outcome = await paper.enter(services, form_kit.signer, wave, read.reference, read.typed, typist(request))
    except SubmissionInvalid as exc:
        return _entry_page(request, services, form_kit, wave, read=read, status=400,
                           errors=service_errors(wave, exc.errors, t))
    except paper.PaperRefused as exc:
        return _entry_page(request, services, form_kit, wave, read=read, status=exc.status,
                           errors=[refused_error(exc.field, exc.message)])
    if outcome.status == "differ":
        return _settle_page(request, services, form_kit, wave, outcome.reference, typed_now=True)
    return _entry_page(request, services, form_kit, wave, outcome=outcome, status=201 if outcome.return_code else 200)


def _settle_page(request: Request[Any, Any, Any], services: Services, form_kit: FormKit, wave: Wave, reference: str,
                 *, errors: list[FormError] | None = None, chosen: dict[str, str] | None = None,
                 typed_now: bool = False) -> Response[str]:
    t = words(form_kit, ENGLISH)
    found = paper.disagreement(services, form_kit.signer, wave, reference)
    names = {code: form_kit.messages[code].meta.name for code in form_kit.messages}
    return console_page("paper_settle.html", request, here="paper", title=f"Form {reference}: the two typings differ",
                        wave=wave, found=found, typed_now=typed_now, chosen=chosen or {}, errors=errors or [],
                        rows=differences(wave, t, names, found.differences, found.first, found.second),
                        status=400 if errors else 200)


@get("/{wave_id:str}/forms/{reference:str}", sync_to_thread=False, opt={"audit": "paper typings compared"})
def settle_page(request: Request[Any, Any, Any], services: NamedDependency[Services],
                form_kit: NamedDependency[FormKit], wave_id: FromPath[str], reference: FromPath[str]) -> Response[str]:
    """A form typed in twice whose typings differ: each differing field with both, to check against the paper."""
    wave, ref = _open(services, wave_id), normalise_reference(reference)
    if wave is None:
        return _closed(request, wave_id)
    try:
        return _settle_page(request, services, form_kit, wave, ref or reference)
    except paper.PaperRefused as exc:
        return console_page("notice.html", request, here="paper", status=404, title="Nothing to settle",
                            paragraphs=[exc.message], link=(f"/console/paper/{wave_id}", "Type in a paper form"))


@post("/{wave_id:str}/forms/{reference:str}", opt={"audit": "paper form settled"})
async def settle(request: Request[Any, Any, Any], services: NamedDependency[Services],
                 form_kit: NamedDependency[FormKit], wave_id: FromPath[str], reference: FromPath[str]) -> Response[str]:
    """Store the form with, for each differing field, the typing that matches the paper."""
    wave, ref = _open(services, wave_id), normalise_reference(reference) or reference
    if wave is None:
        return _closed(request, wave_id)
    data = await request.form()
    try:
        found = paper.disagreement(services, form_kit.signer, wave, ref)
    except paper.PaperRefused as exc:
        return console_page("notice.html", request, here="paper", status=404, title="Nothing to settle",
                            paragraphs=[exc.message], link=(f"/console/paper/{wave_id}", "Type in a paper form"))
    chosen = {f: str(data.get(f)) for f in found.differences if data.get(f) in ("first", "second")}
    missing = [FormError(f, f"#{f}", "Choose the typing that matches the paper form")
               for f in found.differences if f not in chosen]
    if missing:
        return _settle_page(request, services, form_kit, wave, ref, errors=missing, chosen=chosen)
    take_second = {f for f, which in chosen.items() if which == "second"}
    try:
        outcome = await paper.settle(services, form_kit.signer, wave, ref, take_second, typist(request))
    except (SubmissionInvalid, paper.PaperRefused) as exc:
        message = exc.message if isinstance(exc, paper.PaperRefused) else str(exc)
        return _settle_page(request, services, form_kit, wave, ref, chosen=chosen, errors=[
            FormError("form", "#" + found.differences[0], f"The form as settled cannot be stored: {message}")])
    return _entry_page(request, services, form_kit, wave, outcome=outcome, status=201)


HANDLERS = [choose_wave, entry_page, enter_form, settle_page, settle]

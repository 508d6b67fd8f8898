"""The coding page, /comments/{wave_id}: each comment masked, with its area and statement answers beside it,
the codebook's themes as checkboxes, suggestions pre-ticked and marked as such, next and previous; blind
double coding of the wave's sample; how often suggestions agree with held-out coding; the coders' agreement.

Server-rendered in the staff layout (no JavaScript), for analysts and admins; a save is a plain form post
with the session's CSRF token, answered with a 303 back to where the coder was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from surveyapp.actions import coding, comments
from surveyapp.actions.schemas_comments import (
    AgreementOut,
    CodebookOut,
    CodingIn,
    CommentOut,
    SampleIn,
    SuggestionQuality,
)
from surveyapp.auth.guards import identity_of, require
from surveyapp.auth.pages import csrf_field, signed_in_bar, staff_style
from surveyapp.domain.services import Services
from surveyapp.http.headers import csp_allowing_styles
from surveyapp.http.pages import NO_STORE, environment, form_css, html_page
from surveyapp.store import comments as stored
from surveyapp.web.answers import posted_choices, posted_text
from waves.model import Likert

TEMPLATES = Path(__file__).parent / "templates"
PER_PAGE = 20
_GUARD = [require(("analyst", "admin"))]


@dataclass
class Card:
    """One comment as the page shows it: its themes ticked (`ticked`), which of them are suggestions."""

    number: int
    comment: CommentOut
    answers: list[tuple[str, str]]
    ticked: set[str]
    suggested: set[str]
    coded_by_me: bool


@dataclass
class View:
    wave_id: str
    title: str
    mode: str  # "list" or "one"
    blind: bool
    book: CodebookOut
    cards: list[Card]
    total: int
    coded: int
    page: int = 1
    pages: int = 1
    previous: str | None = None
    next: str | None = None
    quality: SuggestionQuality | None = None
    agreement: AgreementOut | None = None
    sample: list[str] = field(default_factory=list)


def _coder(request: Request[Any, Any, Any]) -> str:
    identity = identity_of(request)
    return "unknown" if identity is None else (identity.subject or identity.name)


def _answer_words(services: Services, wave_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """Statement id -> short label, answer id -> words, from the wave's questionnaire."""
    wave = services.wave(wave_id)
    likert = next((q for q in wave.questionnaire.questions if isinstance(q, Likert)), None)
    if likert is None:
        return {}, {}
    labels = {s.id: (s.short or s.text).get("en", s.id) for s in likert.statements}
    return labels, {a.id: a.text.get("en", a.id) for a in likert.answers}


def _mine(services: Services, wave_id: str, coder: str, blind: bool) -> dict[str, set[str]]:
    """This coder's own codings of the wave (blind ones in blind mode, the others otherwise)."""
    out: dict[str, set[str]] = {}
    for row in stored.codings(services.store, [wave_id]).iter_rows(named=True):
        if row["coder"] == coder and row["blind"] == blind:
            themes = out.setdefault(row["response_id"], set())
            if row["theme_id"] is not None:
                themes.add(row["theme_id"])
    return out


def _href(wave_id: str, **query: object) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "", 0, False, "list")}
    return f"/comments/{wave_id}" + (f"?{urlencode(kept)}" if kept else "")


def build_view(services: Services, wave_id: str, coder: str, *, mode: str, blind: bool, page: int,
               at: str | None) -> View:
    """Everything the page shows, for this coder."""
    book = comments.codebook(services, comments.questionnaire_of(services, wave_id))
    listed = comments.comments(services, wave_id)
    sample = comments.sample(services, wave_id).response_ids
    if blind:
        listed = [c for c in listed if c.response_id in set(sample)]
    mine = _mine(services, wave_id, coder, blind)
    suggested = {} if blind else coding.suggestions(services, wave_id, listed)
    statements, answers = _answer_words(services, wave_id)
    cards = [Card(i + 1, c, [(statements.get(s, s), answers.get(a, a)) for s, a in c.answers.items()],
                  mine.get(c.response_id, set() if blind else set(c.themes) or set(suggested.get(c.response_id, []))),
                  set() if c.response_id in mine or c.themes else set(suggested.get(c.response_id, [])),
                  c.response_id in mine)
             for i, c in enumerate(listed)]
    coded = sum(1 for c in cards if (c.coded_by_me if blind else c.comment.codebook_version is not None))
    view = View(wave_id, services.wave(wave_id).title.get("en", wave_id), mode, blind, book, cards, len(cards), coded,
                sample=sample)
    if not blind:
        view.quality = coding.suggestion_quality(services, wave_id)
    view.agreement = coding.agreement(services, wave_id) if sample else None
    return _paged(view, page, at)


def _paged(view: View, page: int, at: str | None) -> View:
    """One comment (`at`, or the first not yet coded) or one page of the list, with next and previous links."""
    if view.mode == "one" and view.cards:
        ids = [c.comment.response_id for c in view.cards]
        index = ids.index(at) if at in ids else next(
            (i for i, c in enumerate(view.cards) if not (c.coded_by_me or (not view.blind and c.comment.themes))), 0)
        link = partial(_href, view.wave_id, view="one", blind=int(view.blind))
        view.previous = link(at=ids[index - 1]) if index > 0 else None
        view.next = link(at=ids[index + 1]) if index + 1 < len(ids) else None
        view.cards = [view.cards[index]]
        return view
    view.pages = max(1, -(-len(view.cards) // PER_PAGE))
    view.page = min(max(page, 1), view.pages)
    link = partial(_href, view.wave_id, blind=int(view.blind))
    view.previous = link(page=view.page - 1) if view.page > 1 else None
    view.next = link(page=view.page + 1) if view.page < view.pages else None
    view.cards = view.cards[(view.page - 1) * PER_PAGE:view.page * PER_PAGE]
    return view


def _render(request: Request[Any, Any, Any], view: View, *, saved: str = "", sample: str = "") -> Response[str]:
    css, _ = staff_style()
    css = css + "\n" + form_css()[1] + "\n" + _own_css()
    html = environment(TEMPLATES).get_template("coding.html").render(
        css=css, bar=signed_in_bar(request), csrf=csrf_field(request), view=view, saved=saved, sample=sample,
        here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        list_href=_href(view.wave_id, blind=int(view.blind)),
        one_href=_href(view.wave_id, view="one", blind=int(view.blind)),
        blind_href=_href(view.wave_id, view=view.mode, blind=1), open_href=_href(view.wave_id, view=view.mode))
    return html_page(html, csp=csp_allowing_styles([css], stylesheets=False), headers=NO_STORE)


def _own_css() -> str:
    return (TEMPLATES / "coding.css").read_text(encoding="utf-8")


@get("/comments/{wave_id:str}", guards=_GUARD, sync_to_thread=True, include_in_schema=False,
     opt={"audit": "comments read (masked) on the coding page"})
def coding_page(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
                view: Annotated[str, QueryParameter(pattern="^(list|one)$")] = "list",
                blind: Annotated[int, QueryParameter(ge=0, le=1)] = 0,
                page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
                at: Annotated[str | None, QueryParameter(max_length=64)] = None,
                saved: Annotated[str, QueryParameter(max_length=64)] = "",
                sample: Annotated[str | None, QueryParameter(pattern="^(drawn|invalid)$")] = None) -> Response[str]:
    """The coding page."""
    built = build_view(services, wave_id, _coder(request), mode=view, blind=bool(blind), page=page, at=at)
    return _render(request, built, saved=saved, sample=sample or "")


@post("/comments/{wave_id:str}/code", guards=_GUARD, include_in_schema=False, opt={"audit": "comment coded"})
async def save_coding(services: NamedDependency[Services], request: Request[Any, Any, Any],
                      wave_id: FromPath[str]) -> Redirect:
    """Save the coder's themes for one comment, then back to where they were (the next one, when asked)."""
    form = await request.form()
    response_id, blind = posted_text(form, "response_id"), posted_text(form, "blind") == "1"
    themes = posted_choices(form, "theme")
    back = posted_text(form, "next") or posted_text(form, "back")
    if not back.startswith(f"/comments/{wave_id}"):
        back = _href(wave_id)
    await anyio.to_thread.run_sync(partial(comments.code, services, wave_id, response_id, _coder(request),
                                           CodingIn(themes=themes, blind=blind)))
    separator = "&" if "?" in back else "?"
    return Redirect(f"{back}{separator}saved={response_id}#c-{response_id}" if not posted_text(form, "next")
                    else back, status_code=303)


@post("/comments/{wave_id:str}/sample", guards=_GUARD, include_in_schema=False,
      opt={"audit": "blind coding sample drawn"})
async def draw_sample(services: NamedDependency[Services], request: Request[Any, Any, Any],
                      wave_id: FromPath[str]) -> Redirect:
    """Draw the wave's blind double-coding sample from the page's form, then back to the page."""
    form = await request.form()
    size, seed = posted_text(form, "size").strip(), posted_text(form, "seed").strip()
    try:
        data = msgspec.convert({"size": int(size), "seed": int(seed)}, SampleIn)
    except (ValueError, msgspec.ValidationError):
        return Redirect(f"/comments/{wave_id}?sample=invalid#draw", status_code=303)
    await anyio.to_thread.run_sync(partial(comments.draw_sample, services, wave_id, data.size, data.seed))
    return Redirect(f"/comments/{wave_id}?sample=drawn#draw", status_code=303)


def comments_pages() -> list[Any]:
    """The coding page and its forms' posts."""
    return [coding_page, save_coding, draw_sample]

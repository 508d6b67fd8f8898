"""Quotes of a release (/api/v1/releases/{release_id}/quotes): analysts and admins pick, edit and check them, a
second person approving each version; the approved quotes of a published release are public."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from surveyapp.actions import quotes
from surveyapp.actions.releases import ReleaseConflict, ReleaseNotFound
from surveyapp.actions.schemas import ErrorOut
from surveyapp.actions.schemas_quotes import PublicQuote, QuoteCheck, QuoteEdit, QuoteIn, QuoteOut
from surveyapp.auth.guards import require
from surveyapp.auth.middleware import identity_of
from surveyapp.domain.services import Services
from surveyapp.http.errors import json_error

_ERRORS = {400: ResponseSpec(ErrorOut, description="A field is not valid; `errors[].field` names it"),
           404: ResponseSpec(ErrorOut, description="No such release or quote"),
           409: ResponseSpec(ErrorOut, description="The quote changed since it was read, the release is withdrawn, "
                                                   "or whoever picked or edited it tried to check it")}
_READERS = [require(("admin", "analyst"))]
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
_NO_STORE = {"Cache-Control": "no-store"}


def who(request: Request[Any, Any, Any]) -> str:
    """The person asking, as the quotes record them: a named account's subject, else the role token's name (one
    shared token is one person: it cannot check its own picks)."""
    identity = identity_of(request)
    if identity is None:  # the guards let nobody in without one
        raise NotFoundException()
    return identity.subject or f"{identity.role} token"


def _answer(run: Any, status: int = 200) -> Response[Any]:
    try:
        return Response(run(), status_code=status, headers=_NO_STORE)
    except (ReleaseNotFound, quotes.QuoteNotFound) as exc:
        return json_error(404, f"no release or quote {exc.args[0]!r}")
    except ReleaseConflict as exc:
        return json_error(409, exc.message)


@post("/", status_code=201, sync_to_thread=True, guards=_READERS, security=_BEARER, responses=_ERRORS,
      opt={"audit": "quote picked"})
def pick_quote(services: NamedDependency[Services], request: Request[Any, Any, Any], release_id: FromPath[str],
               data: JSONBody[QuoteIn]) -> Response[QuoteOut]:
    """Pick a comment of the release's wave as a quote: its masked text (or that cut or masked further), beside a
    statement or the survey as a whole, said to come from its local authority or nowhere. It waits for a second
    person's check."""
    return _answer(lambda: quotes.pick(services, release_id, data, who(request)), 201)


@patch("/{quote_id:str}", sync_to_thread=True, guards=_READERS, security=_BEARER, responses=_ERRORS,
       opt={"audit": "quote edited"})
def edit_quote(services: NamedDependency[Services], request: Request[Any, Any, Any], release_id: FromPath[str],
               quote_id: FromPath[str], data: JSONBody[QuoteEdit]) -> Response[QuoteOut]:
    """Cut or mask the quote further, move it to another statement, or take its place off: a new version that a
    second person checks again."""
    return _answer(lambda: quotes.edit(services, release_id, quote_id, data, who(request)))


@post("/{quote_id:str}/check", status_code=200, sync_to_thread=True, guards=_READERS, security=_BEARER,
      responses=_ERRORS, opt={"audit": "quote checked"})
def check_quote(services: NamedDependency[Services], request: Request[Any, Any, Any], release_id: FromPath[str],
                quote_id: FromPath[str], data: JSONBody[QuoteCheck]) -> Response[QuoteOut]:
    """Approve the version read, or turn it down with a note: by another person than whoever picked or last
    edited it."""
    return _answer(lambda: quotes.check(services, release_id, quote_id, data, who(request)))


@get("/", sync_to_thread=True, guards=_READERS, security=_BEARER, responses=_ERRORS, opt={"audit": "quotes read"})
def list_quotes(services: NamedDependency[Services], release_id: FromPath[str]) -> Response[list[QuoteOut]]:
    """Every quote picked for the release, with who picked, edited and checked it."""
    return _answer(lambda: quotes.listing(services, release_id))


@get("/public", sync_to_thread=True, responses=_ERRORS)
def public_quotes(services: NamedDependency[Services], release_id: FromPath[str]) -> Response[list[PublicQuote]]:
    """The approved quotes of a published release (no sign-in): what the findings page shows."""
    return Response(quotes.public_quotes(services, release_id), headers={"Cache-Control": "no-cache"})


def quotes_router() -> Router:
    """Everything under /api/v1/releases/{release_id}/quotes."""
    return Router(path="/api/v1/releases/{release_id:str}/quotes",
                  route_handlers=[pick_quote, edit_quote, check_quote, list_quotes, public_quotes],
                  tags=["quotes"])

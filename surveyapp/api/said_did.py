""""You said, we did" (/api/v1/actions): admins record and edit entries; anyone reads the published ones and
their history, admins the drafts too."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from surveyapp.actions import said_did
from surveyapp.actions.schemas import ErrorOut
from surveyapp.actions.schemas_said_did import SaidDidEdit, SaidDidIn, SaidDidOut
from surveyapp.auth.guards import identity_of, require
from surveyapp.domain.services import Services

_ERRORS = {400: ResponseSpec(ErrorOut, description="A field is not valid; `errors[].field` names it"),
           404: ResponseSpec(ErrorOut, description="No such entry (or, without the admin token, none published)"),
           409: ResponseSpec(ErrorOut, description="Someone else edited the entry first, or a published entry was "
                                                   "asked to go back to draft")}
_ADMIN = [require("admin")]
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
_NO_STORE = {"Cache-Control": "no-store"}


def _admin(request: Request[Any, Any, Any]) -> bool:
    """An admin sees drafts; anyone else (no token too) the published entries only."""
    identity = identity_of(request)
    return identity is not None and identity.role == "admin"


@post("/", status_code=201, sync_to_thread=True, opt={"audit": "said-did entry added"}, guards=_ADMIN,
      security=_BEARER, responses=_ERRORS)
def add_entry(services: NamedDependency[Services], data: JSONBody[SaidDidIn]) -> Response[SaidDidOut]:
    """Record what the council has changed, has under way, or cannot change (and why), against a statement or
    the survey as a whole (admin). A draft until `status` is published."""
    return Response(said_did.add(services, data), status_code=201, headers=_NO_STORE)


@patch("/{entry_id:str}", sync_to_thread=True, opt={"audit": "said-did entry edited"}, guards=_ADMIN,
       security=_BEARER, responses=_ERRORS)
def edit_entry(services: NamedDependency[Services], entry_id: FromPath[str], data: JSONBody[SaidDidEdit]
               ) -> Response[SaidDidOut]:
    """A new version of the entry with the fields given changed, and a note saying what (admin). Publish with
    `status` published, withdraw with withdrawn; the versions before stay in its history."""
    return Response(said_did.edit(services, entry_id, data), headers=_NO_STORE)


@get("/", sync_to_thread=True, responses=_ERRORS)
def list_entries(services: NamedDependency[Services], request: Request[Any, Any, Any],
                 questionnaire: Annotated[str | None, QueryParameter(
                     description="Only this questionnaire's entries, e.g. send-repeat")] = None,
                 ) -> Response[list[SaidDidOut]]:
    """The current version of each entry: the published ones for anyone; with the admin token, drafts too."""
    return Response(said_did.listing(services, questionnaire, drafts=_admin(request)), headers=_NO_STORE)


@get("/{entry_id:str}/history", sync_to_thread=True, responses=_ERRORS)
def entry_history(services: NamedDependency[Services], request: Request[Any, Any, Any], entry_id: FromPath[str]
                  ) -> Response[list[SaidDidOut]]:
    """Every version of the entry, oldest first, each with its note: nothing said is ever erased (drafts are
    shown with the admin token only)."""
    return Response(said_did.history(services, entry_id, drafts=_admin(request)), headers=_NO_STORE)


def said_did_router() -> Router:
    """Everything under /api/v1/actions: reading is public, writing needs the admin token."""
    return Router(path="/api/v1/actions", route_handlers=[add_entry, edit_entry, list_entries, entry_history],
                  tags=["you said, we did"])

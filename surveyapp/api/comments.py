"""What families wrote (/api/v1/comments, /api/v1/codebooks, /api/v1/admin/setting-names): comments masked for
analysts and admins, unmasked for the holders of the `unmask` right (recorded), the codebook and its versions,
codings, the blind sample, agreement and suggestions; the admin's list of schools and settings."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from surveyapp.actions import coding, comments
from surveyapp.actions.schemas import ErrorOut
from surveyapp.actions.schemas_comments import (
    AgreementOut,
    CodebookIn,
    CodebookOut,
    CodingIn,
    CodingOut,
    CommentOut,
    SampleIn,
    SampleOut,
    SettingNamesIn,
    SettingNamesOut,
    SuggestionQuality,
)
from surveyapp.auth.guards import identity_of, require
from surveyapp.auth.permissions import require_permission
from surveyapp.domain.services import Services

_ERRORS = {400: ResponseSpec(ErrorOut, description="A field is not valid; `errors[].field` names it"),
           404: ResponseSpec(ErrorOut, description="No such wave, questionnaire, comment or name"),
           409: ResponseSpec(ErrorOut, description="Someone else edited the codebook first")}
_NO_STORE = {"Cache-Control": "no-store"}
_READERS = [require(("analyst", "admin"))]


def coder_of(request: Request[Any, Any, Any]) -> str:
    """Who is coding: the signed-in person's subject or name (a role token: the role's name)."""
    identity = identity_of(request)
    return "unknown" if identity is None else (identity.subject or identity.name)


@get("/comments/{wave_id:str}", sync_to_thread=True, opt={"audit": "comments read (masked)"}, responses=_ERRORS)
def list_comments(services: NamedDependency[Services], wave_id: FromPath[str]) -> Response[list[CommentOut]]:
    """The wave's comments, masked: names, phone numbers, e-mail addresses, postcodes, street addresses, NHS
    numbers, dates and schools replaced by "[name]", "[phone]", ...; with area, statement answers and themes."""
    return Response(comments.comments(services, wave_id), headers=_NO_STORE)


@get("/comments/{wave_id:str}/unmasked", sync_to_thread=True, opt={"audit": "comments read unmasked"},
     guards=[require_permission("unmask")], responses=_ERRORS)
def list_unmasked(services: NamedDependency[Services], wave_id: FromPath[str]) -> Response[list[CommentOut]]:
    """The wave's comments as families wrote them: the `unmask` right only (admin today); every read is
    recorded in the audit log."""
    return Response(comments.comments(services, wave_id, unmasked=True), headers=_NO_STORE)


@put("/comments/{wave_id:str}/{response_id:str}/coding", sync_to_thread=True, opt={"audit": "comment coded"},
     responses=_ERRORS)
def code_comment(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
                 response_id: FromPath[str], data: JSONBody[CodingIn]) -> Response[CodingOut]:
    """Your coding of one comment (replacing your earlier one) under the current codebook."""
    return Response(comments.code(services, wave_id, response_id, coder_of(request), data), headers=_NO_STORE)


@post("/comments/{wave_id:str}/sample", status_code=201, sync_to_thread=True,
      opt={"audit": "blind coding sample drawn"}, responses=_ERRORS)
def draw_sample(services: NamedDependency[Services], wave_id: FromPath[str], data: JSONBody[SampleIn]
                ) -> Response[SampleOut]:
    """Draw the wave's blind double-coding sample (replacing the one drawn before)."""
    comments.questionnaire_of(services, wave_id)
    return Response(comments.draw_sample(services, wave_id, data.size, data.seed), status_code=201,
                    headers=_NO_STORE)


@get("/comments/{wave_id:str}/sample", sync_to_thread=True, responses=_ERRORS)
def show_sample(services: NamedDependency[Services], wave_id: FromPath[str]) -> Response[SampleOut]:
    """The wave's blind double-coding sample as drawn (empty before one is)."""
    return Response(comments.sample(services, wave_id), headers=_NO_STORE)


@get("/comments/{wave_id:str}/agreement", sync_to_thread=True, opt={"audit": "coding agreement read"},
     responses=_ERRORS)
def agreement(services: NamedDependency[Services], wave_id: FromPath[str]) -> Response[AgreementOut]:
    """The blind double coding's agreement per theme: Cohen's kappa, the share agreed, and how often each coder
    ticked it."""
    return Response(coding.agreement(services, wave_id), headers=_NO_STORE)


@get("/comments/{wave_id:str}/suggestions", sync_to_thread=True, opt={"audit": "theme suggestions read"},
     responses=_ERRORS)
def suggestions(services: NamedDependency[Services], wave_id: FromPath[str]) -> Response[dict[str, list[str]]]:
    """Suggested themes for each uncoded comment (response_id -> theme ids), learnt from the coded ones."""
    return Response(coding.suggestions(services, wave_id), headers=_NO_STORE)


@get("/comments/{wave_id:str}/suggestions/quality", sync_to_thread=True,
     opt={"audit": "theme suggestions' quality read"}, responses=_ERRORS)
def suggestion_quality(services: NamedDependency[Services], wave_id: FromPath[str]) -> Response[SuggestionQuality]:
    """How often suggestions agree with held-out human coding (cross-validated), or why it cannot say yet."""
    return Response(coding.suggestion_quality(services, wave_id), headers=_NO_STORE)


@get("/codebooks/{questionnaire_id:str}", sync_to_thread=True, responses=_ERRORS)
def read_codebook(services: NamedDependency[Services], questionnaire_id: FromPath[str],
                  version: Annotated[int | None, QueryParameter(ge=1, description="A past version")] = None,
                  ) -> Response[CodebookOut]:
    """The questionnaire's codebook: the current version, or the one asked for."""
    return Response(comments.codebook(services, questionnaire_id, version), headers=_NO_STORE)


@get("/codebooks/{questionnaire_id:str}/history", sync_to_thread=True, responses=_ERRORS)
def codebook_history(services: NamedDependency[Services], questionnaire_id: FromPath[str]
                     ) -> Response[list[CodebookOut]]:
    """Every version of the codebook, oldest first."""
    return Response(comments.codebook_history(services, questionnaire_id), headers=_NO_STORE)


@post("/codebooks/{questionnaire_id:str}", status_code=201, sync_to_thread=True, opt={"audit": "codebook edited"},
      responses=_ERRORS)
def edit_codebook(services: NamedDependency[Services], request: Request[Any, Any, Any],
                  questionnaire_id: FromPath[str], data: JSONBody[CodebookIn]) -> Response[CodebookOut]:
    """A new version of the codebook with these themes; codings made before keep the version they were made
    under."""
    return Response(comments.edit_codebook(services, questionnaire_id, data, coder_of(request)), status_code=201,
                    headers=_NO_STORE)


@get("/admin/setting-names", sync_to_thread=True, guards=[require("admin")])
def list_setting_names(services: NamedDependency[Services]) -> Response[SettingNamesOut]:
    """The schools and settings masking hides as "[school]"."""
    return Response(comments.setting_names(services), headers=_NO_STORE)


@post("/admin/setting-names", status_code=201, sync_to_thread=True, guards=[require("admin")],
      opt={"audit": "setting names added"})
def add_setting_names(services: NamedDependency[Services], request: Request[Any, Any, Any],
                      data: JSONBody[SettingNamesIn]) -> Response[SettingNamesOut]:
    """Add schools and settings to the list (names already on it are left as they are)."""
    return Response(comments.add_setting_names(services, data.names, coder_of(request)), status_code=201,
                    headers=_NO_STORE)


@delete("/admin/setting-names", status_code=200, sync_to_thread=True, guards=[require("admin")],
        opt={"audit": "setting name removed"}, responses=_ERRORS)
def remove_setting_name(services: NamedDependency[Services],
                        name: Annotated[str, QueryParameter(description="The name as listed")]
                        ) -> Response[SettingNamesOut]:
    """Take a name off the list."""
    return Response(comments.remove_setting_name(services, name), headers=_NO_STORE)


def comments_router() -> Router:
    """/api/v1/comments and /api/v1/codebooks (analysts and admins; unmasked text needs the unmask right) and
    /api/v1/admin/setting-names (admins)."""
    readers = Router(path="/", guards=_READERS, route_handlers=[
        list_comments, list_unmasked, code_comment, draw_sample, show_sample, agreement, suggestions,
        suggestion_quality, read_codebook, codebook_history, edit_codebook])
    return Router(path="/api/v1", route_handlers=[readers, list_setting_names, add_setting_names,
                                                  remove_setting_name],
                  tags=["comments"], security=[{"bearer": []}])

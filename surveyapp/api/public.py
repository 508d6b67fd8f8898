"""Public endpoints: health, waves, questionnaires and submissions."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from surveyapp.actions import waves
from surveyapp.actions.schemas import ErrorOut, QuestionnaireOut, SubmissionIn, SubmissionOut, WaveOut
from surveyapp.domain.channels import api_channel, api_submission_id
from surveyapp.domain.services import Services
from surveyapp.domain.submission import Submission

_ERRORS = {
    400: ResponseSpec(ErrorOut, description="Invalid fields, each named with how to fix it; nothing stored"),
    404: ResponseSpec(ErrorOut, description="No such wave"),
    401: ResponseSpec(ErrorOut, description="`channel` paper or phone without a valid staff or admin token"),
    403: ResponseSpec(ErrorOut, description="`channel` paper or phone with another role's token"),
    409: ResponseSpec(ErrorOut, description="The wave is not open, or the submission id was reused"),
}


_UNAVAILABLE = {503: ResponseSpec(dict[str, str], description="The database cannot be used just now; `reason` "
                                                                "says why. The service recovers by itself once it can")}


def _health(problem: str | None, ok: str) -> Response[dict[str, str]]:
    if problem is None:
        return Response({"status": ok}, headers={"Cache-Control": "no-store"})
    return Response({"status": "unavailable", "reason": problem}, status_code=503,
                    headers={"Cache-Control": "no-store", "Retry-After": "60"})


@get("/healthz", tags=["health"], sync_to_thread=False, responses=_UNAVAILABLE)
def healthz(services: NamedDependency[Services]) -> Response[dict[str, str]]:
    """Health: the process answers and its database can be used (503 with a reason while it cannot). With
    scheduled backups, `backup` is `ok`, or says how they are late or failing (the service itself is still
    up, so the status stays 200: restarting it would not help)."""
    response = _health(services.health(), "ok")
    if services.backups is not None and isinstance(response.content, dict):
        response.content["backup"] = services.backup_lateness() or "ok"
    return response


@get("/readyz", tags=["health"], responses=_UNAVAILABLE)
async def readyz(services: NamedDependency[Services]) -> Response[dict[str, str]]:
    """Readiness: the writer has just committed an empty transaction, so a submission now would be stored."""
    return _health(await services.readiness(), "ready")


@get("/api/v1/waves", tags=["waves"], sync_to_thread=False)
def list_waves(services: NamedDependency[Services], lang: FromQuery[str] = "en") -> list[WaveOut]:
    """Every wave with its status today."""
    return waves.list_waves(services, lang)


@get("/api/v1/waves/{wave_id:str}", tags=["waves"], sync_to_thread=False,
     responses={404: _ERRORS[404]})
def get_wave(services: NamedDependency[Services], wave_id: FromPath[str],
             lang: Annotated[str, QueryParameter(description="Language code, e.g. en or en-easy")] = "en",
             ) -> QuestionnaireOut:
    """The wave's questionnaire with every question, statement and option id, in the requested language."""
    return waves.questionnaire(services, wave_id, lang)


@post("/api/v1/waves/{wave_id:str}/responses", tags=["responses"], status_code=201,
      responses=_ERRORS)
async def submit_response(services: NamedDependency[Services], request: Request[Any, Any, Any],
                          wave_id: FromPath[str], data: JSONBody[SubmissionIn]) -> Response[SubmissionOut]:
    """Store a response; 201 once it is durably committed. A retry with the same submission_id stores nothing new.
    `channel` paper or phone needs a staff or admin bearer token (401 without one, 403 with another role's)."""
    wave = services.open_wave(wave_id)
    channel = api_channel(data.channel, request, request.route_handler)
    api_submission_id(data.submission_id, channel)
    accepted = await services.collect(wave, Submission(
        answers=data.answers, postcode=data.postcode, return_code=data.return_code,
        submission_id=data.submission_id, language=data.language, channel=channel, source=data.source,
        child=data.child))
    return Response(SubmissionOut(accepted.response_id, accepted.return_code), status_code=201,
                    headers={"Cache-Control": "no-store"})


def public_router() -> Router:
    """Health, waves, questionnaires and submissions: no token."""
    return Router(path="/", route_handlers=[healthz, readyz, list_waves, get_wave, submit_response])

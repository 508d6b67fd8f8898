"""Analyst endpoints (analyst bearer token): exports, their data dictionary, compare, cohort and reach."""

from __future__ import annotations

from typing import Literal

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from surveyapp import queries
from surveyapp.auth import require
from surveyapp.export import FORMATS, dictionary_frame, export_frame, serialise
from surveyapp.services import Services


@get("/api/v1/waves/{wave_id:str}/export", tags=["analyst"], guards=[require("analyst")], sync_to_thread=True,
     security=[{"bearer": []}])
def export_wave(state: State, wave_id: FromPath[str],
                format: FromQuery[Literal["csv", "parquet", "xlsx"]] = "csv") -> Response[bytes]:
    """One row per response, one column per question or statement; XLSX adds a dictionary sheet, Parquet
    carries the dictionary in its metadata, and CSV's is at /dictionary."""
    services = state.services
    wave = services.wave(wave_id)
    frame = export_frame(services.store, wave_id, wave.questionnaire, services.areas)
    data = serialise(frame, dictionary_frame(wave.questionnaire), format)
    media_type, extension = FORMATS[format]
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{wave_id}-responses.{extension}"',
        "Link": f'</api/v1/waves/{wave_id}/dictionary?format=csv>; rel="describedby"',
        "Cache-Control": "no-store"})


@get("/api/v1/waves/{wave_id:str}/dictionary", tags=["analyst"], guards=[require("analyst")],
     sync_to_thread=False, security=[{"bearer": []}])
def wave_dictionary(state: State, wave_id: FromPath[str],
                    format: FromQuery[Literal["csv", "json"]] = "json") -> Response[bytes]:
    """The data dictionary of the export: each column's question, wording and allowed values."""
    wave = state.services.wave(wave_id)
    frame = dictionary_frame(wave.questionnaire)
    if format == "csv":
        return Response(frame.write_csv().encode(), media_type="text/csv; charset=utf-8")
    return Response(frame.write_json().encode(), media_type="application/json")


def _respond(services: Services, result: queries.Result, fmt: str, name: str) -> Response[bytes]:
    """The result in the asked format; files other than JSON come as attachments."""
    headers = {"Cache-Control": "no-store"}
    if fmt != "json":
        headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    body = queries.serialise(result, fmt, services.areas.attribution)
    return Response(body, media_type=queries.FORMATS[fmt], headers=headers)


def _format(request: Request, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    return "csv" if "text/csv" in request.headers.get("accept", "") else "json"


AnalysisFormat = Literal["json", "csv", "parquet", "xlsx"]


@get("/api/v1/waves/{wave_id:str}/compare", tags=["analyst"], guards=[require("analyst")], sync_to_thread=True,
     security=[{"bearer": []}])
def compare_wave(state: State, request: Request, wave_id: FromPath[str],
                 baseline: FromQuery[str | None] = None, by: FromQuery[str] = "all", weighted: FromQuery[bool] = False,
                 format: FromQuery[AnalysisFormat | None] = None) -> Response[bytes]:
    """Q7 by area or group against the baseline (JSON, or CSV with `Accept: text/csv`; or `format=`)."""
    services = state.services
    services.wave(wave_id)
    fmt = _format(request, format)
    result = queries.compare(services, wave_id, baseline_id=baseline, by=by, weighted=weighted)
    return _respond(services, result, fmt, f"{wave_id}-compare-{by}")


@get("/api/v1/waves/{wave_id:str}/cohort", tags=["analyst"], guards=[require("analyst")], sync_to_thread=True,
     security=[{"bearer": []}])
def cohort_wave(state: State, request: Request, wave_id: FromPath[str], against: FromQuery[str],
                format: FromQuery[AnalysisFormat | None] = None) -> Response[bytes]:
    """Same-family change per Q7 statement since an earlier wave (linked by return code)."""
    services = state.services
    services.wave(wave_id)
    fmt = _format(request, format)
    result = queries.cohort(services, wave_id, against=against)
    return _respond(services, result, fmt, f"{wave_id}-cohort-{against}")


@get("/api/v1/waves/{wave_id:str}/reach", tags=["analyst"], guards=[require("analyst")], sync_to_thread=True,
     security=[{"bearer": []}])
def reach_wave(state: State, request: Request, wave_id: FromPath[str], by: FromQuery[str] = "lad",
               format: FromQuery[AnalysisFormat | None] = None) -> Response[bytes]:
    """Responses by LAD or group against children aged 0-17 or Census 2021 shares."""
    services = state.services
    services.wave(wave_id)
    fmt = _format(request, format)
    result = queries.reach_of(services, wave_id, by=by)
    return _respond(services, result, fmt, f"{wave_id}-reach-{by}")

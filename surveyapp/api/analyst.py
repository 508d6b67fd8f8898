"""Analyst endpoints (analyst bearer token): exports and their data dictionary."""

from __future__ import annotations

from typing import Literal

from litestar import Response, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from surveyapp.auth import require
from surveyapp.export import FORMATS, dictionary_frame, export_frame, serialise


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

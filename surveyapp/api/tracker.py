"""The live tracker (analyst token): its figures as JSON, CSV, Parquet or XLSX, and as a page at /tracker/{wave_id}."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from surveyapp.actions import tracker
from surveyapp.auth.guards import require
from surveyapp.auth.pages import with_bar
from surveyapp.domain.services import Services
from surveyapp.http.headers import csp_for_page
from surveyapp.render.formats import MEDIA_TYPES, ResultFormat, TrackerTable, one_table, serialise
from surveyapp.render.internal import internal_name, mark_internal

REFRESH_SECONDS = 300


@get("/api/v1/waves/{wave_id:str}/tracker", sync_to_thread=True, opt={"audit": "internal tracker read"})
def tracker_figures(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
                    by: FromQuery[str] = "lad", format: FromQuery[ResultFormat | None] = None,
                    table: FromQuery[TrackerTable] = "groups") -> Response[bytes]:
    """Responses so far by area or group with the expected number, the shortfall and the under-reach verdict,
    sorted by shortfall (`by=source` or `channel`: responses by outreach source or channel); JSON also holds
    `daily`, responses per UK day by channel and source (`table=daily` for it alone in CSV, Parquet, XLSX)."""
    services.wave(wave_id)  # an unknown wave is a 404, as everywhere else
    if format is None:
        format = "csv" if "text/csv" in request.headers.get("accept", "") else "json"
    result = tracker.tracker(services, wave_id, by=by)
    body = serialise(result if format in ("json", "xlsx") else one_table(result, table), format,
                     services.areas.attribution)
    headers = {"Cache-Control": "no-store"}
    if format != "json":
        stem = f"{wave_id}-tracker-{by}" + ("-daily" if table == "daily" and format != "xlsx" else "")
        headers["Content-Disposition"] = f'attachment; filename="{internal_name(stem)}.{format}"'
    return Response(body, media_type=MEDIA_TYPES[format], headers=headers)




@get("/tracker/{wave_id:str}", sync_to_thread=True, opt={"audit": "internal tracker page read"})
def tracker_page(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
                 by: FromQuery[str] = "lad", refresh: FromQuery[Literal["on", "off"]] = "off") -> Response[str]:
    """The tracker as a page an outreach officer reads at a glance; `refresh=on` reloads it every 5 minutes
    (an HTTP Refresh header) until "Stop refreshing" is followed."""
    from surveyapp.render.tracker import tracker_html

    wave = services.wave(wave_id)
    result = tracker.tracker(services, wave_id, by=by)
    page = tracker_html(result, wave=wave, levels=tracker.tracker_levels(wave), pack_info=services.areas.info,
                        refresh=refresh == "on",
                        refresh_seconds=REFRESH_SECONDS, now=services.clock(),
                        threshold=services.settings.small_number_threshold)
    page = with_bar(mark_internal(page), request)  # Internal; who is signed in, and Sign out, in a session
    headers = {"Content-Security-Policy": csp_for_page(page), "Cache-Control": "no-store"}
    if refresh == "on":
        headers["Refresh"] = str(REFRESH_SECONDS)
    return Response(page, media_type="text/html", headers=headers)


def tracker_router() -> Router:
    """The tracker's figures and page: the analyst token, declared once."""
    return Router(path="/", route_handlers=[tracker_figures, tracker_page], guards=[require("analyst")],
                  tags=["analyst"], security=[{"bearer": []}])

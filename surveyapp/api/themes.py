"""Themes counted (analyst token): coded comments by theme for a wave, by area or group, exact and flagged, as JSON,
CSV, Parquet or XLSX."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from surveyapp.actions import themes
from surveyapp.auth.guards import require
from surveyapp.domain.services import Services
from surveyapp.render.formats import MEDIA_TYPES, ResultFormat, serialise


@get("/api/v1/waves/{wave_id:str}/themes", sync_to_thread=True, opt={"audit": "internal themes read"})
def theme_figures(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
                  by: FromQuery[str] = "all", format: FromQuery[ResultFormat | None] = None) -> Response[bytes]:
    """Coded comments by theme: per row of `by` (all, lad, district, a question, `lad,ethnic_group_broad`...) and
    theme, how many carry it, of how many coded, and the share; exact, with `publishable` and `publishable_rule`
    saying what a release could not show on its own."""
    services.wave(wave_id)  # an unknown wave is a 404, as everywhere else
    if format is None:
        format = "csv" if "text/csv" in request.headers.get("accept", "") else "json"
    body = serialise(themes.themes(services, wave_id, by=by), format, services.areas.attribution)
    headers = {"Cache-Control": "no-store"}
    if format != "json":
        headers["Content-Disposition"] = f'attachment; filename="internal-{wave_id}-themes-{by.replace(",", "-")}.' \
                                         f'{format}"'
    return Response(body, media_type=MEDIA_TYPES[format], headers=headers)


def themes_router() -> Router:
    """The themes' figures: the analyst token (admins too), declared once."""
    return Router(path="/", route_handlers=[theme_figures], guards=[require(("analyst", "admin"))],
                  tags=["analyst"], security=[{"bearer": []}])

"""The board report in the service, for analysts (analyst token): /results/{wave_id}."""

from __future__ import annotations

import base64
import hashlib
import re

from litestar import Response, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from surveyapp.auth import require
from surveyapp.backends import LocalBackend
from surveyapp.board import board_page
from surveyapp.headers import CSP

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _csp_for(page: str) -> str:
    """The house CSP, plus the hash of the page's own style block (no 'unsafe-inline')."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in _STYLE.findall(page))
    return CSP.replace("style-src 'self'", f"style-src 'self' {hashes}") if hashes else CSP


@get("/results/{wave_id:str}", tags=["analyst"], guards=[require("analyst")], sync_to_thread=True,
     security=[{"bearer": []}])
def results_page(state: State, wave_id: FromPath[str], baseline: FromQuery[str | None] = None) -> Response[str]:
    """The board report for a wave: the charts with their tables of figures, as one HTML page."""
    services = state.services
    services.wave(wave_id)
    page = board_page(LocalBackend(services=services), wave_id,
                      threshold=services.settings.small_number_threshold, baseline_id=baseline,
                      boundaries=services.settings.boundaries)
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": _csp_for(page), "Cache-Control": "no-store"})

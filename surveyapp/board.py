"""The board pack: gather every result the report shows, then hand it to the report writer.

Results come through a Backend (surveyapp.backends), so the report is the same whether the CLI reads the
database file itself or asks the running service for them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, cast

import polars as pl

from analytics.scale import Scale
from surveyapp.backends import Backend, LocalBackend, RemoteBackend
from surveyapp.queries import AnalysisError
from surveyapp.report import Progress, ReportInputs, report_html, write_report
from waves.areas.pack import AreaPack, load_area_pack
from waves.loader import load_catalogue

REACH_LEVELS = ("lad", "ethnic_group_broad", "religion")


def short_title(wave: dict[str, Any]) -> str:
    """A title that reads well inside a sentence or on an axis ("Autumn 2026"; "2019" for the baseline, so
    titles say "than in 2019")."""
    if wave["kind"] == "aggregate":
        year = re.search(r"\d{4}", wave["wave_id"])
        return year.group(0) if year else "the baseline"
    match = re.fullmatch(r"(\d{4})-([a-z]+)", wave["wave_id"])
    return f"{match.group(2).title()} {match.group(1)}" if match else str(wave["title"])


def _frame(backend: Backend, kind: str, wave_id: str, **params: Any) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(backend.analysis(kind, wave_id, params, "parquet")))


def _opens(wave: dict[str, Any]) -> dt.date:
    value = wave["opens_on"]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def report_inputs(backend: Backend, wave_id: str, baseline_id: str | None = None) -> ReportInputs:
    """Compare (every wave so far, and this one by area), reach, and the cohort against the wave before."""
    waves = sorted(backend.list_waves(), key=_opens)
    wave = next((w for w in waves if w["wave_id"] == wave_id), None)
    if wave is None or wave["kind"] != "responses":
        raise AnalysisError("wave", f"{wave_id!r} is not a wave with responses")
    baseline = next((w for w in waves if w["wave_id"] == baseline_id) if baseline_id else
                    (w for w in waves if w["kind"] == "aggregate"), None)
    if baseline is None:
        raise AnalysisError("baseline", f"there is no wave {baseline_id!r}")
    earlier = [w for w in waves if w["kind"] == "responses" and _opens(w) <= _opens(wave) and w is not wave]
    order = [baseline, *(w for w in earlier if w is not baseline), wave]
    responses = [w["wave_id"] for w in order if w["kind"] == "responses" and w is not baseline]
    overall = pl.concat([_frame(backend, "compare", w, baseline=baseline["wave_id"], by="all") for w in responses])
    by_area = _frame(backend, "compare", wave_id, baseline=baseline["wave_id"], by="lad")
    reach = pl.concat([_frame(backend, "reach", wave_id, by=level) for level in REACH_LEVELS])
    cohort = _frame(backend, "cohort", wave_id, against=earlier[-1]["wave_id"]) if earlier else None
    scale, pack = _definitions(backend, wave)
    return ReportInputs(wave_id=wave_id, baseline_id=baseline["wave_id"],
                        wave_order=tuple(w["wave_id"] for w in order),
                        wave_titles={w["wave_id"]: short_title(w) for w in order}, overall=overall,
                        by_area=by_area, reach=reach, cohort=cohort, scale=scale, tiles=pack.tiles,
                        attribution=pack.attribution, pack_info=pack.info)


def _definitions(backend: Backend, wave: dict[str, Any]) -> tuple[Scale, AreaPack]:
    """The wave's compared question and the active area pack: the service's own, or those its settings name."""
    if isinstance(backend, LocalBackend):
        return Scale.for_questionnaire(backend.services.wave(wave["wave_id"]).questionnaire), backend.services.areas
    settings = cast(RemoteBackend, backend).settings
    questionnaire = load_catalogue(settings.definitions_dir).questionnaire(wave["questionnaire_id"],
                                                                           wave["questionnaire_version"])
    return Scale.for_questionnaire(questionnaire), load_area_pack(settings.area_pack)


def write_board_report(backend: Backend, wave_id: str, out_dir: Path, *, threshold: int,
                       baseline_id: str | None = None, boundaries: Path | None = None,
                       progress: Progress | None = None) -> Path:
    """Write report.html, charts/*.svg and *.png, and figures.csv for the wave into out_dir."""
    inputs = report_inputs(backend, wave_id, baseline_id)
    return write_report(inputs, out_dir, threshold=threshold, boundaries=boundaries, progress=progress)


def board_page(backend: Backend, wave_id: str, *, threshold: int, baseline_id: str | None = None,
               boundaries: Path | None = None) -> str:
    """The report page for the service's /results/{wave_id}."""
    return report_html(report_inputs(backend, wave_id, baseline_id), threshold=threshold, boundaries=boundaries)

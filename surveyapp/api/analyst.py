"""Analyst endpoints (analyst bearer token): exports and their dictionary, compare, cohort and reach, and the
board report as a page (/results/{wave_id}) or as the files the CLI writes (report.zip)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, QueryParameter

from surveyapp.actions import analyses, data, report
from surveyapp.auth.guards import require
from surveyapp.auth.pages import with_bar
from surveyapp.domain.services import Services
from surveyapp.http.headers import csp_for_page
from surveyapp.render.exports import FORMATS, neutralise
from surveyapp.render.formats import MEDIA_TYPES, ResultFormat, serialise
from surveyapp.render.internal import internal_name, mark_internal

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl


ExportFormat = data.ExportFormat
WAVES = QueryParameter(pattern=r"^ *(all|[a-z0-9][a-z0-9-]*( *, *[a-z0-9][a-z0-9-]*)*) *$", description=(
    "`all` (every wave with responses, oldest first), or wave ids separated by commas, in the order wanted"))
FILTER = QueryParameter(name="filter", required=False, description=(
    "Keep responses whose answer to a single or multiple choice question is one of these options: "
    "`<question>:<option>[,<option>]`, e.g. `respondent_role:parent_carer,young_person`; repeat for more (all "
    "must hold)."))


def _export_response(data: bytes, fmt: ExportFormat, stem: str, dictionary: str, demo: bool) -> Response[bytes]:
    media_type, extension = FORMATS[fmt]
    stem = internal_name(f"demo-data-{stem}" if demo else stem)  # CSV has no title: its name says it
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{stem}-responses.{extension}"',
        "Link": f'<{dictionary}>; rel="describedby"', "Cache-Control": "no-store"})


def _dictionary_response(frame: pl.DataFrame, fmt: Literal["csv", "json", "xlsx"],
                         workbook: Callable[[], bytes]) -> Response[bytes]:
    if fmt == "xlsx":
        return Response(workbook(), media_type=FORMATS["xlsx"][0], headers={
            "Content-Disposition": 'attachment; filename="dictionary.xlsx"', "Cache-Control": "no-store"})
    if fmt == "csv":
        return Response(neutralise(frame).write_csv().encode(), media_type="text/csv")
    return Response(frame.write_json().encode(), media_type="application/json")


@get("/api/v1/waves/{wave_id:str}/export", sync_to_thread=True, opt={"audit": "export"})
def export_wave(services: NamedDependency[Services], wave_id: FromPath[str], format: FromQuery[ExportFormat] = "csv",
                filters: Annotated[list[str] | None, FILTER] = None) -> Response[bytes]:
    """One row per response, one column per question, statement, statement score and multiple-choice option
    (the same columns as /api/v1/export); XLSX adds a dictionary sheet, Parquet carries the dictionary in its
    metadata, SPSS and Stata files their labels, and CSV's is at /dictionary."""
    services.wave(wave_id)  # an unknown wave is a 404, as everywhere else
    body = data.export(services, [wave_id], format, filters=filters or (), field="wave_id")
    return _export_response(body, format, wave_id, f"/api/v1/waves/{wave_id}/dictionary?format=csv",
                            services.settings.demo)


@get("/api/v1/export", sync_to_thread=True, opt={"audit": "export"})
def export_stacked(services: NamedDependency[Services], waves: Annotated[str, WAVES] = "all",
                   format: FromQuery[ExportFormat] = "csv",
                   filters: Annotated[list[str] | None, FILTER] = None) -> Response[bytes]:
    """The responses of several waves stacked, one row per response with its `wave_id`: `waves=all` (every
    wave with responses) or `waves=<id>,<id>`. Formats and columns as the per-wave export."""
    body = data.export(services, waves, format, filters=filters or ())
    stem = "all-waves" if waves.strip() == "all" else "-".join(w.strip() for w in waves.split(",") if w.strip())
    return _export_response(body, format, stem[:120], f"/api/v1/export/dictionary?waves={quote(waves)}&format=csv",
                            services.settings.demo)


@get("/api/v1/export/dictionary", sync_to_thread=False)
def stacked_dictionary(services: NamedDependency[Services], waves: Annotated[str, WAVES] = "all",
                       format: FromQuery[Literal["csv", "json", "xlsx"]] = "json") -> Response[bytes]:
    """The data dictionary of the stacked export: each column's question, wording, values, codes and declared
    missing values, and its variable name in SPSS, Stata and R; XLSX adds the codes and the baseline's counts."""
    return _dictionary_response(data.dictionary(services, waves), format,
                                lambda: data.dictionary_workbook(services, waves))


@get("/api/v1/waves/{wave_id:str}/dictionary", sync_to_thread=False)
def wave_dictionary(services: NamedDependency[Services], wave_id: FromPath[str],
                    format: FromQuery[Literal["csv", "json", "xlsx"]] = "json") -> Response[bytes]:
    """The data dictionary of the export: each column's question, wording, values, codes and declared missing
    values, and its variable name in SPSS, Stata and R; XLSX adds the codes and the baseline's counts."""
    services.wave(wave_id)
    return _dictionary_response(data.dictionary(services, [wave_id], field="wave_id"), format,
                                lambda: data.dictionary_workbook(services, [wave_id], field="wave_id"))


@get("/api/v1/export/baseline", sync_to_thread=False)
def baseline_counts(services: NamedDependency[Services],
                    format: FromQuery[Literal["csv", "parquet", "xlsx"]] = "csv") -> Response[bytes]:
    """The published Q7 counts of the 2019 baseline (every aggregate-only wave): one row per statement and
    answer, with the answer's words and score, to put beside a wave's export."""
    return Response(data.baseline_file(services, format), media_type=FORMATS[format][0], headers={
        "Content-Disposition": f'attachment; filename="baseline-counts.{FORMATS[format][1]}"',
        "Cache-Control": "no-store"})


def _analysis(services: Services, request: Request[Any, Any, Any], fmt: ResultFormat | None,
              analysis: analyses.AnalysisRequest) -> Response[bytes]:
    """The analysis in the asked format (`format=`, else CSV for `Accept: text/csv`, else JSON); files other
    than JSON come as attachments."""
    if fmt is None:
        fmt = "csv" if "text/csv" in request.headers.get("accept", "") else "json"
    body = serialise(analyses.analyse(services, analysis), fmt, services.areas.attribution)
    headers = {"Cache-Control": "no-store"}
    if fmt != "json":
        headers["Content-Disposition"] = f'attachment; filename="{internal_name(analysis.name())}.{fmt}"'
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


@get("/api/v1/waves/{wave_id:str}/compare", sync_to_thread=True, opt={"audit": "internal compare read"})
def compare_wave(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
                 baseline: FromQuery[str | None] = None, by: FromQuery[str] = "all", weighted: FromQuery[bool] = False,
                 targets: Annotated[Literal["children", "ehc_plans"], QueryParameter(
                     description="weighted: rake to children 0-17 by LAD, or to EHC plans by upper-tier "
                                 "authority (needs SURVEYAPP_EHC_PLANS)")] = "children",
                 format: FromQuery[ResultFormat | None] = None,
                 filters: Annotated[list[str] | None, FILTER] = None) -> Response[bytes]:
    """Q7 by area or group against the baseline (JSON, or CSV with `Accept: text/csv`; or `format=`)."""
    return _analysis(services, request, format, analyses.AnalysisRequest(
        kind="compare", wave=wave_id, baseline=baseline, by=by, weighted=weighted, targets=targets,
        filters=tuple(filters or ())))


@get("/api/v1/waves/{wave_id:str}/cohort", sync_to_thread=True, opt={"audit": "internal cohort read"})
def cohort_wave(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
                against: FromQuery[str], by: FromQuery[str] = "all", format: FromQuery[ResultFormat | None] = None,
                filters: Annotated[list[str] | None, FILTER] = None) -> Response[bytes]:
    """Same-family change per Q7 statement since an earlier wave (linked by return code); `by=lad` for one
    table per area."""
    return _analysis(services, request, format, analyses.AnalysisRequest(
        kind="cohort", wave=wave_id, against=against, by=by, filters=tuple(filters or ())))


@get("/api/v1/waves/{wave_id:str}/reach", sync_to_thread=True, opt={"audit": "internal reach read"})
def reach_wave(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
               by: FromQuery[str] = "lad", pooled: FromQuery[int] = 1,
               format: FromQuery[ResultFormat | None] = None,
               filters: Annotated[list[str] | None, FILTER] = None) -> Response[bytes]:
    """Responses by LAD or group against children aged 0-17 or Census 2021 shares, with under-reach tests;
    `pooled=3` adds up the last 3 response waves so that small communities can be assessed."""
    return _analysis(services, request, format, analyses.AnalysisRequest(kind="reach", wave=wave_id, by=by,
                                                                        pooled=pooled, filters=tuple(filters or ())))


@get("/results/{wave_id:str}", sync_to_thread=True, opt={"audit": "internal results page read"})
def results_page(services: NamedDependency[Services], request: Request[Any, Any, Any], wave_id: FromPath[str],
                 baseline: FromQuery[str | None] = None) -> Response[str]:
    """The board report for a wave: the charts with their tables of figures, as one HTML page (with the
    signed-in bar and sign-out when opened in a browser session)."""
    from surveyapp.render.report import report_html

    services.wave(wave_id)  # an unknown wave is a 404, as everywhere else
    settings = services.settings
    page = report_html(report.report_inputs(services, wave_id, baseline),
                       threshold=settings.small_number_threshold, boundaries=settings.boundaries)
    page = with_bar(mark_internal(page), request)
    return Response(page, media_type="text/html",
                    headers={"Content-Security-Policy": csp_for_page(page), "Cache-Control": "no-store"})


PDF_HEADER = "X-Report-Pdf"  # "included", or why report.zip holds no report.pdf


@get("/api/v1/waves/{wave_id:str}/report.zip", sync_to_thread=True, opt={"audit": "report export"})
def report_pack(services: NamedDependency[Services], wave_id: FromPath[str],
                baseline: FromQuery[str | None] = None,
                pdf: Annotated[bool, QueryParameter(description="print report.pdf (A4) too, when the service has "
                                                                "Chromium")] = True) -> Response[bytes]:
    """The board pack as `surveyapp report` writes it: report.html, charts/*.svg and *.png, figures.csv, and
    report.pdf (A4) when the service can print it with headless Chromium; the X-Report-Pdf header says
    "included" or why not."""
    from surveyapp.render.demo import mark_page
    from surveyapp.render.report import PdfBusy, PdfError, pdf_slot, print_pdf, write_report

    services.wave(wave_id)  # an unknown wave is a 404, as everywhere else
    settings = services.settings
    inputs = report.report_inputs(services, wave_id, baseline)
    buffer = io.BytesIO()
    printed = "not asked for (pdf=false)"
    with tempfile.TemporaryDirectory(prefix="surveyapp-report-") as folder:
        root = Path(folder)
        page = write_report(inputs, root, threshold=settings.small_number_threshold, boundaries=settings.boundaries)
        marked = mark_internal(page.read_text(encoding="utf-8"))  # internal figures: the page and its PDF say so
        if settings.demo:  # the pack's page (and so its PDF) says "demo data" as the served page does
            marked = mark_page(marked)
        page.write_text(marked, encoding="utf-8")
        if pdf:
            try:
                with pdf_slot(services.pdf_renders):
                    print_pdf(page, root / "report.pdf")
                printed = "included"
            except PdfBusy as exc:
                raise HTTPException(str(exc), status_code=503,
                                    headers={"Retry-After": str(PdfBusy.RETRY_SECONDS)}) from None
            except PdfError as exc:
                printed = f"not printed: {exc}".replace("\n", " ")[:300]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    pack.write(path, path.relative_to(root).as_posix())
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{internal_name(wave_id)}-report.zip"',
        "Cache-Control": "no-store",
        PDF_HEADER: printed.encode("ascii", "replace").decode()})


def analyst_router() -> Router:
    """Exports, analyses and the report: the analyst token, declared once."""
    return Router(path="/", route_handlers=[export_wave, export_stacked, stacked_dictionary, wave_dictionary,
                                            baseline_counts,
                                            compare_wave, cohort_wave, reach_wave, results_page, report_pack],
                  guards=[require("analyst")], tags=["analyst"], security=[{"bearer": []}])

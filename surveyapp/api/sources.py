"""Outreach sources (admin bearer token): register, list, rename and retire the partners who pass a wave's
survey on; each source's QR code and printable A4 poster."""

from __future__ import annotations

from litestar import Response, Router, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from surveyapp.actions import sources
from surveyapp.actions.schemas import ErrorOut, SourceIn, SourceOut
from surveyapp.auth.guards import require
from surveyapp.domain.services import Services
from surveyapp.http.headers import csp_for_page

_ERRORS = {400: ResponseSpec(ErrorOut, description="The name is not valid (empty, too long, control characters)"),
           404: ResponseSpec(ErrorOut, description="No such wave, or no such source in it"),
           409: ResponseSpec(ErrorOut, description="The wave already has a source of that name, or it is retired; "
                                                     "a QR code or poster while SURVEYAPP_PUBLIC_URL is unset or a "
                                                     "loopback address (the error names the setting)")}
_NO_STORE = {"Cache-Control": "no-store"}


@post("/", status_code=201, sync_to_thread=True, responses=_ERRORS, opt={"audit": "source created"})
def create_source(services: NamedDependency[Services], wave_id: FromPath[str], data: JSONBody[SourceIn]
                  ) -> Response[SourceOut]:
    """Register a partner who passes the survey on: its `url` opens the form and records it on each response."""
    return Response(sources.create_source(services, wave_id, data.name), status_code=201, headers=_NO_STORE)


@get("/", sync_to_thread=True, responses=_ERRORS)
def list_sources(services: NamedDependency[Services], wave_id: FromPath[str]) -> Response[list[SourceOut]]:
    """The wave's sources, oldest first, each with its responses so far (rounded to base 5, as every published
    count; fewer than the threshold shows no number)."""
    return Response(sources.list_sources(services, wave_id), headers=_NO_STORE)


@patch("/{source_id:str}", sync_to_thread=True, responses=_ERRORS, opt={"audit": "source renamed"})
def rename_source(services: NamedDependency[Services], wave_id: FromPath[str], source_id: FromPath[str],
                  data: JSONBody[SourceIn]) -> Response[SourceOut]:
    """Rename a source; its link, QR code and the responses it brought stay."""
    return Response(sources.rename_source(services, wave_id, source_id, data.name), headers=_NO_STORE)


@post("/{source_id:str}/retire", status_code=200, sync_to_thread=True, responses=_ERRORS,
      opt={"audit": "source retired"})
def retire_source(services: NamedDependency[Services], wave_id: FromPath[str], source_id: FromPath[str]
                  ) -> Response[SourceOut]:
    """Retire a source: its link still opens the form, but responses through it are stored without a source."""
    return Response(sources.retire_source(services, wave_id, source_id), headers=_NO_STORE)


@get("/{source_id:str}/qr.svg", sync_to_thread=True, media_type="image/svg+xml", responses=_ERRORS)
def qr_svg(services: NamedDependency[Services], wave_id: FromPath[str], source_id: FromPath[str]) -> Response[bytes]:
    """The QR code of the source's link, as SVG (scales to any size in print)."""
    return Response(sources.source_qr(services, wave_id, source_id, "svg"), media_type="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="{source_id}.svg"', **_NO_STORE})


@get("/{source_id:str}/qr.png", sync_to_thread=True, media_type="image/png", responses=_ERRORS)
def qr_png(services: NamedDependency[Services], wave_id: FromPath[str], source_id: FromPath[str]) -> Response[bytes]:
    """The QR code of the source's link, as PNG."""
    return Response(sources.source_qr(services, wave_id, source_id, "png"), media_type="image/png",
                    headers={"Content-Disposition": f'inline; filename="{source_id}.png"', **_NO_STORE})


@get("/{source_id:str}/poster", sync_to_thread=True, media_type="text/html", responses=_ERRORS)
def poster(services: NamedDependency[Services], wave_id: FromPath[str], source_id: FromPath[str]) -> Response[str]:
    """The source's A4 poster as a page to print: QR code, title, how long it takes, the link written out."""
    page = sources.source_poster(services, wave_id, source_id)
    return Response(page, media_type="text/html",
                    headers={"Content-Security-Policy": csp_for_page(page), **_NO_STORE})


@get("/{source_id:str}/poster.pdf", sync_to_thread=True, media_type="application/pdf",
     responses={**_ERRORS, 503: ResponseSpec(ErrorOut, description="Chromium, which prints the PDF, is missing, "
                                                                 "or every PDF slot is printing (`Retry-After`)")})
def poster_pdf(services: NamedDependency[Services], wave_id: FromPath[str], source_id: FromPath[str]
               ) -> Response[bytes]:
    """The source's poster printed to an A4 PDF (headless Chromium)."""
    from surveyapp.render.poster import poster_pdf as print_poster
    from surveyapp.render.report import PdfBusy, PdfError, pdf_slot

    page = sources.source_poster(services, wave_id, source_id)
    try:
        with pdf_slot(services.pdf_renders):
            data = print_poster(page)
    except PdfBusy as exc:
        raise HTTPException(str(exc), status_code=503, headers={"Retry-After": str(PdfBusy.RETRY_SECONDS)}) from None
    except PdfError as exc:
        raise HTTPException(str(exc), status_code=503) from None
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="poster-{source_id}.pdf"', **_NO_STORE})


def sources_router() -> Router:
    """Everything under /api/v1/waves/{wave_id}/sources: the admin token, declared once."""
    return Router(path="/api/v1/waves/{wave_id:str}/sources",
                  route_handlers=[create_source, list_sources, rename_source, retire_source, qr_svg, qr_png, poster,
                                  poster_pdf],
                  guards=[require("admin")], tags=["sources"], security=[{"bearer": []}])

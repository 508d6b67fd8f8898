"""The board pack built from a release (analysts and admins): an A4 PDF, or a zip of its page, charts, figures
and PDF, like the report's."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

from litestar import Response, Router, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from surveyapp.actions import releases
from surveyapp.actions.boardpack import pack_inputs
from surveyapp.actions.schemas import ErrorOut
from surveyapp.auth.guards import require
from surveyapp.domain.services import Services

PDF_HEADER = "X-Report-Pdf"  # "included", or why the zip holds no board-pack.pdf
_ERRORS = {404: ResponseSpec(ErrorOut, description="No such release"),
           503: ResponseSpec(ErrorOut, description="Chromium, which prints the PDF, is missing, or every PDF slot "
                                                   "is printing (`Retry-After`)")}


def _written(services: Services, release_id: str, folder: Path, *, pdf: bool) -> str:
    """Write the pack into `folder`; print its PDF when asked. Returns "included" or why there is no PDF."""
    from surveyapp.render.boardpack import write_pack
    from surveyapp.render.demo import mark_page
    from surveyapp.render.report import PdfBusy, PdfError, pdf_slot, print_pdf

    try:
        inputs = pack_inputs(services, release_id)
    except releases.ReleaseNotFound:
        raise NotFoundException(f"there is no release {release_id!r}; GET /api/v1/releases lists them") from None
    page = write_pack(inputs, folder)
    if services.settings.demo:
        page.write_text(mark_page(page.read_text(encoding="utf-8")), encoding="utf-8")
    if not pdf:
        return "not asked for"
    try:
        with pdf_slot(services.pdf_renders):
            print_pdf(page, folder / "board-pack.pdf")
    except PdfBusy as exc:
        raise HTTPException(str(exc), status_code=503, headers={"Retry-After": str(PdfBusy.RETRY_SECONDS)}) from None
    except PdfError as exc:
        return f"not printed: {exc}".replace("\n", " ")[:300]
    return "included"


@get("/{release_id:str}/board-pack.pdf", sync_to_thread=True, media_type="application/pdf", responses=_ERRORS,
     opt={"audit": "board pack printed"})
def board_pack_pdf(services: NamedDependency[Services], release_id: FromPath[str]) -> Response[bytes]:
    """The board pack of the release, printed to A4: page 1 the summary and its headline chart, every figure
    from the release's tables, "You said, we did" beside each statement. A draft's pack says it is a draft."""
    with tempfile.TemporaryDirectory(prefix="surveyapp-pack-") as folder:
        printed = _written(services, release_id, Path(folder), pdf=True)
        if printed != "included":
            raise HTTPException(f"the PDF could not be printed: {printed}", status_code=503)
        data = (Path(folder) / "board-pack.pdf").read_bytes()
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{release_id}-board-pack.pdf"', "Cache-Control": "no-store"})


@get("/{release_id:str}/board-pack.zip", sync_to_thread=True, media_type="application/zip", responses=_ERRORS,
     opt={"audit": "board pack exported"})
def board_pack_zip(services: NamedDependency[Services], release_id: FromPath[str],
                   pdf: Annotated[bool, QueryParameter(description="print board-pack.pdf too, when the service "
                                                                   "has Chromium")] = True) -> Response[bytes]:
    """The board pack as files: board-pack.html, charts/*.svg and *.png, figures/*.csv, and board-pack.pdf when
    the service can print it (the X-Report-Pdf header says "included" or why not)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="surveyapp-pack-") as folder:
        root = Path(folder)
        printed = _written(services, release_id, root, pdf=pdf)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    pack.write(path, path.relative_to(root).as_posix())
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{release_id}-board-pack.zip"', "Cache-Control": "no-store",
        PDF_HEADER: printed.encode("ascii", "replace").decode()})


def boardpack_router() -> Router:
    """The board pack routes under /api/v1/releases: analysts and admins."""
    return Router(path="/api/v1/releases", route_handlers=[board_pack_pdf, board_pack_zip],
                  guards=[require(("admin", "analyst"))], tags=["releases"], security=[{"bearer": []}])

"""QR codes and the printable A4 poster of an outreach source.

The QR code holds the source's public link (segno, pure Python; error correction level M, raised when the
link leaves room). The poster is one HTML page with print styles for A4 and the QR code inline as SVG, so it
asks nothing of the network; a PDF is printed from it with headless Chromium (`surveyapp.render.report.print_pdf`).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import segno

from surveyapp.render.templating import render

MINUTES = 5  # what the questionnaire's own start page and intro say: "about 5 minutes"


def qr_code(url: str) -> segno.QRCode:
    return segno.make_qr(url, error="m", boost_error=True)


def qr_svg(url: str, *, scale: int = 10, fluid: bool = False) -> str:
    """The link's QR code as a standalone SVG (black on white, the 4-module quiet zone scanners need); `fluid`:
    a viewBox instead of a width and height, to be sized by the page around it."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgclass="qr", lineclass=None,
                      title=f"QR code for {url}", dark="#000", light="#fff", omitsize=fluid)
    return buffer.getvalue().decode()


def qr_png(url: str, *, scale: int = 12) -> bytes:
    """The link's QR code as a PNG, 12 pixels a module (about 450 px square): sharp enough to print at 4 cm."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=scale, border=4, dark="#000", light="#fff")
    return buffer.getvalue()


@dataclass(frozen=True)
class Poster:
    title: str  # the questionnaire's title
    wave_title: str
    url: str  # the source's public link
    partner: str  # the source's name
    contact: str | None  # SURVEYAPP_CONTACT: whom to ask for paper or phone
    closes_on: dt.date


def poster_html(poster: Poster) -> str:
    """The poster as one self-contained HTML page (A4 portrait when printed)."""
    short = poster.url.split("://", 1)[-1]
    host, slash, path = short.partition("/")  # a line may break before the path, never inside the id
    svg = qr_svg(poster.url, fluid=True).replace("<svg ", '<svg role="img" ', 1)
    return render(
        "poster/poster.html.j2",
        p=poster, host=host, path=slash + path, minutes=MINUTES, closes=f"{poster.closes_on:%-d %B %Y}",
        qr=svg)  # segno writes the SVG, escaping the title it holds


def poster_pdf(html: str) -> bytes:
    """The poster printed to an A4 PDF by headless Chromium (PdfError says what is missing)."""
    from surveyapp.render.report import print_pdf

    with tempfile.TemporaryDirectory(prefix="surveyapp-poster-") as folder:
        page = Path(folder) / "poster.html"
        page.write_text(html, encoding="utf-8")
        return print_pdf(page, Path(folder) / "poster.pdf").read_bytes()

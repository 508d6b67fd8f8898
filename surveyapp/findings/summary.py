"""The one-page A4 summary: each statement now and against 2019, who was under-heard, and a QR code of the
findings page's public address (SURVEYAPP_PUBLIC_URL) for the Local Offer and partners to print and pin up.
Printed by the same headless Chromium as the board report (`render.report.print_pdf`), one print at a time per
PDF slot."""

from __future__ import annotations

import tempfile
from pathlib import Path

from surveyapp.findings.render import HERE, render
from surveyapp.findings.view import Heard, Statement
from surveyapp.render.poster import qr_svg
from surveyapp.web.messages import Messages


def summary_html(t: Messages, *, title: str, caption: str, responses: str, notes: list[str],
                 statements: list[Statement], heard: list[Heard], url: str) -> str:
    qr = qr_svg(url, fluid=True).replace("<svg ", '<svg role="img" ', 1)
    css = (HERE / "summary.css").read_text(encoding="utf-8")
    return render("summary.html", t, css=css, title=title, caption=caption, responses=responses, notes=notes,
                  statements=statements, heard=heard, url=url, qr=qr)


def summary_pdf(html: str) -> bytes:
    """The page printed to A4 by headless Chromium (PdfError says what is missing)."""
    from surveyapp.render.report import print_pdf

    with tempfile.TemporaryDirectory(prefix="surveyapp-findings-") as folder:
        page = Path(folder) / "summary.html"
        page.write_text(html, encoding="utf-8")
        return print_pdf(page, Path(folder) / "summary.pdf").read_bytes()

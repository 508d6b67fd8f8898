"""The console's pages: the staff pages' layout (the form's styles, the signed-in bar) with the console's
navigation, one template folder, and the CSP allowing exactly the page's one <style>."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from litestar import Response
from litestar.connection import ASGIConnection

from surveyapp.auth.middleware import identity_of
from surveyapp.auth.pages import csrf_field, signed_in_bar, staff_style
from surveyapp.http.headers import csp_allowing_styles
from surveyapp.http.pages import NO_STORE, environment, form_css, html_page

TEMPLATES = Path(__file__).parent / "templates"
CONSOLE_CSS = Path(__file__).parent / "console.css"


@cache
def console_style() -> tuple[str, str]:
    """The staff layout's style, the question pages' rules (radios, checkboxes) and the console's own, as one
    <style>, and the CSP allowing only it."""
    own = CONSOLE_CSS.read_text(encoding="utf-8")
    if "</" in own:
        raise ValueError(f"{CONSOLE_CSS}: no '</' (it would end the <style>)")
    css = "\n".join((staff_style()[0], form_css()[1], own))
    return css, csp_allowing_styles([css], stylesheets=False)


def console_page(template: str, connection: ASGIConnection[Any, Any, Any, Any], *, here: str = "",
                 status: int = 200, **context: Any) -> Response[str]:
    """A console template in the staff layout: the bar, the navigation (for an admin; `here` marks the current
    section), the session's CSRF field for its forms."""
    css, csp = console_style()
    identity = identity_of(connection)
    context.setdefault("errors", [])
    html = environment(TEMPLATES).get_template(template).render(
        css=css, bar=signed_in_bar(connection, identity), csrf=csrf_field(connection), here=here,
        admin=identity is not None and identity.role == "admin", **context)
    return html_page(html, csp=csp, status=status, headers=NO_STORE)

"""Staff pages: one layout (the form's own styles and a signed-in bar), and the pieces other pages reuse.

Every page for staff, analysts and admins can say who is signed in and offer sign-out: pages rendered here
get the bar from the layout; a page with a layout of its own (the board report at /results) gets it from
`with_bar`. Forms on them carry the session's CSRF token through `csrf_field(request)`. English only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from litestar import Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from markupsafe import Markup

from surveyapp.auth.identity import Identity
from surveyapp.auth.middleware import credentials_of, identity_of
from surveyapp.auth.sessions import CSRF_FIELD
from surveyapp.http.headers import csp_allowing_styles
from surveyapp.http.pages import NO_STORE, bar_css, environment, form_css, html_page, staff_layout_css

TEMPLATES_DIR = Path(__file__).parent / "templates"


@cache
def staff_style() -> tuple[str, str]:
    """The staff pages' one <style> (the form's common rules and the bar's), and the CSP allowing only it."""
    css = form_css()[0] + "\n" + bar_css() + "\n" + staff_layout_css()
    return css, csp_allowing_styles([css], stylesheets=False)


def csrf_token(connection: ASGIConnection[Any, Any, Any, Any], identity: Identity | None = None) -> str:
    """The CSRF token of the request's session; empty when it was not made in one (a bearer token, or nobody)."""
    identity = identity or identity_of(connection)
    return credentials_of(connection).csrf if identity is not None and identity.in_session else ""


def csrf_field(connection: ASGIConnection[Any, Any, Any, Any]) -> Markup:
    """The hidden field a staff form puts inside its <form> (empty outside a session): `{{ csrf_field }}`."""
    token = csrf_token(connection)
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token) if token else Markup("")


def signed_in_bar(connection: ASGIConnection[Any, Any, Any, Any], identity: Identity | None = None) -> Markup:
    """Who is signed in, a link to their pages and the sign-out button; empty outside a session."""
    identity = identity or identity_of(connection)
    if identity is None or not identity.in_session:
        return Markup("")
    html = environment(TEMPLATES_DIR).get_template("_bar.html").render(identity=identity,
                                                                       csrf=csrf_token(connection, identity))
    return Markup(html)  # noqa: S704 (rendered by an autoescaping template: every value in it is escaped)


def with_bar(html: str, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """A page of its own layout with the signed-in bar first in its body and the bar's style in its head (a
    CSP built from the page's <style> elements then allows both)."""
    bar = signed_in_bar(connection)
    if not bar:
        return html
    head_end, body = html.find("</head>"), html.find("<body")
    body_end = html.find(">", body) + 1 if body >= 0 else 0
    if head_end < 0 or body_end <= 0 or head_end > body:
        return html
    return (html[:head_end] + f"<style>{bar_css()}</style>" + html[head_end:body_end] + str(bar)
            + html[body_end:])


def staff_page(template: str, connection: ASGIConnection[Any, Any, Any, Any], *, status: int = 200,
               cookies: list[Cookie] | None = None, headers: dict[str, str] | None = None,
               identity: Identity | None = None, **context: Any) -> Response[str]:
    """A template of this package rendered in the staff layout, with the bar when signed in."""
    css, csp = staff_style()
    context.setdefault("errors", [])
    html = environment(TEMPLATES_DIR).get_template(template).render(
        css=css, bar=signed_in_bar(connection, identity), identity=identity, **context)
    return html_page(html, csp=csp, status=status, headers={**NO_STORE, **(headers or {})}, cookies=cookies)

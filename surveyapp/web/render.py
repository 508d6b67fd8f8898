"""Jinja templates for the form's pages; every response is a complete HTML page, no script needed.

Each page carries the form's stylesheet (`form.css`; the question pages' own rules only on question pages) in
its own <style> element, so it renders from its one request: on a slow connection a linked stylesheet costs a
second round trip before anything is painted. The page's Content-Security-Policy allows exactly that element,
by the SHA-256 of its text (computed once, at start-up), and no stylesheet file. The small script stays a file
(/static/form.js, deferred: it never holds up the first paint, and the form works without it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import ClientException
from litestar.handlers.base import BaseRouteHandler
from markupsafe import Markup

from surveyapp.http.headers import csp_allowing_styles
from surveyapp.http.pages import NO_STORE, bar_css, environment, form_css, html_page
from surveyapp.web.messages import Messages

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def plain_file_name(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard for /static: a path with a control character (a NUL makes the file system refuse it) is a 400."""
    if _CONTROL.search(connection.scope.get("path", "")):
        raise ClientException("the file name holds a control character; ask for a file the page links to")


@cache
def asset_version() -> str:
    """A short hash of the static files, so a changed script is never served from an old cache."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


QUESTION_STYLED = ("question.html", "staff_enter.html")  # pages with radios and inputs: the whole form.css


@cache
def page_styles() -> dict[bool, tuple[str, str]]:
    """For question pages (True) and the others (False): the style the page inlines, and the CSP allowing
    exactly that style (its SHA-256) and no other. The other pages leave out the question pages' rules."""
    common, question = form_css()
    styles = {True: common + "\n" + question, False: common}
    return {kind: (text, csp_allowing_styles([text], stylesheets=False)) for kind, text in styles.items()}


@dataclass(frozen=True)
class LanguageLink:
    href: str
    name: str
    html_lang: str
    direction: str


def long_date(day: dt.date) -> str:
    """1 October 2026 (GOV.UK's date style)."""
    return f"{day.day} {day:%B %Y}"


def language_links(messages: Mapping[str, Messages], current: str, offered: Sequence[str],
                   path: str) -> list[LanguageLink]:
    """Links to this page in the other offered languages (the questionnaire's, the catalogues' and the setting's)."""
    return [LanguageLink(f"{path}?lang={lang}", messages[lang].meta.name, messages[lang].meta.html_lang,
                         messages[lang].meta.direction)
            for lang in offered if lang != current and lang in messages]


def with_lang(path: str, lang: str) -> str:
    """The address in the language: English needs no ?lang=."""
    return path if lang == "en" else f"{path}?lang={lang}"


def document(template: str, t: Messages, css: str, **context: Any) -> Response[str]:
    """A page with a stylesheet of its own (the paper questionnaire's print CSS), allowed by its hash alone."""
    html = environment(TEMPLATES_DIR).get_template(template).render(
        t=t, html_lang=t.meta.html_lang, html_dir=t.meta.direction, css=css, **context)
    return html_page(html, csp=csp_allowing_styles([css], stylesheets=False), headers=NO_STORE)


def page(template: str, t: Messages, *, status: int = 200, headers: dict[str, str] | None = None,
         cookies: list[Cookie] | None = None, **context: Any) -> Response[str]:
    """Render a template into an HTML response in the language of `t`."""
    context.setdefault("languages", [])
    context.setdefault("errors", [])
    context.setdefault("staff", "")  # staff mode's banner (surveyapp.web.staffmode), English only
    # staff mode's signed-in bar (surveyapp.web.staffmode.staff_bar): who is signed in, and Sign out
    bar = context.setdefault("bar", Markup(""))
    css, csp = page_styles()[template in QUESTION_STYLED]
    context["bar_css"] = bar_css() if bar else ""
    if bar:
        csp = csp_allowing_styles([css, context["bar_css"]], stylesheets=False)
    html = environment(TEMPLATES_DIR).get_template(template).render(
        t=t, html_lang=t.meta.html_lang, html_dir=t.meta.direction, asset=asset_version(), css=css, **context)
    return html_page(html, csp=csp, status=status, headers=headers or NO_STORE, cookies=cookies)

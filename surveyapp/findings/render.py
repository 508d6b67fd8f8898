"""The findings' pages: the form's look and layout (`web/templates/base.html`, `web/form.css`) with templates and
words of their own (`findings/templates`, `findings/locale`: `make translations`), one inline style allowed by
its hash, no script needed."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Response
from markupsafe import Markup

from surveyapp.http.headers import csp_allowing_styles
from surveyapp.http.pages import form_css, html_page
from surveyapp.web.messages import Messages, load_messages
from surveyapp.web.render import TEMPLATES_DIR as FORM_TEMPLATES
from surveyapp.web.render import asset_version

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
FROZEN = {"Cache-Control": "public, max-age=300"}  # published pages never change; a withdrawal shows within 5 min


@cache
def environment() -> Environment:
    return Environment(loader=ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(FORM_TEMPLATES)]),
                       autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True,
                       undefined=StrictUndefined)


@cache
def style() -> tuple[str, str]:
    """The page's style (the form's common rules and the findings' own) and the CSP allowing it alone."""
    css = form_css()[0] + "\n" + (HERE / "findings.css").read_text(encoding="utf-8").strip()
    return css, csp_allowing_styles([css], stylesheets=False)


def findings_messages() -> dict[str, Messages]:
    """Every language's words: the findings' catalogue first, the form's behind it (the layout's words)."""
    form = load_messages()
    own = load_messages(LOCALE)
    found = {}
    for lang, words in form.items():
        mine = own.get(lang)
        if mine is not None and mine.translations is not words.translations:
            translations = copy.copy(mine.translations)  # the catalogue read is shared (load_messages): add to a copy
            translations.add_fallback(words.translations)
            found[lang] = Messages(lang, words.meta, translations)
        else:
            found[lang] = words
    return found


def render(template: str, t: Messages, **context: Any) -> str:
    values: dict[str, Any] = {"css": style()[0], "languages": [], "errors": [], "staff": "", "bar": Markup(""),
                              "bar_css": ""}
    values.update(context)
    return environment().get_template(template).render(
        t=t, html_lang=t.meta.html_lang, html_dir=t.meta.direction, asset=asset_version(), **values)


def page(template: str, t: Messages, *, status: int = 200, headers: dict[str, str] | None = None,
         **context: Any) -> Response[str]:
    return html_page(render(template, t, **context), csp=style()[1], status=status,
                     headers=FROZEN if headers is None else headers)

"""What the service's HTML pages share: one Jinja environment per template folder, the stylesheets they inline,
and the response that carries a rendered page.

The families' form (`surveyapp/web`) and the staff pages (`surveyapp/auth`) look alike: the staff layout is the
form's common rules (`web/form.css` above `/* the question pages only */`), the signed-in bar's rules and its own
(`auth/signin.css`, split at `/* the staff layout only */`), and a form page entered by staff carries the bar.
Both render through this module, so neither imports the other for its looks. Each stylesheet is read and split
once; none may hold `</`, which would end the page's <style> element early.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType

PACKAGE = Path(__file__).parents[1]
FORM_CSS = PACKAGE / "web" / "form.css"
SIGNIN_CSS = PACKAGE / "auth" / "signin.css"
QUESTION_ONLY = "/* the question pages only */"  # form.css: the rules after this line style the question pages
LAYOUT_ONLY = "/* the staff layout only */"  # signin.css: the rules after this line style the staff layout
NO_STORE = {"Cache-Control": "no-store"}


@cache
def environment(templates: Path) -> Environment:
    """The one Jinja environment over this template folder: autoescaped, strict about undefined names."""
    return Environment(loader=FileSystemLoader(templates), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


@cache
def _split(path: Path, marker: str) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    before, found, after = text.partition(marker)
    if "</" in text or not found:
        raise ValueError(f"{path}: needs the line {marker}, and no '</' (it would end the <style>)")
    return before.strip(), after.strip()


def form_css() -> tuple[str, str]:
    """The form's stylesheet: the rules every page uses, and the question pages' own."""
    return _split(FORM_CSS, QUESTION_ONLY)


def bar_css() -> str:
    """The signed-in bar's own rules, for a page of another layout to add beside its style."""
    return _split(SIGNIN_CSS, LAYOUT_ONLY)[0]


def staff_layout_css() -> str:
    """The staff layout's rules beyond the form's common ones and the bar's."""
    return _split(SIGNIN_CSS, LAYOUT_ONLY)[1]


def html_page(html: str, *, csp: str, status: int = 200, headers: dict[str, str] | None = None,
              cookies: list[Cookie] | None = None) -> Response[str]:
    """A rendered page, with the Content-Security-Policy that allows its styles."""
    return Response(html, status_code=status, media_type=MediaType.HTML, cookies=cookies or [],
                    headers={"Content-Security-Policy": csp, **(headers or {})})

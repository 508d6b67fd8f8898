"""The one Jinja environment over render/templates/: the board report, the tracker page and the poster.

Autoescaped (every value is HTML-escaped unless marked safe), and strict: a name the page uses that was not
given fails the render instead of printing nothing.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
ENVIRONMENT = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                 undefined=jinja2.StrictUndefined)


def render(template: str, **values: object) -> str:
    """The template (a path under render/templates/, e.g. `report/report.html.j2`) rendered with `values`."""
    return ENVIRONMENT.get_template(template).render(**values)

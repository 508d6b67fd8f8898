"""The account pages' one form layout (GOV.UK patterns, no JavaScript): fields, errors naming their field, the
CSRF field in a session; and the checks every account form shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body

from surveyapp.auth.identity import Identity
from surveyapp.auth.pages import csrf_field, staff_page

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]  # a posted form
ROLE_OPTIONS = (("admin", "Admin: waves, outreach sources, accounts"),
                ("analyst", "Analyst: responses, exports and figures"),
                ("staff", "Staff: enter paper and phone answers"))


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, email, password, number, checkboxes
    hint: str = ""
    value: Any = ""
    width: int = 40
    autocomplete: str = ""
    inputmode: str = ""
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class FormPage:
    title: str
    action: str
    fields: Sequence[Field]
    submit: str
    paragraphs: Sequence[str] = ()
    hidden: Sequence[tuple[str, str]] = ()
    links: Sequence[tuple[str, str]] = ()
    notice: tuple[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def form_page(request: Request[Any, Any, Any], page: FormPage, *, errors: Sequence[FieldError] = (),
              status: int = 200, cookies: list[Cookie] | None = None,
              identity: Identity | None = None) -> Response[str]:
    """The form in the staff layout; with errors, the summary links each to its field (status 400 by default)."""
    return staff_page("form.html", request, status=status if not errors or status != 200 else 400, cookies=cookies,
                      identity=identity, title=page.title, action=page.action, fields=page.fields,
                      submit=page.submit, paragraphs=page.paragraphs, hidden=page.hidden, links=page.links,
                      notice=page.notice, errors=list(errors), csrf_field=csrf_field(request),
                      by_field={e.field: e.message for e in errors},
                      **{"qr": "", "secret": "", **page.extra})


def notice_page(request: Request[Any, Any, Any], title: str, paragraphs: Sequence[str], *, status: int = 200,
                link: tuple[str, str] | None = None, cookies: list[Cookie] | None = None) -> Response[str]:
    return staff_page("notice.html", request, status=status, title=title, paragraphs=paragraphs, link=link,
                      cookies=cookies)


def cross_site(request: Request[Any, Any, Any]) -> bool:
    """Posted from another site's page (so nobody can be signed in, or have a password set, by someone else's
    form). Browsers say so in Sec-Fetch-Site; under this service's Referrer-Policy (no-referrer) their Origin
    is "null", so it is only compared when it names a site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin not in (None, "null") and urlsplit(origin).netloc != request.headers.get("host", "")


def signed_in_as(request: Request[Any, Any, Any], identity: Identity) -> None:
    """Who has just signed in, for the audit line of this request (made after the handler, from `request.user`)."""
    request.scope["user"] = identity


def text(form: Any, name: str, limit: int = 500) -> str:
    """A posted form's field as one string, at most `limit` characters."""
    value = form.get(name)
    return str(value)[:limit] if isinstance(value, str) else ""

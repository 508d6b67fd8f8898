"""Signing in from a browser: /sign-in (a role's token, once), /sign-out, and /signed-in (what the role opens).

The token page is today's `IdentityProvider` step; what it ends in (`Sessions.issue`, the cookie) is what an
OpenID Connect sign-in would end in too, so guarded pages never know which one ran.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import re
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect
from litestar.types import ControllerRouterHandler

from surveyapp.actions import audit
from surveyapp.actions import waves as wave_actions
from surveyapp.auth.forms import cross_site, signed_in_as
from surveyapp.auth.guards import Refused, SignInRequired, require, wants_page
from surveyapp.auth.identity import ROLES, Identity, Role, TokenProvider
from surveyapp.auth.middleware import credentials_of, identity_of
from surveyapp.auth.oidc import OidcClient
from surveyapp.auth.pages import staff_page
from surveyapp.auth.sessions import SESSION_COOKIE, Sessions
from surveyapp.domain.services import Services
from surveyapp.http.errors import http_error
from surveyapp.http.ratelimit import ClientLimit
from surveyapp.settings import Settings
from surveyapp.store.frames import wave_sizes

log = logging.getLogger("surveyapp.auth.guards")
LANDING = "/signed-in"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")
_UK = ZoneInfo("Europe/London")
MAX_TOKEN = 512  # longer than any token the service accepts: not compared at all


@dataclass(frozen=True)
class SignInKit:
    """What the sign-in pages share: the provider, the sessions, the wrong-token limit and the cookie's flags."""

    provider: TokenProvider
    sessions: Sessions
    limit: ClientLimit | None
    secure: bool
    hours: float
    role_tokens: bool = True  # the role-token form is offered (SURVEYAPP_ROLE_TOKENS)
    oidc: OidcClient | None = None  # single sign-on, when SURVEYAPP_OIDC_ISSUER is set
    public_url: str = ""  # where one-time links point

    def pending_cookie(self, value: str, path: str = "/sign-in") -> Cookie:
        """A short step's signed cookie (a password awaiting its code; an OpenID sign-in under way)."""
        return Cookie(key=PENDING_COOKIE, value=value, path=path, max_age=600 if value else 0, httponly=True,
                      samesite="lax", secure=self.secure)

    def session_cookie(self, value: str) -> Cookie:
        return _session_cookie(self, value)


PENDING_COOKIE = "surveyapp_pending"


def make_sign_in_kit(settings: Settings, sessions: Sessions, provider: TokenProvider) -> SignInKit:
    per_hour = settings.sign_in_attempts_per_hour
    limit = ClientLimit.from_settings(per_minute=min(5, per_hour), per_hour=per_hour,
                                      trusted_header=settings.trusted_proxy_header,
                                      trusted_hops=settings.trusted_proxy_hops)
    return SignInKit(provider, sessions, limit, settings.behind_tls, settings.session_hours,
                     role_tokens=settings.role_tokens, oidc=OidcClient.from_settings(settings, sessions.clock),
                     public_url=settings.form_url)


def local_path(value: str | None) -> str | None:
    """`value` when it is a path on this site (so a sign-in link cannot send anyone elsewhere), else None."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return None
    if _CONTROL.search(value) or _CONTROL.search(unquote(value)):  # encoded line breaks or backslashes too
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(("/sign-in", "/sign-out")):
        return None
    return value


def _hours(hours: float) -> str:
    return f"{hours:g} hour{'' if hours == 1 else 's'}"


def _form_page(request: Request[Any, Any, Any], kit: SignInKit, next_path: str | None, *, status: int = 200,
               error: str = "", notice: tuple[str, str] | None = None, headers: dict[str, str] | None = None,
               field: str = "token", email: str = "") -> Response[str]:
    return staff_page("sign_in.html", request, status=status, headers=headers, title="Sign in",
                      errors=[error] if error else [], error_field=field, notice=notice, next=next_path or "",
                      hours=_hours(kit.hours), tokens=kit.role_tokens, email=email,
                      oidc_name=request.app.state["settings"].oidc_provider_name if kit.oidc else "")


def sign_in_form(request: Request[Any, Any, Any], kit: SignInKit, next_path: str | None, *, status: int,
                 error: str, field: str, email: str = "", headers: dict[str, str] | None = None) -> Response[str]:
    """The sign-in page again, with one error naming its field (`email`, `password` or `token`)."""
    return _form_page(request, kit, next_path, status=status, error=error, field=field, email=email,
                      headers=headers)


@get("/sign-in", sync_to_thread=False, include_in_schema=False)
def sign_in_page(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit],
                 next: FromQuery[str | None] = None, ended: FromQuery[bool] = False,
                 signed_out: FromQuery[bool] = False, password_set: FromQuery[bool] = False) -> Response[str]:
    """The sign-in page: single sign-on (when set up), e-mail address and password, and the role's token (while
    role tokens are on)."""
    current = credentials_of(request).session
    notice = ("You have signed out", "Sign in again to open the staff pages.") if signed_out else \
        ("Your password is set", "Sign in with your e-mail address and your new password.") if password_set else \
        ("Your session has ended", f"Sessions last {_hours(sign_in_kit.hours)}, and end when a role's token is "
                                   "changed. Sign in again to carry on.") if ended else \
        ("You are already signed in", f"You are signed in as {current.name}. Signing in again replaces that "
                                      "session.") if current else None
    return _form_page(request, sign_in_kit, local_path(next), notice=notice)


def audit_sign_in(services: Services, action: str, status: int, *, identity: Identity | None = None,
                  reason: str = "") -> Future[Any]:
    """Record a sign-in, a failed one or a sign-out in the audit log (the future of its commit)."""
    entry = audit.Entry(at=services.clock(), action=action, target="/sign-in" if action != "sign out" else "/sign-out",
                        outcome=audit.outcome_of(status), status=status,
                        actor_role=identity.role if identity else "", actor_name=identity.name if identity else "",
                        actor_subject=identity.subject if identity else "",
                        detail={"reason": reason} if reason else {})
    return audit.record(services, entry)


async def _audit(services: Services, action: str, status: int, *, identity: Identity | None = None,
                 reason: str = "") -> None:
    """The same, committed before the answer goes."""
    await asyncio.wrap_future(audit_sign_in(services, action, status, identity=identity, reason=reason))


@post("/sign-in", status_code=303, include_in_schema=False)
async def sign_in(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit],
                  services: NamedDependency[Services]) -> Response[Any]:
    """Check the token once; a known one starts a session (a signed cookie) and goes on to the page asked for."""
    kit = sign_in_kit
    form = await request.form()
    next_path = local_path(str(form.get("next") or "") or None)
    if cross_site(request):
        log.warning("sign-in refused: posted from another site")
        return _form_page(request, kit, next_path, status=403,
                          error="Sign in from this site's own sign-in page")
    wait = kit.limit.take(request.scope) if kit.limit is not None else 0.0
    if wait > 0:
        log.warning("sign-in refused: too many wrong tokens from one client")
        minutes = max(1, math.ceil(wait / 60))
        return _form_page(request, kit, next_path, status=429, headers={"Retry-After": str(math.ceil(wait))},
                          error=f"Too many wrong tokens have been tried from this connection. Wait {minutes} "
                                f"minute{'' if minutes == 1 else 's'}, then try again")
    token = str(form.get("token") or "").strip()
    role = kit.provider.role_of(token) if 0 < len(token) <= MAX_TOKEN else None
    if not kit.role_tokens:
        return _form_page(request, kit, next_path, status=403, error="Role tokens are turned off here: sign in with "
                          "your own account")
    if not token:
        refund(kit, request)  # an empty box is not a guess
        return _form_page(request, kit, next_path, status=400, error="Enter your role's token")
    if role is None:
        log.warning("sign-in refused: the token is not any role's")
        await _audit(services, "sign in", 401, reason="the token is not any role's")
        return _form_page(request, kit, next_path, status=401,
                          error="That token is not recognised. Check you copied all of it, or ask whoever runs "
                                "the service for your role's token")
    refund(kit, request)
    value, identity = kit.sessions.issue(role)
    signed_in_as(request, identity)
    log.info("%s signed in", role)
    await _audit(services, "sign in", 303, identity=identity)
    return Redirect(next_path or LANDING, status_code=303, cookies=[_session_cookie(kit, value)])


def refund(kit: SignInKit, request: Request[Any, Any, Any]) -> None:
    if kit.limit is not None:
        kit.limit.limiter.refund(kit.limit.address(request.scope))


def _session_cookie(kit: SignInKit, value: str) -> Cookie:
    """HttpOnly, SameSite=Strict, Secure behind TLS, for the whole site, as long as the session lasts."""
    return Cookie(key=SESSION_COOKIE, value=value, path="/", max_age=kit.sessions.seconds, httponly=True,
                  samesite="strict", secure=kit.secure)


def _cleared(kit: SignInKit) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, httponly=True, samesite="strict",
                  secure=kit.secure)


@post("/sign-out", status_code=303, include_in_schema=False)
async def sign_out(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit],
                   services: NamedDependency[Services]) -> Redirect:
    """End the session (its cookie is refused from now on, even a copy) and clear the cookie."""
    identity = identity_of(request)
    if identity is not None and identity.in_session:
        sign_in_kit.sessions.end(identity)
        log.info("%s signed out", identity.account or identity.role)
        await _audit(services, "sign out", 303, identity=identity)
    return Redirect("/sign-in?signed_out=true", status_code=303, cookies=[_cleared(sign_in_kit)])


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    about: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    links: list[Link]
    empty: str = ""


def _sections(services: Services, role: Role) -> list[Section]:
    waves = [w for w in wave_actions.list_waves(services) if w.kind == "responses"]
    if role == "analyst":
        sizes = wave_sizes(services.store, [w.wave_id for w in waves])
        reports = [Link(f"/results/{w.wave_id}" if sizes[w.wave_id] else "", f"Board report: {w.title}",
                        "Question 7 against 2019, reach and same-family change, with each chart's figures"
                        if sizes[w.wave_id] else "No responses yet: the report opens once there are some")
                   for w in waves]
        trackers = [Link(f"/tracker/{w.wave_id}", f"Live tracker: {w.title}",
                         "Who has answered so far, and where more responses are needed") for w in waves]
        coding = [Link(f"/comments/{w.wave_id}", f"Code comments: {w.title}",
                       "What families wrote, masked, coded into themes; blind double coding") for w in waves]
        downloads = [Link("/api/v1/export?waves=all&format=sav", "Every wave's responses for SPSS (.sav)"),
                     Link("/api/v1/export?waves=all&format=dta", "Every wave's responses for Stata (.dta)"),
                     Link("/api/v1/export?waves=all&format=xlsx", "Every wave's responses as a spreadsheet (.xlsx)"),
                     Link("/api/v1/export/dictionary?waves=all&format=csv", "The data dictionary (.csv)")]
        return [Section("Reports", reports, "There are no waves yet."),
                Section("Live trackers", trackers, "There are no waves yet."),
                Section("Comments", coding, "There are no waves yet."),
                Section("Downloads", downloads)]
    open_now = [w for w in waves if w.status == "open"]
    if role == "staff":
        entry = [Link(f"/console/paper/{w.wave_id}", f"Type in a paper form, on one page: {w.title}") for w in open_now]
        entry += [Link(f"/staff/{w.wave_id}/enter", f"Enter a paper or phone response: {w.title}",
                       "Phone answers, one question a page, as families see them") for w in open_now]
        return [Section("Paper and phone responses", entry, "No survey is open, so no responses can be entered.")]
    console = [Link("/console", "Admin console", "Waves, outreach sources with their posters and QR codes, paper "
                                                 "entry"),
               Link("/console/waves", "Waves", "Create a wave, set its dates, open or close it now"),
               Link("/console/sources", "Outreach sources", "Register partners; download posters and QR codes")]
    return [Section("Run the survey", console)]


@get(LANDING, sync_to_thread=False, include_in_schema=False)
def signed_in(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """What the signed-in role can open."""
    identity = identity_of(request)
    assert identity is not None  # the guard let the request through
    until = dt.datetime.fromtimestamp(identity.expires, _UK) if identity.expires else None
    sections = [section for role in reversed(ROLES) if role in identity.roles for section in _sections(services, role)]
    if identity.account:
        mine = [Link("/account", "Your account", "Your personal API tokens for scripts and the CLI")]
        if identity.has("admin"):
            mine.append(Link("/console/accounts", "Accounts", "Who may sign in, with which roles; one-time links"))
        sections.append(Section("Accounts", mine))
    return staff_page("signed_in.html", request, title="Your pages", identity=identity,
                      until=f"{until:%H:%M} on {until.day} {until:%B %Y}" if until else "the token changes",
                      sections=sections)


def sign_in_redirect(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """The answer to a browser that must sign in first: 303 to /sign-in, coming back afterwards (a dead
    session's cookie cleared on the way). A link followed from another site first gets a page that opens the
    same address again from this site, so that a signed-in browser sends its SameSite=Strict cookie."""
    if exc.from_elsewhere:
        return staff_page("opening.html", request, title="Opening the page", url=local_path(exc.next_path) or LANDING,
                          headers={"Cache-Control": "no-store"})
    target = f"/sign-in?next={quote(exc.next_path, safe='/')}" + ("&ended=true" if exc.ended else "")
    kit: SignInKit = request.app.state["sign_in_kit"]
    return Redirect(target, status_code=303, cookies=[_cleared(kit)] if exc.ended else [],
                    headers={"Cache-Control": "no-store"})


def refused_page(request: Request[Any, Any, Any], exc: Refused) -> Response[Any]:
    """A guard's 403: for a browser, a page saying what happened and what to do, with the bar (and sign-out)
    when signed in; for any other client, the JSON error."""
    if not wants_page(request):
        return http_error(request, exc)
    identity = credentials_of(request).session  # who is signed in on this browser, whatever token was sent
    return staff_page("notice.html", request, status=403, title=exc.title, identity=identity,
                      paragraphs=[exc.advice], link=(LANDING, "Go to your pages") if identity else None)


def sign_in_handlers() -> list[ControllerRouterHandler]:
    """/sign-in (open to all), then /sign-out and /signed-in behind a guard admitting any role."""
    signed_in_only = Router(path="/", route_handlers=[sign_out, signed_in], guards=[require(ROLES)],
                            tags=["sign-in"], security=[{"bearer": []}])
    return [sign_in_page, sign_in, signed_in_only]

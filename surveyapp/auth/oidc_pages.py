"""Single sign-on's two addresses: /sign-in/oidc sends the browser to the provider, /sign-in/oidc/callback takes it
back, checks everything (`surveyapp.auth.oidc`), finds the person in the account list and starts the session.
Each way it can fail has its own page, saying what happened and what to do."""

from __future__ import annotations

import asyncio
import logging
import ssl
from functools import cache
from typing import Any

import httpx
from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect

from surveyapp.auth.accounts import AccountError, AccountRow, Directory, identity_of
from surveyapp.auth.forms import notice_page, signed_in_as
from surveyapp.auth.identity import same_secret
from surveyapp.auth.middleware import directory_of
from surveyapp.auth.oidc import Claims, SignInFailed
from surveyapp.auth.signin import LANDING, SignInKit, audit_sign_in, local_path

log = logging.getLogger("surveyapp.auth.oidc")
TIMEOUT = httpx.Timeout(10.0)
AGAIN = ("/sign-in", "Go to the sign-in page")
CALLBACK = "/sign-in/oidc/callback"
SSO_ACTION = "sign-in with single sign-on"
PAGES: dict[str, tuple[int, str, list[str]]] = {
    "audience": (400, "This sign-in was meant for another service", [
        "The provider's answer was issued to another application, so it cannot sign you in here. Nothing was "
        "changed.", "Try again from this service's sign-in page. If it happens again, tell whoever runs the "
        "service: the client id set here may not be this service's app registration."]),
    "expired": (400, "Your sign-in has expired", [
        "The provider's answer was too old by the time it arrived (or this server's clock is wrong).",
        "Sign in again."]),
    "replayed": (400, "This sign-in has already been used", [
        "Each sign-in through the provider can be used once. This one was used already, perhaps by going back "
        "in the browser or opening the same link twice.", "Start again from the sign-in page."]),
    "state": (400, "This sign-in was not started here", [
        "The answer from the provider does not match a sign-in this browser started in the last ten minutes "
        "(it may have been started in another browser or tab, or taken too long).", "Start again from the "
        "sign-in page."]),
    "unknown": (403, "You do not have an account here", [
        "You signed in at the provider, but no account of this service is for you.", "Ask an admin of the "
        "survey to add you, with your work e-mail address, then sign in again."]),
    "disabled": (403, "Your account is disabled", [
        "An admin has disabled your account of this service.", "Ask an admin of the survey if you need it "
        "again."]),
    "denied": (400, "The sign-in was not completed", [
        "The provider did not sign you in (you may have cancelled, or are not allowed to use this service).",
        "Try again, or ask whoever manages your organisation's accounts."]),
    "provider": (502, "Single sign-on did not work", [
        "The provider's answer could not be checked, so you are not signed in. Nothing was changed.",
        "Try again in a minute. If it keeps happening, tell whoever runs the service (the service log says "
        "why)."]),
    "unreachable": (502, "The sign-in service cannot be reached", [
        "This service could not reach the provider. Try again in a minute."]),
    "off": (404, "Single sign-on is not set up", [
        "This service has no single sign-on. Sign in with your e-mail address and password."]),
}


@cache
def _trusted() -> ssl.SSLContext:
    """The certificate authorities the provider's certificate is checked against (httpx's, or SSL_CERT_FILE's),
    read once: reading them again took 20 ms of CPU on each of a sign-in's two steps."""
    return httpx.create_ssl_context()


async def failure_page(request: Request[Any, Any, Any], kit: SignInKit, kind: str, detail: str = "") -> Response[str]:
    """The page for this kind of failure; the refusal is recorded in the audit log first (not a start refused)."""
    status, title, paragraphs = PAGES[kind]
    log.warning("single sign-on refused (%s): %s", kind, detail or title)
    services = request.app.state.get("services")
    if services is not None and request.scope.get("path") == CALLBACK:
        await asyncio.wrap_future(audit_sign_in(services, SSO_ACTION, status, reason=f"{kind}: {detail[:200]}"))
    return notice_page(request, title, paragraphs, status=status, link=AGAIN, cookies=[kit.pending_cookie("")])


@get("/sign-in/oidc", include_in_schema=False)
async def begin_oidc(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit],
                     next: FromQuery[str | None] = None) -> Response[Any]:
    """Send the browser to the provider, with a new state, nonce and PKCE challenge."""
    kit = sign_in_kit
    if kit.oidc is None:
        return await failure_page(request, kit, "off")
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, verify=_trusted()) as http:
            url, kept = await kit.oidc.begin(http)
    except SignInFailed as exc:
        return await failure_page(request, kit, exc.kind, str(exc))
    pending = kit.sessions.seal("pending", {**kept, "step": "oidc", "next": local_path(next) or ""}, 600)
    return Redirect(url, status_code=303, cookies=[kit.pending_cookie(pending)], headers={"Cache-Control": "no-store"})


@get(CALLBACK, include_in_schema=False, opt={"audit": SSO_ACTION})
async def finish_oidc(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit]) -> Response[Any]:
    """Check the provider's answer and start the session of the person it names."""
    kit, query = sign_in_kit, request.query_params
    code, state, error = query.get("code"), query.get("state"), query.get("error")
    if kit.oidc is None:
        return await failure_page(request, kit, "off")
    if error:
        return await failure_page(request, kit, "denied", f"the provider answered {error[:100]}")
    kept = kit.sessions.unseal("pending", request.cookies.get("surveyapp_pending"))
    if not state or kept is None or kept.get("step") != "oidc" or not same_secret(str(kept.get("state")), state):
        return await failure_page(request, kit, "state", "no sign-in under way with this state")
    if not kit.oidc.spend_state(state):
        return await failure_page(request, kit, "replayed", "a state used before")
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, verify=_trusted()) as http:
            claims = await kit.oidc.finish(http, code or "", kept)
    except SignInFailed as exc:
        return await failure_page(request, kit, exc.kind, str(exc))
    directory = directory_of(request)
    assert directory is not None
    account = _person(directory, claims)
    if account is None:
        return await failure_page(request, kit, "unknown", f"subject {claims.subject[:80]} has no account")
    if not account.enabled:
        return await failure_page(request, kit, "disabled", account.account_id)
    value, identity = kit.sessions.issue_for(identity_of(account, how="oidc"))
    signed_in_as(request, identity)
    log.info("%s signed in (single sign-on)", account.account_id)
    return Redirect(local_path(str(kept.get("next") or "")) or LANDING, status_code=303,
                    cookies=[kit.session_cookie(value), kit.pending_cookie("")])


def _person(directory: Directory, claims: Claims) -> AccountRow | None:
    """The account for these verified claims: by subject, else (once) by the address the provider vouches for,
    which then links the subject; with roles from groups, made or brought up to date from them."""
    account = directory.by_subject(claims.subject)
    if account is None and claims.email:
        found = directory.by_email(claims.email)
        if found is not None and found.subject is None:
            account = directory.change(found, subject=claims.subject)
    if claims.roles is None:
        return account
    if not claims.roles:
        return None
    if account is None:
        try:
            return directory.create(claims.name, claims.email or f"{claims.subject[:40]}@single-sign-on.invalid",
                                    list(claims.roles), subject=claims.subject)
        except AccountError:
            return None
    return directory.change(account, roles=claims.roles) if account.roles != claims.roles else account


def oidc_handlers() -> list[Router]:
    return [Router(path="/", route_handlers=[begin_oidc, finish_oidc], include_in_schema=False)]

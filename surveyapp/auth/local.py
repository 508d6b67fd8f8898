"""Local accounts' sign-in: e-mail address and password, then (admins and analysts, or anyone enrolled) a TOTP
code, enrolled with a QR code at the first sign-in; and the one-time link that sets a password.

Between the password and the code the browser holds a signed cookie for ten minutes (`surveyapp_pending`,
path /sign-in) naming the account and its session epoch; no session exists until the code is right. Wrong
passwords and wrong codes count together against the account: from the fifth in a row it waits a minute,
doubling with each further one up to an hour, besides the per-client limit on the sign-in page.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

import anyio
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from surveyapp.auth.accounts import AccountRow, Directory, identity_of, needs_mfa
from surveyapp.auth.forms import Field, FieldError, FormPage, cross_site, form_page, notice_page, signed_in_as, text
from surveyapp.auth.middleware import directory_of
from surveyapp.auth.passwords import (
    hash_password,
    new_totp_secret,
    password_matches,
    password_problem,
    totp_qr,
    totp_step,
)
from surveyapp.auth.signin import LANDING, SignInKit, audit_sign_in, local_path, refund, sign_in_form

log = logging.getLogger("surveyapp.auth.local")
WRONG = "The e-mail address or the password is not right"


def _directory(request: Request[Any, Any, Any]) -> Directory:
    found = directory_of(request)
    if found is None:  # pragma: no cover (routes run only once the service has started)
        raise RuntimeError("the service has not started")
    return found


def _refused(request: Request[Any, Any, Any], action: str, status: int, reason: str) -> Any:
    """Record a refused step of signing in in the audit log (nobody is signed in: the reason says who tried);
    the future of its commit, or None before the service has started."""
    services = request.app.state.get("services")
    return audit_sign_in(services, action, status, reason=reason) if services is not None else None


def _wait(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


PASSWORD_ACTION = "sign-in with a password"  # noqa: S105 (an action's name)
CODE_ACTION = "sign-in: second factor"


def _done(future: Any) -> None:
    if future is not None:
        future.result()  # committed before the answer goes (this runs in a worker thread)


@post("/sign-in/password", status_code=303, include_in_schema=False, opt={"audit": PASSWORD_ACTION})
async def sign_in_with_password(request: Request[Any, Any, Any],
                                sign_in_kit: NamedDependency[SignInKit]) -> Response[Any]:
    """Check the password; then the second factor, or a session straight away for staff without one."""
    form = await request.form()
    return await anyio.to_thread.run_sync(_password_step, request, sign_in_kit, form)  # Argon2 takes a while


def _password_step(request: Request[Any, Any, Any], kit: SignInKit, form: Any) -> Response[Any]:
    next_path = local_path(text(form, "next", 2000) or None)
    email, password = text(form, "email", 254).strip(), text(form, "password", 1000)
    if cross_site(request):
        return sign_in_form(request, kit, next_path, status=403, error="Sign in from this site's own sign-in page",
                            field="email")
    wait = kit.limit.take(request.scope) if kit.limit is not None else 0.0
    if wait > 0:
        return sign_in_form(request, kit, next_path, status=429, field="email", email=email,
                            headers={"Retry-After": str(math.ceil(wait))},
                            error=f"Too many wrong passwords have been tried from this connection. Wait "
                                  f"{_wait(wait)}, then try again")
    if not email or not password:
        refund(kit, request)
        return sign_in_form(request, kit, next_path, status=400, field="email" if not email else "password",
                            email=email, error="Enter your e-mail address" if not email else "Enter your password")
    directory = _directory(request)
    account = directory.by_email(email)
    locked = directory.locked_for(account) if account is not None else 0.0
    if account is not None and locked > 0:
        log.warning("password sign-in refused: account %s is waiting after wrong passwords", account.account_id)
        _done(_refused(request, PASSWORD_ACTION, 429, f"{account.account_id} is waiting after wrong guesses"))
        return sign_in_form(request, kit, next_path, status=429, field="password", email=email,
                            headers={"Retry-After": str(math.ceil(locked))},
                            error=f"Too many wrong passwords or codes for this account. Wait {_wait(locked)}, "
                                  "then try again, or ask an admin for a new one-time link")
    usable = account is not None and account.enabled and bool(account.roles)
    if account is None or not password_matches(account.password_hash if usable else None, password) or not usable:
        if account is not None:
            directory.wrong_password(account)
        who = "no such account" if account is None else account.account_id
        log.warning("password sign-in refused: %s", who)
        _done(_refused(request, PASSWORD_ACTION, 401, f"wrong e-mail address or password ({who})"))
        return sign_in_form(request, kit, next_path, status=401, field="password", email=email, error=WRONG)
    refund(kit, request)
    account = directory.right_password(account)
    if account.totp_secret is None and not needs_mfa(account.roles):
        return _start_session(request, kit, account, next_path, how="password")
    step = "code" if account.totp_secret else "enrol"
    pending = kit.sessions.seal("pending", {"account": account.account_id, "epoch": account.session_epoch,
                                            "step": step, "next": next_path or ""}, 600)
    return Redirect(f"/sign-in/{step}", status_code=303, cookies=[kit.pending_cookie(pending)])


def _start_session(request: Request[Any, Any, Any], kit: SignInKit, account: AccountRow, next_path: str | None,
                   *, how: str) -> Response[Any]:
    value, identity = kit.sessions.issue_for(identity_of(account, how=how))
    signed_in_as(request, identity)
    log.info("%s signed in (%s)", account.account_id, how)
    return Redirect(next_path or LANDING, status_code=303,
                    cookies=[kit.session_cookie(value), kit.pending_cookie("")])


def _pending(request: Request[Any, Any, Any], kit: SignInKit, step: str) -> tuple[AccountRow, str | None] | None:
    """The account whose password was right a moment ago, at this step; None when there is none (or it was reset,
    disabled or is waiting after wrong codes)."""
    found = kit.sessions.unseal("pending", request.cookies.get("surveyapp_pending"))
    if found is None or found.get("step") != step:
        return None
    account = _directory(request).get(str(found.get("account")))
    if account is None or not account.enabled or account.session_epoch != found.get("epoch"):
        return None
    return account, local_path(str(found.get("next") or "")) or None


def _code_page(request: Request[Any, Any, Any], *, enrol: AccountRow | None = None, secret: str = "",
               error: str = "", status: int = 200) -> Response[str]:
    field = Field("code", "Code from your authenticator app", hint="6 digits, e.g. 123456", width=10,
                  autocomplete="one-time-code", inputmode="numeric")
    if enrol is not None:
        page = FormPage("Set up your authenticator app", "/sign-in/enrol", [field], "Continue", paragraphs=[
            "Admins and analysts sign in with a password and a code from an authenticator app on their phone "
            "(for example Microsoft Authenticator or Google Authenticator).",
            "Scan this QR code with the app, then enter the 6-digit code it shows."],
            extra={"qr": totp_qr(secret, enrol.email), "secret": secret})
    else:
        page = FormPage("Enter your code", "/sign-in/code", [field], "Sign in",
                        paragraphs=["Open your authenticator app and enter the 6-digit code it shows for this "
                                    "service."], links=[("/sign-in", "Start again")])
    return form_page(request, page, errors=[FieldError("code", error)] if error else [], status=status)


def _again(kit: SignInKit) -> Response[Any]:
    return Redirect("/sign-in?ended=true", status_code=303, cookies=[kit.pending_cookie("")])


@get("/sign-in/code", sync_to_thread=True, include_in_schema=False)
def code_page(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit]) -> Response[Any]:
    return _code_page(request) if _pending(request, sign_in_kit, "code") else _again(sign_in_kit)


@post("/sign-in/code", status_code=303, include_in_schema=False, opt={"audit": CODE_ACTION})
async def enter_code(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit]) -> Response[Any]:
    """The second factor: a right code (used once) starts the session; wrong ones count against the account."""
    found = _pending(request, sign_in_kit, "code")
    if found is None or cross_site(request):
        return _again(sign_in_kit)
    account, next_path = found
    directory = _directory(request)
    locked = max(directory.locked_for(account),
                 sign_in_kit.limit.take(request.scope) if sign_in_kit.limit is not None else 0.0)
    if locked > 0:
        return _code_page(request, status=429, error=f"Too many wrong passwords or codes. Wait {_wait(locked)}, "
                                                      "then try again")
    code = text(await request.form(), "code", 20)
    step = totp_step(account.totp_secret or "", code, directory.clock().timestamp())
    if step is None or not directory.use_totp_step(account, step):
        directory.wrong_password(account)
        log.warning("second factor refused for %s", account.account_id)
        recorded = _refused(request, CODE_ACTION, 401, f"wrong or reused code for {account.account_id}")
        if recorded is not None:
            await asyncio.wrap_future(recorded)
        message = "Enter the 6-digit code your authenticator app shows" if not code.strip() else \
            "That code is not right, or was used already: enter the code your app shows now"
        return _code_page(request, status=401, error=message)
    refund(sign_in_kit, request)
    return _start_session(request, sign_in_kit, directory.right_password(account), next_path, how="password")


@get("/sign-in/enrol", sync_to_thread=True, include_in_schema=False)
def enrol_page(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit]) -> Response[Any]:
    found = _pending(request, sign_in_kit, "enrol")
    if found is None:
        return _again(sign_in_kit)
    account = found[0]
    if account.totp_pending is None:
        account = _directory(request).change(account, totp_pending=new_totp_secret())
    return _code_page(request, enrol=account, secret=account.totp_pending or "")


@post("/sign-in/enrol", status_code=303, include_in_schema=False, opt={"audit": "second factor enrolled"})
async def enrol(request: Request[Any, Any, Any], sign_in_kit: NamedDependency[SignInKit]) -> Response[Any]:
    """A right code from the new secret enrols it and starts the session."""
    found = _pending(request, sign_in_kit, "enrol")
    if found is None or found[0].totp_pending is None or cross_site(request):
        return _again(sign_in_kit)
    account, next_path = found
    directory = _directory(request)
    secret = account.totp_pending or ""
    step = totp_step(secret, text(await request.form(), "code", 20), directory.clock().timestamp())
    if step is None:
        return _code_page(request, enrol=account, secret=secret, status=400,
                          error="That code is not right: enter the 6-digit code the app shows now")
    account = directory.change(account, totp_secret=secret, totp_pending=None, totp_last_step=step)
    return _start_session(request, sign_in_kit, account, next_path, how="password")


def _setup_page(request: Request[Any, Any, Any], account: AccountRow, link: str,
                errors: list[FieldError] | None = None) -> Response[str]:
    with_mfa = needs_mfa(account.roles) or account.totp_secret is not None
    shortest = 8 if with_mfa else 15
    page = FormPage("Set your password", f"/account/setup/{link}", [
        Field("password", "New password", "password", autocomplete="new-password",
              hint=f"At least {shortest} characters. A few words you will remember are good; there are no rules "
                   "about numbers or symbols, but the commonest passwords are refused."),
        Field("confirm", "The same password again", "password", autocomplete="new-password")],
        "Set my password", paragraphs=[f"This is for {account.name} ({account.email}). The link works once."])
    return form_page(request, page, errors=errors or [])


def _dead_link(request: Request[Any, Any, Any]) -> Response[str]:
    return notice_page(request, "This link does not work", [
        "It has been used already, has expired (links last three days), or a newer one was made.",
        "Ask an admin for a new one-time link."], status=404)


@get("/account/setup/{link:str}", sync_to_thread=True, include_in_schema=False)
def setup_page(request: Request[Any, Any, Any], link: FromPath[str]) -> Response[str]:
    """The page a one-time link opens: set a password."""
    account = _directory(request).link_account(link)
    return _setup_page(request, account, link) if account is not None else _dead_link(request)


@post("/account/setup/{link:str}", status_code=303, include_in_schema=False, opt={"audit": "password set"})
async def set_password(request: Request[Any, Any, Any], link: FromPath[str]) -> Response[Any]:
    """Set the password (checked by NIST SP 800-63B's rules), spending the link."""
    directory = _directory(request)
    account = directory.link_account(link)
    if account is None or cross_site(request):
        return _dead_link(request)
    form = await request.form()
    return await anyio.to_thread.run_sync(_set_password_step, request, directory, account, link, form)


def _set_password_step(request: Request[Any, Any, Any], directory: Directory, account: AccountRow, link: str,
                       form: Any) -> Response[Any]:
    password, confirm = text(form, "password", 1000), text(form, "confirm", 1000)
    problem = password_problem(password, with_mfa=needs_mfa(account.roles),
                               context=(account.name, account.email, account.email.split("@")[0]))
    if problem:
        return _setup_page(request, account, link, [FieldError("password", problem)])
    if confirm != password:
        return _setup_page(request, account, link, [FieldError("confirm", "Enter the same password twice")])
    if directory.use_link(link, hash_password(password)) is None:
        return _dead_link(request)
    log.info("password set for %s", account.account_id)
    return Redirect("/sign-in?password_set=true", status_code=303)


def local_handlers() -> list[Router]:
    """In a Router of their own: a Router registers copies, so each app built (the tests build many) gets its
    own handlers rather than wrapping the same ones again."""
    return [Router(path="/", route_handlers=[sign_in_with_password, code_page, enter_code, enrol_page, enrol,
                                             setup_page, set_password], include_in_schema=False)]

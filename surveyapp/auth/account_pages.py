"""The account pages, in the staff pages' layout (no JavaScript, CSRF on every form, errors naming their field):
/account, where a named person makes and revokes their own API tokens; and /console/accounts, where an admin
lists, creates, changes and disables accounts and makes one-time links. The console links to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from surveyapp.actions.accounts import account_out, reset_link, token_out
from surveyapp.auth.accounts import TOKEN_DAYS_MAX, AccountError, AccountRow, Directory
from surveyapp.auth.forms import ROLE_OPTIONS, Field, FieldError, FormBody, FormPage, form_page, notice_page, text
from surveyapp.auth.guards import require
from surveyapp.auth.identity import ROLES
from surveyapp.auth.middleware import directory_of, identity_of
from surveyapp.auth.pages import csrf_field, staff_page
from surveyapp.settings import Settings


def _directory(request: Request[Any, Any, Any]) -> Directory:
    found = directory_of(request)
    assert found is not None  # a guarded route runs once the service has started
    return found


def _when(moment: dt.datetime) -> str:
    return f"{moment:%d %B %Y}"


def _own_account(request: Request[Any, Any, Any]) -> AccountRow | None:
    identity = identity_of(request)
    return _directory(request).get(identity.account) if identity is not None and identity.account else None


def _token_form(errors: list[FieldError], name: str = "", days: str = "90") -> FormPage:
    return FormPage("Make a token", "/account/tokens", [
        Field("name", "What is it for?", hint="For example: nightly export script", value=name),
        Field("days", "Days it lasts", hint=f"1 to {TOKEN_DAYS_MAX}", value=days, width=10, inputmode="numeric")],
        "Make the token")


@get("/account", sync_to_thread=True, include_in_schema=False)
def account_page(request: Request[Any, Any, Any], revoked: FromQuery[str | None] = None) -> Response[str]:
    """Your account: who you are, your roles, your API tokens."""
    account = _own_account(request)
    if account is None:
        return notice_page(request, "Your account", [
            "You are signed in with a role's shared token, which has no account of its own. Sign in with your "
            "own account to make API tokens."], link=("/signed-in", "Go to your pages"))
    directory = _directory(request)
    tokens = [token_out(t, directory.clock()) for t in directory.tokens(account)]
    return staff_page("account.html", request, title="Your account", account=account_out(account), tokens=tokens,
                      when=_when, form=_token_form([]), csrf_field=csrf_field(request),
                      notice=("Token revoked", "It no longer works.") if revoked else None)


@post("/account/tokens", sync_to_thread=True, status_code=200, include_in_schema=False,
      opt={"audit": "API token made"})
def make_token_page(request: Request[Any, Any, Any], data: FormBody) -> Response[Any]:
    account = _own_account(request)
    if account is None:
        return Redirect("/account", status_code=303)
    name, days = text(data, "name", 100), text(data, "days", 10).strip()
    try:
        secret, row = _directory(request).make_token(account, name, int(days) if days.isdigit() else 0)
    except AccountError as exc:
        return form_page(request, _token_form([], name, days), errors=[FieldError(exc.field, str(exc))])
    return staff_page("token_made.html", request, title="Your new token", token=secret, name=row.name,
                      expires=_when(row.expires_at))


@post("/account/tokens/{token_id:str}/revoke", sync_to_thread=True, status_code=303, include_in_schema=False,
      opt={"audit": "API token revoked"})
def revoke_token_page(request: Request[Any, Any, Any], token_id: FromPath[str]) -> Redirect:
    account = _own_account(request)
    if account is not None:
        _directory(request).revoke(account, token_id)
    return Redirect("/account?revoked=1", status_code=303)


def _new_account_form(errors: list[FieldError], name: str = "", email: str = "",
                      roles: tuple[str, ...] = ()) -> FormPage:
    return FormPage("Create an account", "/console/accounts", [
        Field("name", "Full name", value=name, autocomplete="off"),
        Field("email", "Work e-mail address", "email", value=email, autocomplete="off",
              hint="Single sign-on matches the person by this address the first time they sign in"),
        Field("roles", "Roles", "checkboxes", value=roles, options=ROLE_OPTIONS,
              hint="Choose each role the person needs: no role includes another")],
        "Create the account", links=[("/console/accounts", "Back to the accounts")])


@get("/console/accounts", sync_to_thread=True, include_in_schema=False)
def accounts_page(request: Request[Any, Any, Any]) -> Response[str]:
    """Every account, and the form for a new one."""
    accounts = [account_out(a) for a in _directory(request).all()]
    return staff_page("accounts.html", request, title="Accounts", accounts=accounts, when=_when)


@get("/console/accounts/new", sync_to_thread=True, include_in_schema=False)
def new_account_page(request: Request[Any, Any, Any]) -> Response[str]:
    return form_page(request, _new_account_form([]))


@post("/console/accounts", sync_to_thread=True, status_code=303, include_in_schema=False,
      opt={"audit": "account created"})
def create_account_page(request: Request[Any, Any, Any], data: FormBody) -> Response[Any]:
    name, email = text(data, "name", 200), text(data, "email", 300)
    roles = tuple(r for r in _roles(data) if r in ROLES)
    try:
        account = _directory(request).create(name, email, list(_roles(data)))
    except AccountError as exc:
        return form_page(request, _new_account_form([], name, email, roles), errors=[FieldError(exc.field, str(exc))])
    return Redirect(f"/console/accounts/{account.account_id}?done=created", status_code=303)


def _roles(form: Any) -> list[str]:
    found = form.get("roles", [])
    return [found] if isinstance(found, str) else [str(r) for r in found]


DONE = {"created": ("Account created", "Make a one-time link below so the person can set a password, or they can "
                                       "sign in by single sign-on."),
        "roles": ("Roles changed", "They apply from the person's next page."),
        "disabled": ("Account disabled", "The person's sessions and API tokens stopped working at once."),
        "enabled": ("Account enabled", "The person can sign in again.")}


def _detail(request: Request[Any, Any, Any], account: AccountRow, *, errors: list[FieldError] | None = None,
            done: str | None = None, link: Any = None) -> Response[str]:
    roles = Field("roles", "Roles", "checkboxes", value=account.roles, options=ROLE_OPTIONS,
                  hint="No role includes another: an admin reads the families' answers only as an analyst too")
    return staff_page("account_admin.html", request, status=400 if errors else 200, title=account.name,
                      account=account_out(account), roles=roles, errors=errors or [], link=link,
                      notice=DONE.get(done or ""), csrf_field=csrf_field(request), when=_when)


@get("/console/accounts/{account_id:str}", sync_to_thread=True, include_in_schema=False)
def account_admin_page(request: Request[Any, Any, Any], account_id: FromPath[str],
                       done: FromQuery[str | None] = None) -> Response[str]:
    account = _directory(request).get(account_id)
    if account is None:
        return notice_page(request, "There is no such account", [], status=404,
                           link=("/console/accounts", "Back to the accounts"))
    return _detail(request, account, done=done)


def _change(request: Request[Any, Any, Any], account_id: str, change: Callable[[Directory], object],
            done: str) -> Response[Any]:
    """An admin's change to an account, then back to the account saying what was `done` (a key of DONE); a change
    the directory refuses shows the account again with the refusal as the roles' error (400), and an account
    gone meanwhile goes back to the list."""
    directory = _directory(request)
    try:
        change(directory)
    except AccountError as exc:
        account = directory.get(account_id)
        if account is None:
            return Redirect("/console/accounts", status_code=303)
        return _detail(request, account, errors=[FieldError("roles", str(exc))])
    return Redirect(f"/console/accounts/{account_id}?done={done}", status_code=303)


@post("/console/accounts/{account_id:str}/roles", sync_to_thread=True, status_code=303, include_in_schema=False,
      opt={"audit": "account roles changed"})
def roles_page(request: Request[Any, Any, Any], account_id: FromPath[str], data: FormBody) -> Response[Any]:
    return _change(request, account_id, lambda directory: directory.set_roles(account_id, _roles(data)), "roles")


@post("/console/accounts/{account_id:str}/enabled", sync_to_thread=True, status_code=303, include_in_schema=False,
      opt={"audit": "account disabled or enabled"})
def enabled_page(request: Request[Any, Any, Any], account_id: FromPath[str], data: FormBody) -> Response[Any]:
    enable = text(data, "enabled", 10) == "true"
    return _change(request, account_id, lambda directory: directory.set_enabled(account_id, enable),
                   "enabled" if enable else "disabled")


@post("/console/accounts/{account_id:str}/link", sync_to_thread=True, status_code=200, include_in_schema=False,
      opt={"audit": "one-time link made"})
def link_page(request: Request[Any, Any, Any], account_id: FromPath[str],
              settings: NamedDependency[Settings]) -> Response[Any]:
    directory = _directory(request)
    try:
        link = reset_link(directory, account_id, settings.form_url)
    except AccountError:
        return Redirect("/console/accounts", status_code=303)
    return _detail(request, directory.require(account_id), link=link)


def account_pages() -> list[Router]:
    """/account (anyone signed in) and /console/accounts (admins)."""
    return [Router(path="/", route_handlers=[account_page, make_token_page, revoke_token_page],
                   guards=[require(ROLES)], include_in_schema=False),
            Router(path="/", route_handlers=[accounts_page, new_account_page, create_account_page,
                                             account_admin_page, roles_page, enabled_page, link_page],
                   guards=[require("admin")], include_in_schema=False)]

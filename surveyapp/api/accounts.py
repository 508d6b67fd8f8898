"""Named accounts (admin): /api/v1/accounts lists, creates and changes them and makes one-time links; and
/api/v1/account/tokens, where anyone signed in as a named person makes, lists and revokes their own API tokens."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, JSONBody

from surveyapp.actions.account_schemas import (
    AccountChangeIn,
    AccountIn,
    AccountOut,
    LinkOut,
    TokenIn,
    TokenMadeOut,
    TokenOut,
)
from surveyapp.actions.accounts import account_out, reset_link, token_out
from surveyapp.auth.accounts import AccountError, AccountRow, Directory
from surveyapp.auth.guards import require
from surveyapp.auth.identity import ROLES
from surveyapp.auth.middleware import identity_of
from surveyapp.domain.services import Services
from surveyapp.http.errors import json_error
from surveyapp.settings import Settings


class _Err:
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


def account_error(request: Request[Any, Any, Any], exc: AccountError) -> Response[dict[str, Any]]:
    """An account request that cannot be done: 404 for an unknown account, else 400 naming the field."""
    status = 404 if exc.field == "account" else 400
    return json_error(status, f"Nothing was changed; fix the field below. {exc}", [_Err(exc.field or "body", str(exc))])


def _directory(services: Services) -> Directory:
    return Directory(services.store, services.clock)


@get("/", sync_to_thread=True)
def list_accounts(services: NamedDependency[Services]) -> list[AccountOut]:
    """Every account, by name."""
    return [account_out(a) for a in _directory(services).all()]


@post("/", status_code=201, sync_to_thread=True, opt={"audit": "account created"})
def create_account(services: NamedDependency[Services], data: JSONBody[AccountIn]) -> AccountOut:
    """A new account (no password yet: make a one-time link, or the person signs in by single sign-on)."""
    return account_out(_directory(services).create(data.name, data.email, list(data.roles)))


@patch("/{account_id:str}", sync_to_thread=True, opt={"audit": "account changed"})
def change_account(services: NamedDependency[Services], account_id: FromPath[str],
                   data: JSONBody[AccountChangeIn]) -> AccountOut:
    """Set an account's roles, or disable (ending its sessions and tokens at once) or enable it."""
    directory = _directory(services)
    account = directory.require(account_id)
    if data.roles is not None:
        account = directory.set_roles(account_id, list(data.roles))
    if data.enabled is not None:
        account = directory.set_enabled(account_id, data.enabled)
    return account_out(account)


@post("/{account_id:str}/link", status_code=201, sync_to_thread=True, opt={"audit": "one-time link made"})
def make_link(services: NamedDependency[Services], settings: NamedDependency[Settings],
              account_id: FromPath[str]) -> LinkOut:
    """A one-time link (three days) that sets the account's password; it clears the password and second factor
    and ends the person's sessions. Pass it on yourself: no e-mail is sent."""
    return reset_link(_directory(services), account_id, settings.form_url)


def _own(request: Request[Any, Any, Any], services: Services) -> tuple[Directory, AccountRow]:
    identity = identity_of(request)
    directory = _directory(services)
    account = directory.get(identity.account) if identity is not None and identity.account else None
    if account is None:
        raise PermissionDeniedException("API tokens belong to a named account: sign in with your own account, not "
                                        "a role token")
    return directory, account


@get("/", sync_to_thread=True)
def list_tokens(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> list[TokenOut]:
    """Your API tokens, newest first (their secrets are never shown again)."""
    directory, account = _own(request, services)
    return [token_out(t, directory.clock()) for t in directory.tokens(account)]


@post("/", status_code=201, sync_to_thread=True, opt={"audit": "API token made"})
def make_token(request: Request[Any, Any, Any], services: NamedDependency[Services],
               data: JSONBody[TokenIn]) -> TokenMadeOut:
    """A new API token with your roles, lasting `days` (1 to 366): send it as `Authorization: Bearer <token>`."""
    directory, account = _own(request, services)
    secret, row = directory.make_token(account, data.name, data.days)
    return TokenMadeOut(token=secret, details=token_out(row, directory.clock()))


@delete("/{token_id:str}", status_code=204, sync_to_thread=True, opt={"audit": "API token revoked"})
def revoke_token(request: Request[Any, Any, Any], services: NamedDependency[Services], token_id: FromPath[str]) -> None:
    """Revoke one of your tokens now."""
    directory, account = _own(request, services)
    if not directory.revoke(account, token_id):
        raise NotFoundException(f"you have no live token {token_id}")


def accounts_routers() -> list[Router]:
    """/api/v1/accounts (admin) and /api/v1/account/tokens (any named person, their own)."""
    return [Router(path="/api/v1/accounts", route_handlers=[list_accounts, create_account, change_account, make_link],
                   guards=[require("admin")], tags=["accounts"], security=[{"bearer": []}]),
            Router(path="/api/v1/account/tokens", route_handlers=[list_tokens, make_token, revoke_token],
                   guards=[require(ROLES)], tags=["accounts"], security=[{"bearer": []}])]

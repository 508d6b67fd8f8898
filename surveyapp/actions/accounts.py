"""Named accounts and personal API tokens, for the API, the pages and the CLI alike: the account list's
rows (`surveyapp.auth.accounts.Directory`) as the boundary's shapes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from surveyapp.actions.account_schemas import AccountOut, LinkOut, TokenOut
from surveyapp.auth.accounts import LINK_HOURS, AccountRow, Directory, TokenRow


def account_out(account: AccountRow) -> AccountOut:
    return AccountOut(account_id=account.account_id, name=account.name, email=account.email,
                      roles=list(account.roles), enabled=account.enabled,  # type: ignore[arg-type]
                      password_set=account.password_hash is not None, second_factor=account.totp_secret is not None,
                      single_sign_on=account.subject is not None, created_at=account.created_at.replace(tzinfo=dt.UTC))


def token_out(token: TokenRow, now: dt.datetime) -> TokenOut:
    expires = token.expires_at.replace(tzinfo=dt.UTC)
    status: Literal["live", "expired", "revoked"] = (
        "revoked" if token.revoked_at is not None else "expired" if expires <= now else "live")
    return TokenOut(token_id=token.token_id, name=token.name, created_at=token.created_at.replace(tzinfo=dt.UTC),
                    expires_at=expires, status=status)


def reset_link(directory: Directory, account_id: str, base_url: str) -> LinkOut:
    """A new one-time link that sets the account's password (and asks for a new second factor)."""
    secret = directory.reset_link(account_id)
    return LinkOut(account_id=account_id, url=f"{base_url.rstrip('/')}/account/setup/{secret}",
                   expires_at=directory.clock() + dt.timedelta(hours=LINK_HOURS))

"""Named accounts: people with roles, their one-time links, wrong-password lockout and personal API tokens.

An admin keeps the list: a person's name, e-mail address and one or more roles (admin, analyst, staff; none
implies another, so an admin reads the families' answers only if also given analyst). A person signs in through
the OpenID provider (matched by subject, or the first time by verified e-mail address) or, without one, with a
password set through a one-time link and, for admins and analysts, a TOTP code. Whatever the way in, the session
is re-read against the list on every request: roles changed or an account disabled take effect at once.

Personal API tokens are `sva_` and 43 random characters; only their SHA-256 is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from surveyapp.auth.identity import ROLES, Identity, Role
from surveyapp.store import Store
from surveyapp.store import accounts as table
from surveyapp.store.accounts import AccountClash, AccountRow, TokenRow

__all__ = ["AccountClash", "AccountError", "AccountRow", "Directory", "TokenRow"]
TOKEN_PREFIX = "sva_"  # noqa: S105 (a prefix, not a secret)
LINK_HOURS = 72  # a one-time link works for three days
TOKEN_DAYS_MAX = 366
LOCK_AFTER = 5  # wrong passwords in a row before the account waits
LOCK_MINUTES_MAX = 60  # the wait doubles with each further wrong password, up to an hour
MFA_ROLES: tuple[Role, ...] = ("admin", "analyst")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A request about accounts that cannot be done; `field` names what to fix."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_roles(roles: object) -> tuple[Role, ...]:
    """The roles, checked and in the usual order; AccountError naming `roles` for an unknown or none."""
    given = list(roles) if isinstance(roles, list | tuple) else []
    unknown = [r for r in given if r not in ROLES]
    if unknown or not given:
        raise AccountError("Choose one or more roles: admin, analyst or staff", "roles")
    return tuple(r for r in ROLES if r in given)


def needs_mfa(roles: tuple[str, ...]) -> bool:
    return any(role in MFA_ROLES for role in roles)


@dataclass(frozen=True)
class Directory:
    """The accounts of one store, on the service's clock."""

    store: Store
    clock: Callable[[], dt.datetime]

    def all(self) -> list[AccountRow]:
        return table.all_accounts(self.store)

    def get(self, account_id: str) -> AccountRow | None:
        return table.account_by(self.store, account_id=account_id)

    def by_email(self, email: str) -> AccountRow | None:
        return table.account_by(self.store, email=email.strip())

    def by_subject(self, subject: str) -> AccountRow | None:
        return table.account_by(self.store, subject=subject)

    def create(self, name: str, email: str, roles: object, subject: str | None = None) -> AccountRow:
        """A new enabled account (no password yet); AccountError naming the field."""
        name, email = " ".join(name.split()), email.strip().lower()
        if not 1 <= len(name) <= 80:
            raise AccountError("Enter the person's name, 1 to 80 characters", "name")
        if not _EMAIL.match(email) or len(email) > 254:
            raise AccountError("Enter an e-mail address like name@kent.gov.uk", "email")
        checked = clean_roles(roles)
        account_id = "acc_" + secrets.token_hex(8)
        try:
            table.add_account(self.store, account_id=account_id, name=name, email=email, subject=subject,
                              roles=checked, now=self.clock())
        except AccountClash as exc:
            raise AccountError(str(exc).capitalize(), "email") from None
        found = self.get(account_id)
        assert found is not None
        return found

    def require(self, account_id: str) -> AccountRow:
        found = self.get(account_id)
        if found is None:
            raise AccountError(f"There is no account {account_id}", "account")
        return found

    def change(self, account: AccountRow, **changes: object) -> AccountRow:
        table.change_account(self.store, account.account_id, self.clock(), **changes)
        return self.require(account.account_id)

    def set_roles(self, account_id: str, roles: object) -> AccountRow:
        account = self.require(account_id)
        checked = clean_roles(roles)
        if "admin" in account.roles and "admin" not in checked:
            self._keep_an_admin(account)
        return self.change(account, roles=checked)

    def set_enabled(self, account_id: str, enabled: bool) -> AccountRow:
        """Enable or disable; disabling ends the person's sessions and stops their tokens at once."""
        account = self.require(account_id)
        if not enabled and "admin" in account.roles:
            self._keep_an_admin(account)
        return self.change(account, enabled=enabled, session_epoch=account.session_epoch + (0 if enabled else 1))

    def _keep_an_admin(self, leaving: AccountRow) -> None:
        others = [a for a in self.all() if a.enabled and "admin" in a.roles and a.account_id != leaving.account_id]
        if not others:
            raise AccountError("This is the only enabled admin account: give another person the admin role first",
                               "roles")

    def reset_link(self, account_id: str) -> str:
        """A new one-time secret to set a password (earlier ones stop working); it also clears the second
        factor, so the person enrols again, and ends their sessions. Only its hash is kept."""
        account = self.require(account_id)
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        table.add_link(self.store, sha256(secret), account.account_id, now, now + dt.timedelta(hours=LINK_HOURS))
        self.change(account, password_hash=None, totp_secret=None, totp_pending=None, failed_attempts=0,
                    locked_until=None, session_epoch=account.session_epoch + 1)
        return secret

    def link_account(self, secret: str) -> AccountRow | None:
        """The enabled account an unused, unexpired link is for."""
        account_id = table.link_account(self.store, sha256(secret), self.clock())
        account = self.get(account_id) if account_id else None
        return account if account is not None and account.enabled else None

    def use_link(self, secret: str, password_hash: str) -> AccountRow | None:
        """Spend the link (once) and set the password; None when it was used, has expired or never existed."""
        account_id = table.use_link(self.store, sha256(secret), self.clock())
        account = self.get(account_id) if account_id else None
        if account is None or not account.enabled:
            return None
        return self.change(account, password_hash=password_hash, failed_attempts=0, locked_until=None)

    def locked_for(self, account: AccountRow) -> float:
        """Seconds the account must still wait after wrong passwords (0: none)."""
        if account.locked_until is None:
            return 0.0
        return max(0.0, (account.locked_until - table.utc(self.clock())).total_seconds())

    def wrong_password(self, account: AccountRow) -> None:
        """Count a wrong password or code: from the fifth in a row, a wait of 1 minute, doubling each time."""
        failed = account.failed_attempts + 1
        until = None
        if failed >= LOCK_AFTER:
            until = self.clock() + dt.timedelta(minutes=min(LOCK_MINUTES_MAX, 2 ** (failed - LOCK_AFTER)))
        self.change(account, failed_attempts=failed, locked_until=until)

    def right_password(self, account: AccountRow) -> AccountRow:
        return self.change(account, failed_attempts=0, locked_until=None) if account.failed_attempts else account

    def use_totp_step(self, account: AccountRow, step: int) -> bool:
        return table.use_totp_step(self.store, account.account_id, step)

    def make_token(self, account: AccountRow, name: str, days: int) -> tuple[str, TokenRow]:
        """A new personal API token: its secret (shown once) and its row."""
        name = " ".join(name.split())
        if not 1 <= len(name) <= 60:
            raise AccountError("Enter what the token is for, 1 to 60 characters", "name")
        if not 1 <= days <= TOKEN_DAYS_MAX:
            raise AccountError(f"Enter how many days the token lasts, 1 to {TOKEN_DAYS_MAX}", "days")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = "tok_" + secrets.token_hex(6)
        now = self.clock()
        table.add_token(self.store, token_id=token_id, account_id=account.account_id, name=name,
                        token_hash=sha256(secret), now=now, expires=now + dt.timedelta(days=days))
        return secret, next(t for t in self.tokens(account) if t.token_id == token_id)

    def tokens(self, account: AccountRow) -> list[TokenRow]:
        return table.tokens_of(self.store, account.account_id)

    def revoke(self, account: AccountRow, token_id: str) -> bool:
        return table.revoke_token(self.store, token_id, account.account_id, self.clock())

    def bearer(self, token: str) -> Identity | None:
        """Who a personal API token belongs to (a live token of an enabled account), or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        account_id = table.token_owner(self.store, sha256(token), self.clock())
        account = self.get(account_id) if account_id else None
        if account is None or not account.enabled or not account.roles:
            return None
        return identity_of(account, how="api-token")

    def current(self, session: Identity) -> Identity | None:
        """A session of a named account as the list has it now (roles, name), or None when the account is gone,
        disabled, or was reset or disabled since the session began."""
        account = self.get(session.account)
        if account is None or not account.enabled or account.session_epoch != session.epoch or not account.roles:
            return None
        roles = tuple(r for r in ROLES if r in account.roles)
        if roles == session.roles and account.name == session.name:
            return session
        import msgspec

        return msgspec.structs.replace(session, roles=roles, name=account.name)


def identity_of(account: AccountRow, *, how: str, expires: float = 0.0) -> Identity:
    """The Identity of a named account (no session yet: `Sessions.issue_for` adds one)."""
    roles = tuple(r for r in ROLES if r in account.roles)
    return Identity(roles=roles, name=account.name, expires=expires, subject=account.subject or "",
                    account=account.account_id, email=account.email, how=how,  # type: ignore[arg-type]
                    epoch=account.session_epoch)

"""The accounts, one-time links and personal API tokens tables: what `surveyapp.auth.accounts` reads and writes.
Every write goes through the store's one writer; times are naive UTC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import duckdb

from surveyapp.store import Store

T = TypeVar("T")
_ACCOUNT_COLUMNS = ("account_id, name, email, subject, roles, enabled, password_hash, totp_secret, totp_pending, "
                    "totp_last_step, failed_attempts, locked_until, session_epoch, created_at, changed_at")
_CHANGEABLE = frozenset({"name", "email", "subject", "roles", "enabled", "password_hash", "totp_secret",
                         "totp_pending", "totp_last_step", "failed_attempts", "locked_until", "session_epoch"})


class AccountClash(ValueError):
    """Another account already has this e-mail address or subject."""


@dataclass(frozen=True)
class AccountRow:
    account_id: str
    name: str
    email: str
    subject: str | None
    roles: tuple[str, ...]
    enabled: bool
    password_hash: str | None
    totp_secret: str | None
    totp_pending: str | None
    totp_last_step: int | None
    failed_attempts: int
    locked_until: dt.datetime | None
    session_epoch: int
    created_at: dt.datetime
    changed_at: dt.datetime


@dataclass(frozen=True)
class TokenRow:
    token_id: str
    account_id: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


def utc(moment: dt.datetime) -> dt.datetime:
    """A naive UTC time, as the tables keep them."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _account(row: tuple[Any, ...]) -> AccountRow:
    values = list(row)
    values[4] = tuple(values[4] or ())
    return AccountRow(*values)


def all_accounts(store: Store) -> list[AccountRow]:
    """Every account, by name."""
    return [_account(r) for r in store.rows(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY lower(name), "
                                            "created_at")]


def account_by(store: Store, *, account_id: str | None = None, email: str | None = None,
               subject: str | None = None) -> AccountRow | None:
    """The account with this id, e-mail address (any case) or subject, or None."""
    column, value = (("account_id", account_id) if account_id is not None else
                     ("lower(email)", (email or "").lower()) if email is not None else ("subject", subject))
    rows = store.rows(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE {column} = ?", [value])
    return _account(rows[0]) if rows else None


def _run(store: Store, write: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    result: T = store.writer.run(write).result()
    return result


def _clash(cursor: duckdb.DuckDBPyConnection, account_id: str, email: str | None, subject: str | None) -> None:
    if email is not None and cursor.execute("SELECT count(*) FROM accounts WHERE lower(email) = lower(?) AND "
                                            "account_id <> ?", [email, account_id]).fetchall()[0][0]:
        raise AccountClash(f"another account has the e-mail address {email}")
    if subject is not None and cursor.execute("SELECT count(*) FROM accounts WHERE subject = ? AND account_id <> ?",
                                              [subject, account_id]).fetchall()[0][0]:
        raise AccountClash("another account is linked to this person at the OpenID provider")


def add_account(store: Store, *, account_id: str, name: str, email: str, subject: str | None,
                roles: tuple[str, ...], now: dt.datetime) -> None:
    """A new, enabled account; AccountClash when its e-mail address or subject is another's."""
    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        _clash(cursor, account_id, email, subject)
        cursor.execute("INSERT INTO accounts (account_id, name, email, subject, roles, enabled, created_at, "
                       "changed_at) VALUES (?, ?, ?, ?, ?, true, ?, ?)",
                       [account_id, name, email, subject, list(roles), utc(now), utc(now)])

    _run(store, write)


def change_account(store: Store, account_id: str, now: dt.datetime, **changes: Any) -> None:
    """Set these columns of the account (AccountClash when a new e-mail address or subject is another's)."""
    unknown = set(changes) - _CHANGEABLE
    if unknown:
        raise ValueError(f"not a changeable column: {', '.join(sorted(unknown))}")
    if "roles" in changes:
        changes["roles"] = list(changes["roles"])
    if "locked_until" in changes and changes["locked_until"] is not None:
        changes["locked_until"] = utc(changes["locked_until"])
    assignments = ", ".join(f"{column} = ?" for column in changes)

    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        _clash(cursor, account_id, changes.get("email"), changes.get("subject"))
        cursor.execute(f"UPDATE accounts SET {assignments}, changed_at = ? WHERE account_id = ?",
                       [*changes.values(), utc(now), account_id])

    _run(store, write)


def use_totp_step(store: Store, account_id: str, step: int) -> bool:
    """Record `step` as the account's last used TOTP step, if it is later than the last: False for a replay."""
    def write(cursor: duckdb.DuckDBPyConnection) -> bool:
        done = cursor.execute("UPDATE accounts SET totp_last_step = ? WHERE account_id = ? AND "
                              "(totp_last_step IS NULL OR totp_last_step < ?) RETURNING account_id",
                              [step, account_id, step]).fetchall()
        return bool(done)

    return _run(store, write)


def add_link(store: Store, link_hash: str, account_id: str, now: dt.datetime, expires: dt.datetime) -> None:
    """A new one-time link; the account's earlier unused links stop working."""
    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute("UPDATE account_links SET used_at = ? WHERE account_id = ? AND used_at IS NULL",
                       [utc(now), account_id])
        cursor.execute("INSERT INTO account_links VALUES (?, ?, ?, ?, NULL)",
                       [link_hash, account_id, utc(now), utc(expires)])

    _run(store, write)


def link_account(store: Store, link_hash: str, now: dt.datetime) -> str | None:
    """The account an unused, unexpired link is for, or None."""
    rows = store.rows("SELECT account_id FROM account_links WHERE link_hash = ? AND used_at IS NULL AND "
                      "expires_at > ?", [link_hash, utc(now)])
    return str(rows[0][0]) if rows else None


def use_link(store: Store, link_hash: str, now: dt.datetime) -> str | None:
    """Mark the link used, once: the account it was for, or None when it was used, expired or never made."""
    def write(cursor: duckdb.DuckDBPyConnection) -> str | None:
        rows = cursor.execute("UPDATE account_links SET used_at = ? WHERE link_hash = ? AND used_at IS NULL AND "
                              "expires_at > ? RETURNING account_id", [utc(now), link_hash, utc(now)]).fetchall()
        return str(rows[0][0]) if rows else None

    return _run(store, write)


def add_token(store: Store, *, token_id: str, account_id: str, name: str, token_hash: str, now: dt.datetime,
              expires: dt.datetime) -> None:
    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute("INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, ?, NULL)",
                       [token_id, account_id, name, token_hash, utc(now), utc(expires)])

    _run(store, write)


def tokens_of(store: Store, account_id: str) -> list[TokenRow]:
    """The account's tokens, newest first."""
    return [TokenRow(*r) for r in store.rows(
        "SELECT token_id, account_id, name, created_at, expires_at, revoked_at FROM api_tokens WHERE account_id = ? "
        "ORDER BY created_at DESC, token_id", [account_id])]


def token_owner(store: Store, token_hash: str, now: dt.datetime) -> str | None:
    """The account a live (unrevoked, unexpired) token with this hash belongs to, or None."""
    rows = store.rows("SELECT account_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL AND "
                      "expires_at > ?", [token_hash, utc(now)])
    return str(rows[0][0]) if rows else None


def revoke_token(store: Store, token_id: str, account_id: str, now: dt.datetime) -> bool:
    """Revoke one of the account's live tokens: False when it has no such token."""
    def write(cursor: duckdb.DuckDBPyConnection) -> bool:
        return bool(cursor.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND account_id = ? AND "
                                   "revoked_at IS NULL RETURNING token_id",
                                   [utc(now), token_id, account_id]).fetchall())

    return _run(store, write)

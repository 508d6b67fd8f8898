"""The boundary shapes of named accounts and personal API tokens (a sibling of `schemas`): what
`/api/v1/accounts` and `/api/v1/account/tokens` read and answer, and the CLI sends and reads."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

RoleName = Literal["admin", "analyst", "staff"]


class AccountIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    email: str
    roles: list[RoleName]


class AccountChangeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    roles: list[RoleName] | None = None
    enabled: bool | None = None


class AccountOut(msgspec.Struct):
    account_id: str
    name: str
    email: str
    roles: list[RoleName]
    enabled: bool
    password_set: bool  # a local password has been set through a one-time link
    second_factor: bool  # a TOTP authenticator is enrolled
    single_sign_on: bool  # linked to a person at the OpenID provider
    created_at: dt.datetime


class LinkOut(msgspec.Struct):
    account_id: str
    url: str  # the one-time link to pass on: it sets a password, once
    expires_at: dt.datetime


class TokenIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str  # what it is for, e.g. "nightly export"
    days: int = 90


class TokenOut(msgspec.Struct):
    token_id: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    status: Literal["live", "expired", "revoked"]


class TokenMadeOut(msgspec.Struct):
    token: str  # shown once: only its hash is kept
    details: TokenOut

"""Who is asking: the roles, the Identity a request carries, and the role tokens that bootstrap the first admin.

Guards (`surveyapp.auth.guards.require`) and handlers see only an `Identity`: the roles held, a name to show,
when it expires, the session it belongs to and, for a named person, their account, e-mail address and subject
at the OpenID provider. Where it came from is the sign-in's business: a named account (password and code,
`surveyapp.auth.local`; single sign-on, `surveyapp.auth.oidc_pages`; a personal API token) or, until they are
turned off, a role's shared token (`TokenProvider`). Docs: staff/signing-in.md, operations/accounts.md.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Literal, Protocol

import msgspec

Role = Literal["staff", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("staff", "analyst", "admin")
ROLE_NAMES: dict[Role, str] = {"staff": "Staff", "analyst": "Analyst", "admin": "Admin"}


def same_secret(expected: str | bytes, presented: str | bytes) -> bool:
    """`hmac.compare_digest` on the UTF-8 bytes: a presented signature, token or CSRF token with a character
    that is not ASCII (which makes `compare_digest` raise on two str) is simply not the expected one."""
    def raw(value: str | bytes) -> bytes:
        return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return hmac.compare_digest(raw(expected), raw(presented))


class Identity(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Who a request is from. `session` is the random id of a browser session (its CSRF token is derived from
    it); empty when a bearer token came with the request itself, which needs no CSRF token. A named person
    (`account`) may hold several roles; a role token is exactly one."""

    roles: tuple[Role, ...]
    name: str  # shown in the signed-in bar and recorded in the audit log: the role's name for a role token
    expires: float  # Unix seconds; 0 for a bearer token (it lasts as long as the token)
    session: str = ""
    subject: str = ""  # OIDC: the person's stable id at the provider; empty otherwise
    account: str = ""  # the named account's id (surveyapp.auth.accounts); empty for a role token
    email: str = ""
    how: Literal["role-token", "password", "oidc", "api-token"] = "role-token"
    epoch: int = 0  # the account's session epoch when the session began: a reset or disabling ends older ones

    @property
    def in_session(self) -> bool:
        return bool(self.session)

    @property
    def role(self) -> Role:
        """The widest role held (admin, then analyst, then staff): what the bar names."""
        return next(role for role in reversed(ROLES) if role in self.roles)

    def has(self, *allowed: Role) -> bool:
        """Whether any of `allowed` is among the roles held (no role implies another)."""
        return any(role in self.roles for role in allowed)


class IdentityProvider(Protocol):
    """What vouches for the person signing in: a role, and what that role's sessions are bound to."""

    def bindings(self) -> Mapping[Role, bytes]:
        """For each role that can sign in, a value its sessions are signed with: when it changes (a new
        token), every session of that role ends. A role missing here cannot sign in at all."""
        ...

    def display_name(self, role: Role) -> str:
        """What the signed-in bar calls someone of this role when the provider knows no better name."""
        ...


class TokenProvider:
    """Today's provider: each role has one token (SURVEYAPP_*_TOKEN), and knowing it is being of that role."""

    def __init__(self, tokens: Mapping[Role, bytes]) -> None:
        self._tokens = dict(tokens)

    def role_of(self, token: str) -> Role | None:
        """The role whose token this is, compared in constant time with every role's, or None."""
        found: Role | None = None
        for role, expected in self._tokens.items():
            if same_secret(expected, token):
                found = role
        return found

    def bindings(self) -> dict[Role, bytes]:
        # A hash of the role's current token: a restart with a new token ends that role's sessions.
        return {role: hashlib.sha256(b"session-binding|" + token).digest() for role, token in self._tokens.items()}

    def display_name(self, role: Role) -> str:
        return ROLE_NAMES[role]

"""Rights beyond a role's own: each names the roles that hold it, and its guard admits only them.

`unmask` (reading families' comments as written, names and numbers included) is the admin's alone today: an
analyst reads comments masked. When named accounts come, a right can be given to a person rather than a role
by changing `holders` alone; every route that needs one asks `require_permission`, never a role.
"""

from __future__ import annotations

from typing import Literal

from litestar.types import Guard

from surveyapp.auth.guards import require
from surveyapp.auth.identity import Role

Permission = Literal["unmask"]
PERMISSIONS: dict[Permission, tuple[Role, ...]] = {"unmask": ("admin",)}
DESCRIPTIONS: dict[Permission, str] = {
    "unmask": "read families' comments as written (unmasked); every such read is recorded in the audit log"}


def holders(permission: Permission) -> tuple[Role, ...]:
    """The roles that hold this right."""
    return PERMISSIONS[permission]


def require_permission(permission: Permission) -> Guard:
    """A guard admitting only the holders of this right (with `require`'s rules for tokens, sessions, CSRF)."""
    return require(holders(permission))

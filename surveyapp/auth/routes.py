"""Every route of the auth package, in one list for the app factory: sign-in by role token, password and code,
or single sign-on; sign-out and the landing page; one-time links; and the account pages."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from surveyapp.auth.account_pages import account_pages
from surveyapp.auth.local import local_handlers
from surveyapp.auth.oidc_pages import oidc_handlers
from surveyapp.auth.signin import sign_in_handlers


def auth_handlers() -> list[ControllerRouterHandler]:
    return [*sign_in_handlers(), *local_handlers(), *oidc_handlers(), *account_pages()]

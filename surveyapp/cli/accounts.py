"""`surveyapp accounts`: list, create, give roles, disable, enable and make one-time links, through
/api/v1/accounts with the admin's token (the in-process app's own, or SURVEYAPP_API_TOKEN / the admin token
for a running service)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import msgspec

from surveyapp.actions.account_schemas import AccountChangeIn, AccountIn, AccountOut, LinkOut
from surveyapp.cli.client import open_client, segment
from surveyapp.settings import Settings

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any

ACCOUNTS = "/api/v1/accounts"


def _accounts(args: argparse.Namespace, settings: Settings) -> int:
    one = f"{ACCOUNTS}/{segment(args.account_id)}" if hasattr(args, "account_id") else ACCOUNTS
    with open_client(settings) as api:
        if args.action == "list":
            print(f"{'account':<21} {'status':<9} {'roles':<22} {'email':<32} name")
            for a in api.decode(list[AccountOut], "GET", f"{ACCOUNTS}/", "admin"):
                print(f"{a.account_id:<21} {'enabled' if a.enabled else 'disabled':<9} {','.join(a.roles):<22} "
                      f"{a.email:<32} {a.name}")
            return 0
        if args.action == "link":
            link = api.decode(LinkOut, "POST", f"{one}/link", "admin")
            print(f"one-time link for {link.account_id}, until {link.expires_at:%Y-%m-%d %H:%M} UTC (pass it on; "
                  f"it sets a password once):\n{link.url}")
            return 0
        if args.action == "create":
            body = msgspec.to_builtins(AccountIn(name=args.name, email=args.email, roles=args.role))
            account = api.decode(AccountOut, "POST", f"{ACCOUNTS}/", "admin", json=body)
        else:
            change = AccountChangeIn(roles=args.role) if args.action == "roles" else \
                AccountChangeIn(enabled=args.action == "enable")
            account = api.decode(AccountOut, "PATCH", one, "admin", json=msgspec.to_builtins(change))
    print(f"{account.account_id} {'enabled' if account.enabled else 'disabled'}: {account.name} <{account.email}> "
          f"{', '.join(account.roles)}")
    return 0


def add_accounts(sub: SubParsers) -> None:
    """`surveyapp accounts list|create|roles|disable|enable|link`."""
    accounts = sub.add_parser("accounts", help="named accounts: who may sign in, with which roles")
    verbs = accounts.add_subparsers(dest="action", required=True)
    verbs.add_parser("list", help="every account, its roles and whether it is enabled")
    create = verbs.add_parser("create", help="a new account (then `link` for a password, or single sign-on)")
    create.add_argument("email", help="the person's work e-mail address")
    create.add_argument("--name", required=True, help="the person's name, as the pages and the audit log show it")
    for parser in (create, verbs.add_parser("roles", help="set an account's roles (every role it should have)")):
        if parser is not create:
            parser.add_argument("account_id")
        parser.add_argument("--role", action="append", required=True, choices=["admin", "analyst", "staff"],
                            help="a role; repeat for several (none includes another)")
    for verb, what in (("disable", "stop the account now: its sessions and API tokens stop working"),
                       ("enable", "let a disabled account sign in again"),
                       ("link", "a one-time link (three days) to set a new password and authenticator app")):
        verbs.add_parser(verb, help=what).add_argument("account_id")
    accounts.set_defaults(run=_accounts)

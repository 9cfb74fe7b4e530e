"""
etrade_sync.cli.auth
~~~~~~~~~~~~~~~~~~~~

This module provides the login commands of ``etrade-sync``: ``login``,
``status``, ``renew``, ``revoke`` and ``key``. Each reads its settings with
:meth:`Settings.from_env` (``--env``, ``--store`` and ``--token-file`` override)
and exits with a code a cron wrapper can act on (see :mod:`etrade_sync.cli`):
``status`` exits 0 for ACTIVE, 6 for INACTIVE (idle, renewed on the next
request) and 3 for EXPIRED, REFUSED (E*TRADE refused the token, e.g. revoked
elsewhere; remembered in the store) or MISSING.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from .common import EXIT_INACTIVE, EXIT_LOGIN, EXIT_OK, client_from_args

if TYPE_CHECKING:
    from ..auth import AuthStatus

__all__ = ["add_auth_commands"]


def _exit_for(status: AuthStatus) -> int:
    from ..auth import TokenStatus

    if status.status is TokenStatus.ACTIVE:
        return EXIT_OK
    if status.status is TokenStatus.INACTIVE:
        return EXIT_INACTIVE
    return EXIT_LOGIN


def _cmd_login(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        client.auth.login(open_browser=False if args.no_browser else None)
    return EXIT_OK


def _cmd_status(args: argparse.Namespace) -> int:
    from ..auth import TokenStatus

    with client_from_args(args) as client:
        status = client.auth.status()
        if args.json:
            print(json.dumps(status.to_dict(), indent=2))
        else:
            print(status)
            if status.status is TokenStatus.INACTIVE:
                print("the next request renews it; or run: etrade-sync renew")
            elif status.status is not TokenStatus.ACTIVE:
                print(f"log in: {client.auth.login_command()}")
    return _exit_for(status)


def _cmd_renew(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        print(f"renewed. {client.auth.renew()}")
    return EXIT_OK


def _cmd_revoke(args: argparse.Namespace) -> int:
    from ..auth import TokenStatus

    with client_from_args(args) as client:
        before = client.auth.status()
        if before.status is TokenStatus.MISSING:
            print(f"nothing to revoke: no access token is saved for {before.environment} "
                  f"({client.auth.store.describe()})")  # fmt: skip
        elif args.forget:
            client.auth.forget()
            print("forgot the saved access token (E*TRADE was not told)")
        elif before.status in (TokenStatus.EXPIRED, TokenStatus.REFUSED):
            client.auth.forget()
            print(f"the saved access token was already {before.status.value.lower()} at "
                  f"E*TRADE; forgot it here")  # fmt: skip
        else:
            client.auth.revoke()
            print("access token revoked at E*TRADE and forgotten here")
    return EXIT_OK


def _cmd_key(args: argparse.Namespace) -> int:
    from ..auth import generate_key

    print(generate_key())
    print(
        "Put it in ETRADE_TOKEN_KEY (environment or .env). To change keys later, list the "
        "new one first: ETRADE_TOKEN_KEY=NEW,OLD",
        file=sys.stderr,
    )
    return EXIT_OK


def add_auth_commands(sub: Any) -> None:
    """Register ``login``, ``status``, ``renew``, ``revoke`` and ``key`` on ``sub``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--env", choices=("sandbox", "production"), help="override ETRADE_ENV")
    common.add_argument(
        "--store",
        metavar="STORE",
        help="override ETRADE_TOKEN_STORE: file, keyring or redis://host:port/db",
    )
    common.add_argument("--token-file", metavar="PATH", help="override ETRADE_TOKEN_FILE")

    login = sub.add_parser(
        "login", parents=[common], help="the daily login: approve in a browser, paste the code"
    )
    login.add_argument("--no-browser", action="store_true", help="only print the login URL")
    login.set_defaults(handler=_cmd_login)

    status = sub.add_parser(
        "status",
        parents=[common],
        help="show the saved login; exit 0 active, 6 inactive (renewable), 3 login needed",
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_cmd_status)

    renew = sub.add_parser("renew", parents=[common], help="renew the access token now")
    renew.set_defaults(handler=_cmd_renew)

    revoke = sub.add_parser("revoke", parents=[common], help="revoke the access token")
    revoke.add_argument(
        "--forget", action="store_true", help="only delete the saved token; do not call E*TRADE"
    )
    revoke.set_defaults(handler=_cmd_revoke)

    key = sub.add_parser("key", help="print a new random key for ETRADE_TOKEN_KEY")
    key.set_defaults(handler=_cmd_key)

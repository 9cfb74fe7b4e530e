"""
etrade_sync.cli.common
~~~~~~~~~~~~~~~~~~~~~~

This module provides what every command group shares: the exit codes, the one way
to build settings and a client from ``--env``, ``--store`` and ``--token-file``, and
the output of the data and order commands (a table for people, JSON with ``--json``,
the account named on the command line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..models.plain import to_plain

if TYPE_CHECKING:
    from ..client import Client
    from ..config import Settings

__all__ = [
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INACTIVE",
    "EXIT_INTERRUPTED",
    "EXIT_LOGIN",
    "EXIT_OK",
    "EXIT_THROTTLED",
    "EXIT_UNKNOWN_OUTCOME",
    "EXIT_USAGE",
    "account_key",
    "client_from_args",
    "command_adder",
    "emit",
    "settings_from_args",
    "table",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOGIN = 3
EXIT_THROTTLED = 4
EXIT_UNKNOWN_OUTCOME = 5
EXIT_INACTIVE = 6
EXIT_INTERRUPTED = 130

#: Exit codes by meaning; documented in the README.
EXIT_CODES = {
    "ok": EXIT_OK,
    "error": EXIT_ERROR,
    "usage": EXIT_USAGE,
    "login_required": EXIT_LOGIN,
    "throttled": EXIT_THROTTLED,
    "order_outcome_unknown": EXIT_UNKNOWN_OUTCOME,
    "token_inactive": EXIT_INACTIVE,
    "interrupted": EXIT_INTERRUPTED,
}


def settings_from_args(args: argparse.Namespace, **from_env: Any) -> Settings:
    """Settings from the environment and .env, with ``--env``, ``--store`` and
    ``--token-file`` (where the command has them) taking precedence. ``from_env``
    goes to :meth:`Settings.from_env` (e.g. ``environ``)."""
    from ..config import Settings

    overrides: dict[str, Any] = {}
    for option, field in (
        ("env", "environment"),
        ("store", "token_store"),
        ("token_file", "token_file"),
    ):
        value = getattr(args, option, None)
        if value:
            overrides[field] = value
    return Settings.from_env(**from_env, **overrides)


def client_from_args(args: argparse.Namespace) -> Client:
    """A client built from :func:`settings_from_args`; when anything is missing for a
    login (consumer key and secret, token key), one error names all of it."""
    from ..client import Client
    from ..config.checks import require_configured

    settings = settings_from_args(args)
    require_configured(settings)
    return Client(settings)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.4f}"
    return str(value)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain-text table; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [
        all(isinstance(row[i], int | Decimal | float) or row[i] is None for row in rows)
        and bool(rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def emit(
    args: argparse.Namespace, data: Any, rows: Sequence[Sequence[Any]], headers: Sequence[str]
) -> int:
    if args.json:
        json.dump(to_plain(data, decimals="str", times="iso"), sys.stdout, indent=2)
        print()
    elif rows:
        print(table(rows, headers))
    else:
        print("(nothing)")
    return 0


def account_key(client: Client, given: str | None) -> str:
    accounts = client.accounts.list()
    if given:
        for account in accounts:
            if given in (account.account_id, account.account_id_key):
                return account.account_id_key
        raise ValidationError(f"no account {given!r}; see `etrade-sync accounts`", field="account")
    open_accounts = [a for a in accounts if not a.is_closed]
    if len(open_accounts) == 1:
        return open_accounts[0].account_id_key
    names = ", ".join(a.account_id or a.account_id_key for a in open_accounts)
    raise ValidationError(f"name an account: {names}", field="account")


def command_adder(sub: Any) -> tuple[Any, argparse.ArgumentParser]:
    """``add(name, handler, help, *parents)`` registering a command with ``--env`` and
    ``--json``, and the parent parser of an optional ``account`` argument."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--env", choices=("sandbox", "production", "paper"), help="override ETRADE_ENV"
    )
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    account = argparse.ArgumentParser(add_help=False)
    account.add_argument("account", nargs="?", help="accountId or accountIdKey")

    def add(name: str, handler: Any, text: str, *parents: argparse.ArgumentParser) -> Any:
        parser = sub.add_parser(name, parents=[common, *parents], help=text)
        parser.set_defaults(handler=handler)
        return parser

    return add, account

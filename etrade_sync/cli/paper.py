"""
etrade_sync.cli.paper
~~~~~~~~~~~~~~~~~~~~~

This module provides ``etrade-sync paper status | reset | history``: the local paper
book of ``ETRADE_ENV=paper`` (``paper.sqlite3`` beside the order journal, or
``ETRADE_PAPER_FILE``). These commands read and write the book only; they send
nothing to E*TRADE and need no login.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ValidationError
from .common import EXIT_OK, settings_from_args

__all__ = ["add_paper_command"]


def _store(args: argparse.Namespace) -> Any:
    from ..paper import PaperStore

    settings = settings_from_args(args)
    return PaperStore(settings.paper_path)


def _cmd_status(args: argparse.Namespace) -> int:
    store = _store(args)
    print(f"paper book: {store.path}")
    accounts = store.accounts()
    if not accounts:
        print("no paper account yet (etrade-sync paper reset --cash 100000)")
    for account in accounts:
        positions = store.positions(account.key)
        held = sum((cost for _, cost, _ in positions.values()), Decimal(0))
        print(
            f"{account.key} ({account.account_id}): cash {account.cash}, "
            f"started with {account.start_cash}, realised P&L {account.realised}, "
            f"commissions {account.commissions}, positions at cost {held}, "
            f"open orders {len(store.orders(account.key, status='OPEN'))}"
        )
        for symbol, (quantity, cost, _) in positions.items():
            print(f"  {symbol}: {quantity} shares, cost {cost}")
    return EXIT_OK


def _cmd_reset(args: argparse.Namespace) -> int:
    try:
        cash = Decimal(str(args.cash)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError(f"--cash {args.cash!r} is not an amount", field="cash") from None
    if cash < 0 or args.accounts < 1:
        raise ValidationError("--cash must be >= 0 and --accounts >= 1", field="cash")
    store = _store(args)
    store.reset(cash, accounts=args.accounts, now_ms=int(time.time() * 1000))
    keys = ", ".join(a.key for a in store.accounts())
    print(f"paper book reset: {keys} with {cash} each ({store.path})")
    return EXIT_OK


def _cmd_history(args: argparse.Namespace) -> int:
    store = _store(args)
    fills = store.fills(args.account)
    if not fills:
        print("no paper fills")
    for f in fills:
        at = dt.datetime.fromtimestamp(f.at_ms / 1000, tz=dt.UTC).isoformat(timespec="seconds")
        print(
            f"{at} {f.account_key} order {f.order_id}: {f.action} {f.quantity} {f.symbol} "
            f"@ {f.price} commission {f.commission} realised {f.realised}"
        )
    return EXIT_OK


def add_paper_command(sub: Any) -> None:
    """Register ``paper`` and its sub-commands on the top-level parser."""
    paper = sub.add_parser(
        "paper", help="the local paper book of ETRADE_ENV=paper (status, reset, history)"
    )
    inner = paper.add_subparsers(dest="paper_command", metavar="ACTION", required=True)
    status = inner.add_parser("status", help="cash, P&L, positions and open orders")
    status.set_defaults(handler=_cmd_status)
    reset = inner.add_parser("reset", help="drop the paper book and start again")
    reset.add_argument("--cash", default="100000", help="starting cash per account (100000)")
    reset.add_argument("--accounts", type=int, default=1, help="number of paper accounts (1)")
    reset.set_defaults(handler=_cmd_reset)
    history = inner.add_parser("history", help="every paper fill, oldest first")
    history.add_argument("--account", help="only this accountIdKey (PAPER1, ...)")
    history.set_defaults(handler=_cmd_history)

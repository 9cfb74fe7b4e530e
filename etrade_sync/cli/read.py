"""
etrade_sync.cli.read
~~~~~~~~~~~~~~~~~~~~

This module provides the data commands of ``etrade-sync``, which only read:
``accounts``, ``balance``, ``portfolio``, ``quote``, ``orders`` and ``alerts``. Each
prints a table for people, or JSON with ``--json`` for scripts. An account is named
by its accountId, its accountIdKey, or left out when the user has a single open
account. The commands that change or settle orders are in :mod:`.orders`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .common import account_key, client_from_args, command_adder, emit

if TYPE_CHECKING:
    pass

__all__ = ["add_read_commands"]


def _cmd_accounts(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        accounts = client.accounts.list()
    rows = [
        (a.account_id, a.account_id_key, a.type, a.mode, a.description, a.status) for a in accounts
    ]
    return emit(args, accounts, rows, ["id", "key", "type", "mode", "description", "status"])


def _cmd_balance(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        balance = client.accounts.balance(account_key(client, args.account), fresh=True)
    fields = [
        "account_balance",
        "net_cash",
        "cash_balance",
        "cash_available_for_investment",
        "cash_buying_power",
        "margin_buying_power",
        "total_account_value",
    ]
    rows = [(name, getattr(balance, name, None)) for name in fields]
    return emit(args, balance, rows, ["field", "value"])


def _cmd_portfolio(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        portfolio = client.accounts.portfolio(account_key(client, args.account))
    rows = [
        (
            p.product.symbol,
            p.position_type,
            p.quantity,
            p.price_paid,
            p.last_trade,
            p.market_value,
            p.total_gain,
        )
        for p in portfolio.positions
    ]
    headers = ["symbol", "type", "quantity", "paid", "last", "value", "gain"]
    return emit(args, portfolio, rows, headers)


def _cmd_quote(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        quotes = client.market.quotes(args.symbols, detail=args.detail)
    rows = [(s, q.last, q.bid, q.ask, q.change, q.volume, q.status) for s, q in quotes.items()]
    code = emit(
        args,
        {"quotes": dict(quotes), "errors": quotes.errors},
        rows,
        ["symbol", "last", "bid", "ask", "change", "volume", "status"],
    )
    if not args.json:
        for symbol, message in quotes.errors.items():
            print(f"{symbol}: {message.description} (code {message.code})", file=sys.stderr)
    return code if not quotes.errors else 1


def _cmd_orders(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        orders = client.orders.list(account_key(client, args.account), status=args.status)
    rows = []
    for order in orders:
        detail = order.details[0] if order.details else None
        legs = ", ".join(
            f"{i.action} {i.quantity} {i.product.symbol}"
            for i in (detail.instruments if detail else ())
        )
        rows.append(
            (
                order.order_id,
                detail.status if detail else None,
                legs,
                detail.price_type if detail else None,
                detail.limit_price if detail else None,
                detail.placed_at if detail else None,
            )
        )
    return emit(args, orders, rows, ["order", "status", "legs", "price type", "limit", "placed"])


def _cmd_alerts(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        alerts = client.alerts.list(status=args.status)
    rows = [(a.alert_id, a.status, a.created_at, a.subject) for a in alerts]
    return emit(args, alerts, rows, ["id", "status", "created", "subject"])


def add_read_commands(sub: Any) -> None:
    """Register the data commands on the ``etrade-sync`` sub-parser ``sub``."""
    add, account = command_adder(sub)

    add("accounts", _cmd_accounts, "list your accounts")
    add("balance", _cmd_balance, "an account's balances", account)
    add("portfolio", _cmd_portfolio, "an account's positions (every page)", account)
    quote = add("quote", _cmd_quote, "quotes for symbols (exit 1 if any is refused)")
    quote.add_argument("symbols", nargs="+", metavar="SYMBOL")
    quote.add_argument("--detail", default="ALL", help="ALL, FUNDAMENTAL, INTRADAY, ...")
    orders = add("orders", _cmd_orders, "an account's orders", account)
    orders.add_argument("--status", help="OPEN, EXECUTED, CANCELLED, ...")
    alerts = add("alerts", _cmd_alerts, "your alerts")
    alerts.add_argument("--status", help="READ, UNREAD or DELETED")

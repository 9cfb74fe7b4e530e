"""
etrade_sync.cli.read
~~~~~~~~~~~~~~~~~~~~

This module provides the data commands of ``etrade-sync``: ``accounts``,
``balance``, ``portfolio``, ``quote``, ``orders``, ``cancel``, ``resolve``,
``alerts`` and ``journal``. Each prints a table for people, or JSON with
``--json`` for scripts. An account is named by its accountId, its accountIdKey,
or left out when the user has a single open account.
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
from .common import client_from_args, settings_from_args

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["add_read_commands", "table"]


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


def _emit(
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


def _account_key(client: Client, given: str | None) -> str:
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


def _cmd_accounts(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        accounts = client.accounts.list()
    rows = [
        (a.account_id, a.account_id_key, a.type, a.mode, a.description, a.status) for a in accounts
    ]
    return _emit(args, accounts, rows, ["id", "key", "type", "mode", "description", "status"])


def _cmd_balance(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        balance = client.accounts.balance(_account_key(client, args.account), fresh=True)
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
    return _emit(args, balance, rows, ["field", "value"])


def _cmd_portfolio(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        portfolio = client.accounts.portfolio(_account_key(client, args.account))
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
    return _emit(args, portfolio, rows, headers)


def _cmd_quote(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        quotes = client.market.quotes(args.symbols, detail=args.detail)
    rows = [(s, q.last, q.bid, q.ask, q.change, q.volume, q.status) for s, q in quotes.items()]
    code = _emit(
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
        orders = client.orders.list(_account_key(client, args.account), status=args.status)
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
    return _emit(args, orders, rows, ["order", "status", "legs", "price type", "limit", "placed"])


def _cmd_cancel(args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationError("cancel needs --yes when not run from a terminal", field="yes")
        answer = input(f"cancel order {args.order_id}? [y/N] ").strip().lower()
        if answer not in {"y", "yes"}:
            print("not cancelled")
            return 0
    with client_from_args(args) as client:
        result = client.orders.cancel(_account_key(client, args.account), args.order_id)
    return _emit(args, result, [(result.order_id, result.cancelled_at)], ["order", "cancelled"])


def _cmd_resolve(args: argparse.Namespace) -> int:
    if args.cancel is not None:
        return _resolve_cancel(args)
    if not args.client_order_id:
        print("etrade-sync resolve: give CLIENT_ORDER_ID or --cancel ORDER_ID", file=sys.stderr)
        return 2
    with client_from_args(args) as client:
        placed = client.orders.resolve(_account_key(client, args.account), args.client_order_id)
    if placed is None:
        return _emit(
            args,
            {"placed": False},
            [(args.client_order_id, "NOT placed", "")],
            ["client order id", "outcome", "order"],
        )
    return _emit(
        args,
        {"placed": True, "order": placed},
        [(args.client_order_id, "placed", placed.order_id)],
        ["client order id", "outcome", "order"],
    )


def _resolve_cancel(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        order = client.orders.resolve_cancel(_account_key(client, args.account), args.cancel)
    outcome = "cancelled" if order is not None else "NOT cancelled"
    return _emit(
        args,
        {"cancelled": order is not None, "order": order},
        [(args.cancel, outcome, order.status if order is not None else "")],
        ["order", "outcome", "status"],
    )


def _cmd_alerts(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        alerts = client.alerts.list(status=args.status)
    rows = [(a.alert_id, a.status, a.created_at, a.subject) for a in alerts]
    return _emit(args, alerts, rows, ["id", "status", "created", "subject"])


def _cmd_journal(args: argparse.Namespace) -> int:
    from ..orders import JournalStore, OrderJournal, api_host

    settings = settings_from_args(args)
    journal: JournalStore
    if settings.journal_url:
        from ..orders.postgres_journal import PostgresJournal

        journal = PostgresJournal(
            settings.journal_url, environment=settings.environment, api_host=api_host(settings)
        )
    elif not settings.journal_path.exists():
        print(f"no journal yet at {settings.journal_path}")
        return 0
    else:
        journal = OrderJournal(
            settings.journal_path, environment=settings.environment, api_host=api_host(settings)
        )
    entries = journal.unresolved() if args.unresolved else journal.entries(limit=args.limit)
    rows = [
        (
            e.id,
            e.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            e.operation,
            e.account_id_key[:6] + "…",
            e.client_order_id,
            e.order_id,
            e.status,
        )
        for e in entries
    ]
    data = [e.to_dict() for e in entries]
    headers = ["id", "when", "operation", "account", "client order id", "order", "status"]
    return _emit(args, data, rows, headers)


def add_read_commands(sub: Any) -> None:
    """Register the data commands on the ``etrade-sync`` sub-parser ``sub``."""
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

    add("accounts", _cmd_accounts, "list your accounts")
    add("balance", _cmd_balance, "an account's balances", account)
    add("portfolio", _cmd_portfolio, "an account's positions (every page)", account)
    quote = add("quote", _cmd_quote, "quotes for symbols (exit 1 if any is refused)")
    quote.add_argument("symbols", nargs="+", metavar="SYMBOL")
    quote.add_argument("--detail", default="ALL", help="ALL, FUNDAMENTAL, INTRADAY, ...")
    orders = add("orders", _cmd_orders, "an account's orders", account)
    orders.add_argument("--status", help="OPEN, EXECUTED, CANCELLED, ...")
    cancel = add("cancel", _cmd_cancel, "cancel an open order")
    cancel.add_argument("account", help="accountId or accountIdKey")
    cancel.add_argument("order_id", type=int)
    cancel.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    resolve = add(
        "resolve", _cmd_resolve, "find out whether an order with an unknown outcome was placed"
    )
    resolve.add_argument("account", help="accountId or accountIdKey")
    resolve.add_argument("client_order_id", nargs="?")
    resolve.add_argument(
        "--cancel", type=int, metavar="ORDER_ID", help="resolve the cancel of this order instead"
    )
    alerts = add("alerts", _cmd_alerts, "your alerts")
    alerts.add_argument("--status", help="READ, UNREAD or DELETED")
    journal = add("journal", _cmd_journal, "the order journal (what was sent, what became of it)")
    journal.add_argument("--limit", type=int, default=50)
    journal.add_argument("--unresolved", action="store_true", help="only pending/unknown orders")

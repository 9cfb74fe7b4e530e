"""
etrade_sync.cli.orders
~~~~~~~~~~~~~~~~~~~~~~

This module provides the order commands of ``etrade-sync``: ``cancel`` (a write,
confirmed unless ``--yes``), ``resolve`` (what became of an order or a cancel whose
outcome was unknown) and ``journal`` (what was sent and what became of it).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import ValidationError
from .common import account_key, client_from_args, command_adder, emit, settings_from_args

__all__ = ["add_order_commands"]


def _cmd_cancel(args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationError("cancel needs --yes when not run from a terminal", field="yes")
        answer = input(f"cancel order {args.order_id}? [y/N] ").strip().lower()
        if answer not in {"y", "yes"}:
            print("not cancelled")
            return 0
    with client_from_args(args) as client:
        result = client.orders.cancel(account_key(client, args.account), args.order_id)
    return emit(args, result, [(result.order_id, result.cancelled_at)], ["order", "cancelled"])


def _cmd_resolve(args: argparse.Namespace) -> int:
    if args.cancel is not None:
        return _resolve_cancel(args)
    if not args.client_order_id:
        print("etrade-sync resolve: give CLIENT_ORDER_ID or --cancel ORDER_ID", file=sys.stderr)
        return 2
    with client_from_args(args) as client:
        placed = client.orders.resolve(account_key(client, args.account), args.client_order_id)
    if placed is None:
        return emit(
            args,
            {"placed": False},
            [(args.client_order_id, "NOT placed", "")],
            ["client order id", "outcome", "order"],
        )
    return emit(
        args,
        {"placed": True, "order": placed},
        [(args.client_order_id, "placed", placed.order_id)],
        ["client order id", "outcome", "order"],
    )


def _resolve_cancel(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        order = client.orders.resolve_cancel(account_key(client, args.account), args.cancel)
    outcome = "cancelled" if order is not None else "NOT cancelled"
    return emit(
        args,
        {"cancelled": order is not None, "order": order},
        [(args.cancel, outcome, order.status if order is not None else "")],
        ["order", "outcome", "status"],
    )


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
    return emit(args, data, rows, headers)


def add_order_commands(sub: Any) -> None:
    """Register the order commands on the ``etrade-sync`` sub-parser ``sub``."""
    add, _ = command_adder(sub)
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
    journal = add("journal", _cmd_journal, "the order journal (what was sent, what became of it)")
    journal.add_argument("--limit", type=int, default=50)
    journal.add_argument("--unresolved", action="store_true", help="only pending/unknown orders")

"""
etrade_sync.paper.ledger
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`execute`, the paper book's one bookkeeping rule. A fill
moves cash, the position at cost, realised P&L and commissions together, so that
after every fill ``cash + sum(position cost) == starting cash + realised P&L -
commissions`` holds exactly (positions at average cost; a partial sale removes its
share of the cost, rounded to the cent).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal

from .rules import day_order_close_ms
from .store import PaperOrder, PaperStore

__all__ = ["execute", "expire_day_orders"]

_CENT = Decimal("0.01")


def execute(store: PaperStore, order: PaperOrder, price: Decimal, at_ms: int, fee: Decimal) -> None:
    """Fill ``order`` in full at ``price`` (inside the caller's transaction), or reject it
    when the account cannot pay for it (buy) or does not hold the shares (sell)."""
    account = store.account(order.account_key)
    assert account is not None
    held, cost, opened = store.positions(account.key).get(order.symbol, (0, 0, at_ms))
    held, cost = Decimal(held), Decimal(cost)
    amount = order.quantity * price
    if order.action == "BUY":
        if account.cash < amount + fee:
            store.update_order(
                order.order_id, status="REJECTED", reason=f"insufficient cash at {price}"
            )
            return
        cash, realised = account.cash - amount - fee, account.realised
        held, cost, gain = held + order.quantity, cost + amount, Decimal("0")
    else:
        if held < order.quantity:
            store.update_order(
                order.order_id, status="REJECTED", reason="not enough shares (no short sales)"
            )
            return
        removed = (
            cost
            if held == order.quantity
            else (cost * order.quantity / held).quantize(_CENT, ROUND_HALF_EVEN)
        )
        gain = amount - removed
        cash, realised = account.cash + amount - fee, account.realised + gain
        held, cost = held - order.quantity, cost - removed
    store.set_account(
        account.key, cash=cash, realised=realised, commissions=account.commissions + fee
    )
    store.set_position(account.key, order.symbol, held, cost, opened)
    store.update_order(
        order.order_id, status="EXECUTED", executed_ms=at_ms, fill_price=price, commission=fee
    )
    store.add_fill(
        {
            "order_id": order.order_id,
            "account_key": account.key,
            "symbol": order.symbol,
            "action": order.action,
            "quantity": order.quantity,
            "price": price,
            "commission": fee,
            "realised": gain,
            "at_ms": at_ms,
        }
    )


def expire_day_orders(store: PaperStore, now_ms: int, changed: Callable[[str], None]) -> int:
    """Mark GOOD_FOR_DAY orders past their trading day's close EXPIRED; return how many."""
    expired = 0
    for order in store.orders(status="OPEN"):
        if order.term == "GOOD_FOR_DAY" and now_ms >= day_order_close_ms(order.placed_ms):
            with store.transaction():
                current = store.order(order.order_id)
                if current is not None and current.status == "OPEN":
                    store.update_order(order.order_id, status="EXPIRED")
                    expired += 1
            changed(order.account_key)
    return expired

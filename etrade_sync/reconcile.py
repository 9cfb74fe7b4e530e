"""
etrade_sync.reconcile
~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`resolve`, behind ``client.orders.resolve()``: after an
:class:`~etrade_sync.errors.OrderOutcomeUnknownError`, it finds out whether the
order was placed, from the order journal and E*TRADE's order list.

E*TRADE does not echo ``clientOrderId`` in its order list, so the journal's
record of what was sent (account, legs, quantities, price type and prices, time)
is matched against orders placed since the intent was written. An order already
matched to another journal entry is never matched twice, so two identical orders
sent in a row resolve to two different E*TRADE orders.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._tz import EASTERN
from .errors import ValidationError
from .journal import JournalEntry, OrderJournal, Status
from .models.base import as_list, to_decimal
from .models.orders import Order, PlacedOrder

if TYPE_CHECKING:
    from .client import Client

__all__ = ["order_signature", "resolve"]

log = logging.getLogger("etrade_sync")

#: How far before the intent an order's placed time may be (clock differences).
CLOCK_SLACK = dt.timedelta(minutes=2)

Leg = tuple[str, str, Decimal | None, str | None, Decimal | None]
Signature = tuple[str | None, Decimal | None, Decimal | None, tuple[Leg, ...]]


def _leg(product: Mapping[str, Any], action: Any, quantity: Any) -> Leg:
    return (
        str(product.get("symbol") or "").upper(),
        str(action or "").upper(),
        to_decimal(quantity),
        str(product.get("callPut") or "").upper() or None,
        to_decimal(product.get("strikePrice")),
    )


def order_signature(body: Mapping[str, Any]) -> Signature:
    """What identifies an order request: price type, prices and legs."""
    request = body.get("PlaceOrderRequest", body)
    orders = as_list(request.get("Order")) if isinstance(request, Mapping) else []
    first = orders[0] if orders and isinstance(orders[0], Mapping) else {}
    legs = [
        _leg(i.get("Product") or {}, i.get("orderAction"), i.get("quantity"))
        for i in as_list(first.get("Instrument"))
        if isinstance(i, Mapping)
    ]
    return (
        str(first.get("priceType") or "").upper() or None,
        to_decimal(first.get("limitPrice")) or None,
        to_decimal(first.get("stopPrice")) or None,
        tuple(sorted(legs, key=repr)),
    )


def _signature_of(order: Order) -> Signature | None:
    if not order.details:
        return None
    detail = order.details[0]
    legs = [_leg(i.product.raw, i.action, i.quantity) for i in detail.instruments]
    return (
        (detail.price_type or "").upper() or None,
        detail.limit_price or None,
        detail.stop_price or None,
        tuple(sorted(legs, key=repr)),
    )


def _placed_at(order: Order) -> dt.datetime | None:
    return order.details[0].placed_at if order.details else None


def _candidates(entry: JournalEntry, orders: Iterable[Order], claimed: set[int]) -> list[Order]:
    wanted = order_signature(entry.body)
    earliest = entry.created_at - CLOCK_SLACK
    found = []
    for order in orders:
        if order.order_id in claimed or order.order_id == entry.target_order_id:
            continue
        if order.client_order_id and order.client_order_id == entry.client_order_id:
            return [order]
        placed = _placed_at(order)
        if placed is not None and placed < earliest:
            continue
        if _signature_of(order) == wanted:
            found.append(order)
    found.sort(key=lambda o: (_placed_at(o) or dt.datetime.max.replace(tzinfo=dt.UTC), o.order_id))
    return found


def _as_placed(order: Order, entry: JournalEntry) -> PlacedOrder:
    return PlacedOrder(
        order_id=order.order_id,
        client_order_id=entry.client_order_id or "",
        account_id_key=entry.account_id_key,
        order_ids=(order.order_id,),
        order_type=order.order_type,
        placed_at=_placed_at(order),
        replaced_order_id=entry.target_order_id,
        details=order.details,
        raw=order.raw,
    )


def resolve(client: Client, account_id_key: str, client_order_id: str) -> PlacedOrder | None:
    """The order placed under ``client_order_id``, or ``None`` if it was not placed.

    Reads the journal first; only an intent still pending or unknown costs one pass
    over the order list (every page since the intent's day). The answer is written
    back to the journal, so asking twice costs nothing the second time.
    """
    journal: OrderJournal = client.journal
    entry = journal.find(account_id_key, client_order_id)
    if entry is None:
        raise ValidationError(
            f"the order journal has no order with clientOrderId {client_order_id!r} in this "
            f"account; resolve only knows orders sent by etrade_sync with journal "
            f"{journal.path}",
            field="client_order_id",
        )
    if entry.status == Status.DONE and entry.order_id is not None:
        found = _lookup(client, entry, entry.order_id)
        return found
    if entry.status in (Status.REJECTED, Status.NOT_PLACED):
        return None
    day = entry.created_at.astimezone(EASTERN).date()
    today = dt.datetime.now(EASTERN).date()
    orders = client.orders.list(account_id_key, from_date=min(day, today), to_date=today)
    matches = _candidates(entry, orders, journal.claimed_order_ids(account_id_key))
    if not matches:
        journal.record_outcome(entry.id, Status.NOT_PLACED, error="resolved: no matching order")
        log.info("resolve: clientOrderId %s was not placed", client_order_id)
        return None
    order = matches[0]
    journal.record_outcome(entry.id, Status.DONE, order_id=order.order_id)
    log.info("resolve: clientOrderId %s is order %s", client_order_id, order.order_id)
    return _as_placed(order, entry)


def _lookup(client: Client, entry: JournalEntry, order_id: int) -> PlacedOrder:
    order = client.orders.get(entry.account_id_key, order_id)
    return _as_placed(order, entry)

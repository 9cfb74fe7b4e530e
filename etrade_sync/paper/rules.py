"""
etrade_sync.paper.rules
~~~~~~~~~~~~~~~~~~~~~~~

This module provides the paper broker's order rules: :func:`parse_ticket` reads an
E*TRADE order request body into a :class:`Ticket` or refuses it with
:class:`~etrade_sync.errors.PaperOrderRefusedError` (options, multi-leg orders,
all-or-none, short sales, extended hours, terms other than day and good-until-cancel),
and :func:`fill_price` decides whether a quote fills an order and at what price:
market orders at the ask (buy) or bid (sell), limit orders when marketable, stop and
stop-limit orders once the last trade reaches the stop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .._tz import EASTERN
from ..errors import PaperOrderRefusedError

__all__ = ["Ticket", "day_order_close_ms", "fill_price", "parse_ticket", "triggered"]

PRICE_TYPES = frozenset({"MARKET", "LIMIT", "STOP", "STOP_LIMIT"})
TERMS = frozenset({"GOOD_FOR_DAY", "GOOD_UNTIL_CANCEL"})
ACTIONS = frozenset({"BUY", "SELL"})


@dataclass(frozen=True)
class Ticket:
    """One single-leg equity order as the paper broker takes it."""

    symbol: str
    action: str
    quantity: Decimal
    price_type: str
    limit_price: Decimal | None
    stop_price: Decimal | None
    term: str
    session: str
    client_order_id: str


def refuse(message: str, path: str | None = None) -> PaperOrderRefusedError:
    return PaperOrderRefusedError(
        f"paper trading: {message}", status=400, code=None, method="POST", path=path
    )


def _price(value: Any, name: str) -> Decimal | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise refuse(f"{name} {value!r} is not a price") from None
    if price <= 0:
        return None
    return price


def parse_ticket(body: Mapping[str, Any]) -> Ticket:
    """The single equity leg of ``body``, or a refusal naming what is not supported."""
    order_type = str(body.get("orderType", ""))
    if order_type != "EQ":
        raise refuse(f"orderType {order_type!r} is not supported (only single-leg EQ orders)")
    orders = body.get("Order")
    if not isinstance(orders, list) or len(orders) != 1 or not isinstance(orders[0], Mapping):
        raise refuse("multi-leg and multi-order requests are not supported")
    order = orders[0]
    legs = order.get("Instrument")
    if not isinstance(legs, list) or len(legs) != 1 or not isinstance(legs[0], Mapping):
        raise refuse("multi-leg orders are not supported")
    leg = legs[0]
    raw_product = leg.get("Product")
    product: Mapping[str, Any] = raw_product if isinstance(raw_product, Mapping) else {}
    if str(product.get("securityType", "")) != "EQ":
        raise refuse(
            f"securityType {product.get('securityType')!r} is not supported (equities only)"
        )
    action = str(leg.get("orderAction", ""))
    if action not in ACTIONS:
        raise refuse(f"orderAction {action!r} is not supported (BUY and SELL; margin is off)")
    if str(order.get("allOrNone", "false")).lower() == "true":
        raise refuse("all-or-none orders are not supported")
    price_type = str(order.get("priceType", ""))
    if price_type not in PRICE_TYPES:
        raise refuse(
            f"priceType {price_type!r} is not supported ({', '.join(sorted(PRICE_TYPES))})"
        )
    term = str(order.get("orderTerm", ""))
    if term not in TERMS:
        raise refuse(f"orderTerm {term!r} is not supported ({', '.join(sorted(TERMS))})")
    session = str(order.get("marketSession", "REGULAR"))
    if session != "REGULAR":
        raise refuse(f"marketSession {session!r} is not supported (REGULAR only)")
    try:
        quantity = Decimal(str(leg.get("quantity")))
    except InvalidOperation:
        raise refuse(f"quantity {leg.get('quantity')!r} is not a number") from None
    if quantity <= 0 or quantity != quantity.to_integral_value():
        raise refuse(f"quantity {quantity} must be a whole number of shares above 0")
    limit = _price(order.get("limitPrice"), "limitPrice")
    stop = _price(order.get("stopPrice"), "stopPrice")
    if price_type in ("LIMIT", "STOP_LIMIT") and limit is None:
        raise refuse(f"a {price_type} order needs a limitPrice")
    if price_type in ("STOP", "STOP_LIMIT") and stop is None:
        raise refuse(f"a {price_type} order needs a stopPrice")
    return Ticket(
        symbol=str(product.get("symbol", "")).upper(),
        action=action,
        quantity=quantity,
        price_type=price_type,
        limit_price=limit if price_type in ("LIMIT", "STOP_LIMIT") else None,
        stop_price=stop if price_type in ("STOP", "STOP_LIMIT") else None,
        term=term,
        session=session,
        client_order_id=str(body.get("clientOrderId", "")),
    )


def triggered(
    action: str, stop: Decimal, last: Decimal | None, bid: Decimal | None, ask: Decimal | None
) -> bool:
    """A buy stop triggers when the last trade (else the ask) reaches the stop from
    below; a sell stop when the last trade (else the bid) reaches it from above."""
    if action == "BUY":
        mark = last if last is not None else ask
        return mark is not None and mark >= stop
    mark = last if last is not None else bid
    return mark is not None and mark <= stop


def fill_price(
    action: str,
    price_type: str,
    limit: Decimal | None,
    *,
    is_triggered: bool,
    bid: Decimal | None,
    ask: Decimal | None,
) -> Decimal | None:
    """The price a quote fills the order at, or None (not marketable, no usable side)."""
    side = ask if action == "BUY" else bid
    if side is None or side <= 0:
        return None
    if price_type in ("STOP", "STOP_LIMIT") and not is_triggered:
        return None
    if price_type in ("MARKET", "STOP"):
        return side
    assert limit is not None
    if action == "BUY":
        return side if side <= limit else None
    return side if side >= limit else None


_CLOSE = dt.time(16, 0)


def day_order_close_ms(placed_ms: int) -> int:
    """When a GOOD_FOR_DAY order placed at ``placed_ms`` expires: 16:00 US Eastern of
    its trading day (the day it was placed, or the next weekday when placed after the
    close or at a weekend). Exchange holidays are not known here."""
    placed = dt.datetime.fromtimestamp(placed_ms / 1000, EASTERN)
    day = placed.date() + dt.timedelta(days=1 if placed.time() >= _CLOSE else 0)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return int(dt.datetime.combine(day, _CLOSE, EASTERN).timestamp() * 1000)

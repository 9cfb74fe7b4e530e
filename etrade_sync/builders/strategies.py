"""
etrade_sync.builders.strategies
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides ready-made multi-leg orders, each a :class:`SpreadOrder`:
:func:`vertical_spread`, :func:`straddle`, :func:`strangle`,
:func:`iron_condor`, :func:`butterfly`, :func:`buy_write` and :func:`roll`.

Each one checks the strike order and infers whether the structure is a net
debit or a net credit; a contradicting ``price_type`` is refused, so a credit
spread cannot be sent as a debit by mistake.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..checks import check_choice, to_price
from ..errors import ValidationError
from ..symbols import OptionSymbol
from .common import SPREAD_PRICE_TYPES
from .spreads import CONTRACT_SHARES, OptionLeg, SpreadOrder, StockLeg

__all__ = [
    "butterfly",
    "buy_write",
    "iron_condor",
    "roll",
    "straddle",
    "strangle",
    "vertical_spread",
]

Price = Decimal | int | float | str


def vertical_spread(
    underlier: str,
    expiry: dt.date,
    call_put: str,
    buy_strike: Price,
    sell_strike: Price,
    quantity: int,
    *,
    opening: bool = True,
    price_type: str | None = None,
    limit_price: Price | None = None,
    term: str = "GOOD_FOR_DAY",
    client_order_id: str | None = None,
) -> SpreadOrder:
    """Buy one strike and sell another of the same series (bull/bear call/put spread).

    Buying the more valuable option (the lower call, the higher put) is a debit.
    """
    buy = _contract(underlier, expiry, call_put, buy_strike, "buy_strike")
    sell = _contract(underlier, expiry, call_put, sell_strike, "sell_strike")
    if buy.strike == sell.strike:
        raise ValidationError("buy_strike and sell_strike must differ", field="sell_strike")
    debit = (buy.strike < sell.strike) == (buy.call_put == "CALL")
    legs = [
        OptionLeg(buy, _action("BUY", opening), quantity),
        OptionLeg(sell, _action("SELL", opening), quantity),
    ]
    return SpreadOrder(
        legs,
        price_type=_net(debit, price_type),
        limit_price=limit_price,
        term=term,
        client_order_id=client_order_id,
    )


def straddle(
    underlier: str,
    expiry: dt.date,
    strike: Price,
    quantity: int,
    *,
    side: str = "BUY",
    opening: bool = True,
    price_type: str | None = None,
    limit_price: Price | None = None,
    term: str = "GOOD_FOR_DAY",
    client_order_id: str | None = None,
) -> SpreadOrder:
    """A call and a put at the same strike, both bought (debit) or both sold (credit)."""
    price = _contract(underlier, expiry, "CALL", strike, "strike").strike
    return strangle(
        underlier,
        expiry,
        price,
        price,
        quantity,
        side=side,
        opening=opening,
        price_type=price_type,
        limit_price=limit_price,
        term=term,
        client_order_id=client_order_id,
    )


def strangle(
    underlier: str,
    expiry: dt.date,
    put_strike: Price,
    call_strike: Price,
    quantity: int,
    *,
    side: str = "BUY",
    opening: bool = True,
    price_type: str | None = None,
    limit_price: Price | None = None,
    term: str = "GOOD_FOR_DAY",
    client_order_id: str | None = None,
) -> SpreadOrder:
    """A put and a call (put strike at or below the call strike), bought or sold."""
    direction = check_choice(side, {"BUY", "SELL"}, field="side")
    put = _contract(underlier, expiry, "PUT", put_strike, "put_strike")
    call = _contract(underlier, expiry, "CALL", call_strike, "call_strike")
    if put.strike > call.strike:
        raise ValidationError("put_strike must not be above call_strike", field="put_strike")
    action = _action(direction, opening)
    return SpreadOrder(
        [OptionLeg(put, action, quantity), OptionLeg(call, action, quantity)],
        price_type=_net(direction == "BUY", price_type),
        limit_price=limit_price,
        term=term,
        client_order_id=client_order_id,
    )


def iron_condor(
    underlier: str,
    expiry: dt.date,
    lower_put: Price,
    upper_put: Price,
    lower_call: Price,
    upper_call: Price,
    quantity: int,
    *,
    side: str = "SELL",
    opening: bool = True,
    price_type: str | None = None,
    limit_price: Price | None = None,
    term: str = "GOOD_FOR_DAY",
    client_order_id: str | None = None,
) -> SpreadOrder:
    """Four strikes, low to high. ``side="SELL"`` (the usual, a credit) sells the inner
    put and call and buys the outer ones; ``side="BUY"`` does the opposite (a debit).
    """
    direction = check_choice(side, {"BUY", "SELL"}, field="side")
    names = ("lower_put", "upper_put", "lower_call", "upper_call")
    kinds = ("PUT", "PUT", "CALL", "CALL")
    values = (lower_put, upper_put, lower_call, upper_call)
    contracts = [
        _contract(underlier, expiry, kind, value, name)
        for kind, value, name in zip(kinds, values, names, strict=True)
    ]
    _increasing([c.strike for c in contracts], names)
    outer = "BUY" if direction == "SELL" else "SELL"
    actions = (outer, direction, direction, outer)
    legs = [
        OptionLeg(contract, _action(act, opening), quantity)
        for contract, act in zip(contracts, actions, strict=True)
    ]
    return SpreadOrder(
        legs,
        price_type=_net(direction == "BUY", price_type),
        limit_price=limit_price,
        term=term,
        strategy="IRON_CONDOR",
        client_order_id=client_order_id,
    )


def butterfly(
    underlier: str,
    expiry: dt.date,
    call_put: str,
    lower: Price,
    middle: Price,
    upper: Price,
    quantity: int,
    *,
    side: str = "BUY",
    opening: bool = True,
    price_type: str | None = None,
    limit_price: Price | None = None,
    term: str = "GOOD_FOR_DAY",
    client_order_id: str | None = None,
) -> SpreadOrder:
    """1 lower, 2 middle, 1 upper of one series. ``side="BUY"`` buys the wings and sells
    the body (a debit); ``side="SELL"`` does the opposite (a credit).
    """
    direction = check_choice(side, {"BUY", "SELL"}, field="side")
    names = ("lower", "middle", "upper")
    contracts = [
        _contract(underlier, expiry, call_put, value, name)
        for value, name in zip((lower, middle, upper), names, strict=True)
    ]
    _increasing([c.strike for c in contracts], names)
    body = "SELL" if direction == "BUY" else "BUY"
    legs = [
        OptionLeg(contracts[0], _action(direction, opening), quantity),
        OptionLeg(contracts[1], _action(body, opening), 2 * _whole(quantity)),
        OptionLeg(contracts[2], _action(direction, opening), quantity),
    ]
    return SpreadOrder(
        legs,
        price_type=_net(direction == "BUY", price_type),
        limit_price=limit_price,
        term=term,
        strategy="BUTTERFLY",
        client_order_id=client_order_id,
    )


def buy_write(
    symbol: str,
    expiry: dt.date,
    strike: Price,
    contracts: int,
    *,
    price_type: str | None = None,
    limit_price: Price | None = None,
    term: str = "GOOD_FOR_DAY",
    client_order_id: str | None = None,
) -> SpreadOrder:
    """Buy 100 shares per contract and sell that many covered calls (a net debit)."""
    call = _contract(symbol, expiry, "CALL", strike, "strike")
    count = _whole(contracts, field="contracts")
    legs: list[OptionLeg | StockLeg] = [
        StockLeg(symbol, "BUY", count * CONTRACT_SHARES),
        OptionLeg(call, "SELL_OPEN", count),
    ]
    return SpreadOrder(
        legs,
        price_type=_net(True, price_type),
        limit_price=limit_price,
        term=term,
        strategy="BUY_WRITES",
        client_order_id=client_order_id,
    )


def roll(
    close: OptionSymbol | str,
    open: OptionSymbol | str,
    quantity: int,
    *,
    side: str,
    price_type: str,
    limit_price: Price | None = None,
    term: str = "GOOD_FOR_DAY",
    client_order_id: str | None = None,
) -> SpreadOrder:
    """Close one contract and open another in one order.

    ``side="SELL"`` rolls a short position (buy ``close`` to close, sell ``open`` to
    open); ``side="BUY"`` rolls a long one. Whether that is a debit or a credit
    depends on prices, so ``price_type`` must be given.
    """
    direction = check_choice(side, {"BUY", "SELL"}, field="side")
    old = OptionSymbol.coerce(close, field="close")
    new = OptionSymbol.coerce(open, field="open")
    closing = "BUY_CLOSE" if direction == "SELL" else "SELL_CLOSE"
    opening = "SELL_OPEN" if direction == "SELL" else "BUY_OPEN"
    return SpreadOrder(
        [OptionLeg(old, closing, quantity), OptionLeg(new, opening, quantity)],
        price_type=price_type,
        limit_price=limit_price,
        term=term,
        client_order_id=client_order_id,
    )


def _action(direction: str, opening: bool) -> str:
    if not isinstance(opening, bool):
        raise ValidationError(f"opening must be True or False, got {opening!r}", field="opening")
    return f"{direction}_{'OPEN' if opening else 'CLOSE'}"


def _net(debit: bool, price_type: str | None) -> str:
    expected = "NET_DEBIT" if debit else "NET_CREDIT"
    if price_type is None:
        return expected
    kind = check_choice(price_type, SPREAD_PRICE_TYPES, field="price_type")
    if kind in {"NET_DEBIT", "NET_CREDIT"} and kind != expected:
        raise ValidationError(
            f"this structure is a {expected} order, not {kind}", field="price_type"
        )
    return kind


def _strike(value: Price, field: str) -> Decimal:
    price = to_price(value, field=field)
    if price is None:
        raise ValidationError(f"{field} is required", field=field)
    return price


def _contract(
    underlier: str, expiry: dt.date, call_put: str, strike: Price, field: str
) -> OptionSymbol:
    """An OptionSymbol whose strike errors name ``field`` (``buy_strike``, ...)."""
    try:
        return OptionSymbol(underlier, expiry, call_put, _strike(strike, field))
    except ValidationError as exc:
        if exc.field == "strike":
            raise ValidationError(str(exc).replace("strike", field, 1), field=field) from None
        raise


def _whole(value: int, *, field: str = "quantity") -> int:
    from .common import to_quantity

    return to_quantity(value, field=field, unit="contracts")


def _increasing(strikes: list[Decimal], names: tuple[str, ...]) -> None:
    for (low, low_name), (high, high_name) in zip(
        zip(strikes, names, strict=True), zip(strikes[1:], names[1:], strict=True), strict=False
    ):
        if not low < high:
            raise ValidationError(
                f"{low_name} ({low}) must be below {high_name} ({high})", field=high_name
            )

"""
etrade_sync.builders.spreads
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides multi-leg orders: :class:`SpreadOrder` made of
:class:`OptionLeg` and :class:`StockLeg` entries, priced as one net debit, net
credit or even amount. The usual strategies (verticals, straddles, strangles,
iron condors, butterflies, buy-writes, rolls) are ready-made in
:mod:`etrade_sync.builders.strategies`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..checks import check_choice
from ..errors import ValidationError
from ..symbols import OptionSymbol, check_equity_symbol
from .common import (
    EQUITY_ACTIONS,
    MAX_LEGS,
    OPTION_ACTIONS,
    SPREAD_ORDER_TYPES,
    SPREAD_PRICE_TYPES,
    OrderBuilder,
    check_flag,
    check_not_expired,
    client_order_id_or_new,
    instrument,
    order_body,
    order_fields,
    to_quantity,
    to_tick_price,
)

__all__ = ["OptionLeg", "SpreadOrder", "StockLeg"]

Price = Decimal | int | float | str

#: Shares one standard contract covers.
CONTRACT_SHARES = 100


@dataclass(frozen=True, init=False)
class OptionLeg:
    """One option leg: contract, action (BUY_OPEN, SELL_OPEN, ...), contracts."""

    symbol: OptionSymbol
    action: str
    quantity: int

    def __init__(self, symbol: OptionSymbol | str, action: str, quantity: int) -> None:
        object.__setattr__(self, "symbol", OptionSymbol.coerce(symbol, field="legs"))
        object.__setattr__(self, "action", check_choice(action, OPTION_ACTIONS, field="action"))
        object.__setattr__(self, "quantity", to_quantity(quantity, unit="contracts"))

    @property
    def underlier(self) -> str:
        return self.symbol.underlier

    @property
    def key(self) -> str:
        return self.symbol.etrade

    def to_instrument(self) -> dict[str, Any]:
        return instrument(self.symbol.to_product(), self.action, self.quantity)


@dataclass(frozen=True, init=False)
class StockLeg:
    """The stock leg of a buy-write: ticker, action (BUY, ...), shares."""

    symbol: str
    action: str
    quantity: int

    def __init__(self, symbol: str, action: str, quantity: int) -> None:
        object.__setattr__(self, "symbol", check_equity_symbol(symbol))
        object.__setattr__(self, "action", check_choice(action, EQUITY_ACTIONS, field="action"))
        object.__setattr__(self, "quantity", to_quantity(quantity))

    @property
    def underlier(self) -> str:
        return self.symbol

    @property
    def key(self) -> str:
        return self.symbol

    def to_instrument(self) -> dict[str, Any]:
        return instrument({"securityType": "EQ", "symbol": self.symbol}, self.action, self.quantity)


Leg = OptionLeg | StockLeg


@dataclass(frozen=True, init=False)
class SpreadOrder(OrderBuilder):
    """A multi-leg order of 2 to 4 legs on one underlier, at one net price.

    ``price_type`` is NET_DEBIT or NET_CREDIT (both need ``limit_price``, the net
    amount per spread), NET_EVEN or MARKET. ``order_type`` defaults to SPREADS, or
    BUY_WRITES when a stock leg is present; give IRON_CONDOR, BUTTERFLY, ... to
    name the strategy. Multi-leg orders are day or good-until-cancel orders in the
    regular session.
    """

    legs: tuple[Leg, ...]
    price_type: str
    limit_price: Decimal | None
    term: str
    session: str
    all_or_none: bool
    strategy: str
    client_order_id: str

    def __init__(
        self,
        legs: Sequence[Leg],
        *,
        price_type: str = "NET_DEBIT",
        limit_price: Price | None = None,
        term: str = "GOOD_FOR_DAY",
        session: str = "REGULAR",
        all_or_none: bool = False,
        strategy: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        checked = _check_legs(legs)
        kind = check_choice(price_type, SPREAD_PRICE_TYPES, field="price_type")
        limit = to_tick_price(limit_price, field="limit_price", sub_penny=False)
        if kind in {"NET_DEBIT", "NET_CREDIT"} and limit is None:
            raise ValidationError(
                f"a {kind} order needs limit_price (the net amount per spread)",
                field="limit_price",
            )
        if kind in {"NET_EVEN", "MARKET"} and limit is not None:
            raise ValidationError(f"a {kind} order takes no limit_price", field="limit_price")
        order_term = check_choice(term, {"GOOD_FOR_DAY", "GOOD_UNTIL_CANCEL"}, field="term")
        if check_choice(session, {"REGULAR", "EXTENDED"}, field="session") != "REGULAR":
            raise ValidationError(
                "multi-leg orders trade in the REGULAR session only", field="session"
            )
        stock = [leg for leg in checked if isinstance(leg, StockLeg)]
        default = "BUY_WRITES" if stock else "SPREADS"
        name = (
            default
            if strategy is None
            else check_choice(strategy, SPREAD_ORDER_TYPES, field="strategy")
        )
        _check_stock_legs(checked, stock, name)
        values = {
            "legs": checked,
            "price_type": kind,
            "limit_price": limit,
            "term": order_term,
            "session": "REGULAR",
            "all_or_none": check_flag(all_or_none, field="all_or_none"),
            "strategy": name,
            "client_order_id": client_order_id_or_new(client_order_id),
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    @property
    def order_type(self) -> str:
        return self.strategy

    @property
    def underlier(self) -> str:
        return self.legs[0].underlier

    def to_request(self) -> dict[str, Any]:
        order = order_fields(
            self.price_type, self.term, self.session, self.all_or_none, limit=self.limit_price
        )
        order["Instrument"] = [leg.to_instrument() for leg in self.legs]
        return order_body(self.order_type, self.client_order_id, [order])


def _check_legs(legs: Sequence[Leg]) -> tuple[Leg, ...]:
    if not isinstance(legs, list | tuple):
        raise ValidationError("legs must be a list of OptionLeg/StockLeg", field="legs")
    checked = tuple(legs)
    if not 2 <= len(checked) <= MAX_LEGS:
        raise ValidationError(
            f"a multi-leg order has 2 to {MAX_LEGS} legs, got {len(checked)}", field="legs"
        )
    for leg in checked:
        if not isinstance(leg, OptionLeg | StockLeg):
            raise ValidationError(f"not an OptionLeg or StockLeg: {leg!r}", field="legs")
        if isinstance(leg, OptionLeg):
            check_not_expired(leg.symbol.expiry)
    underliers = sorted({leg.underlier for leg in checked})
    if len(underliers) > 1:
        raise ValidationError(
            f"all legs must be on one underlier, got {', '.join(underliers)}", field="legs"
        )
    keys = [leg.key for leg in checked]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValidationError(f"the same contract appears twice: {duplicates[0]}", field="legs")
    return checked


def _check_stock_legs(legs: tuple[Leg, ...], stock: list[StockLeg], strategy: str) -> None:
    if not stock:
        if strategy == "BUY_WRITES":
            raise ValidationError("a BUY_WRITES order needs a stock leg", field="strategy")
        return
    options = [leg for leg in legs if isinstance(leg, OptionLeg)]
    if strategy != "BUY_WRITES" or len(stock) != 1 or len(options) != 1:
        raise ValidationError(
            "a stock leg is only allowed in a buy-write: one BUY stock leg and one SELL_OPEN call",
            field="legs",
        )
    share, call = stock[0], options[0]
    if share.action != "BUY" or call.action != "SELL_OPEN" or call.symbol.call_put != "CALL":
        raise ValidationError("a buy-write buys the stock and sells calls to open", field="legs")
    if share.quantity < call.quantity * CONTRACT_SHARES:
        raise ValidationError(
            f"{call.quantity} calls need at least {call.quantity * CONTRACT_SHARES} shares "
            f"to be covered, got {share.quantity}",
            field="quantity",
        )

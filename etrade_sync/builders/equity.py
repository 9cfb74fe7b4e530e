"""
etrade_sync.builders.equity
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`EquityOrder`, a stock order (market, limit, stop,
stop-limit or market-on-close) checked before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..checks import check_choice
from ..errors import ValidationError
from ..symbols import check_equity_symbol
from .common import (
    EQUITY_ACTIONS,
    EQUITY_PRICE_TYPES,
    MARKET_SESSIONS,
    ORDER_TERMS,
    SingleLegOrder,
    check_flag,
    check_single_leg,
    client_order_id_or_new,
    to_quantity,
    to_tick_price,
)

__all__ = ["EquityOrder"]

Price = Decimal | int | float | str


@dataclass(frozen=True, init=False)
class EquityOrder(SingleLegOrder):
    """A stock order.

    ::

        order = EquityOrder("AAPL", "BUY", 10, price_type="LIMIT", limit_price="187.50")
        preview = client.orders.preview(account_id_key, order)
        placed = client.orders.place(account_id_key, preview)

    ``action`` is BUY, SELL, BUY_TO_COVER or SELL_SHORT; ``price_type`` MARKET,
    LIMIT, STOP, STOP_LIMIT or MARKET_ON_CLOSE; ``term`` GOOD_FOR_DAY,
    GOOD_UNTIL_CANCEL, IMMEDIATE_OR_CANCEL or FILL_OR_KILL (those two with LIMIT
    only); ``session`` REGULAR or EXTENDED (extended hours take day limit orders
    only). Prices are kept as ``Decimal``. A ``clientOrderId`` is generated unless
    given; keep the builder to find the order again after a lost answer.
    """

    symbol: str

    def __init__(
        self,
        symbol: str,
        action: str,
        quantity: int,
        *,
        price_type: str = "MARKET",
        limit_price: Price | None = None,
        stop_price: Price | None = None,
        term: str = "GOOD_FOR_DAY",
        session: str = "REGULAR",
        all_or_none: bool = False,
        client_order_id: str | None = None,
    ) -> None:
        kind = check_choice(price_type, EQUITY_PRICE_TYPES, field="price_type")
        limit = to_tick_price(limit_price, field="limit_price", sub_penny=True)
        stop = to_tick_price(stop_price, field="stop_price", sub_penny=True)
        order_term = check_choice(term, ORDER_TERMS, field="term")
        market_session = check_choice(session, MARKET_SESSIONS, field="session")
        values = {
            "symbol": check_equity_symbol(symbol),
            "action": check_choice(action, EQUITY_ACTIONS, field="action"),
            "quantity": to_quantity(quantity),
            "price_type": kind,
            "limit_price": limit,
            "stop_price": stop,
            "term": order_term,
            "session": market_session,
            "all_or_none": check_flag(all_or_none, field="all_or_none"),
            "client_order_id": client_order_id_or_new(client_order_id),
        }
        check_single_leg(kind, order_term, limit, stop)
        if market_session == "EXTENDED" and (kind != "LIMIT" or order_term != "GOOD_FOR_DAY"):
            raise ValidationError(
                "extended-hours orders must be LIMIT orders with term GOOD_FOR_DAY",
                field="session",
            )
        if kind == "MARKET_ON_CLOSE" and order_term != "GOOD_FOR_DAY":
            raise ValidationError("MARKET_ON_CLOSE orders are day orders", field="term")
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def order_type(self) -> str:
        return "EQ"

    def _product(self) -> dict[str, Any]:
        return {"securityType": "EQ", "symbol": self.symbol}

"""
etrade_sync.builders.options
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`OptionOrder`, a single-leg option order (buy or
sell to open or close one contract series).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..checks import check_choice
from ..errors import ValidationError
from ..symbols import OptionSymbol
from .common import (
    OPTION_ACTIONS,
    OPTION_PRICE_TYPES,
    ORDER_TERMS,
    SingleLegOrder,
    check_flag,
    check_not_expired,
    check_single_leg,
    client_order_id_or_new,
    to_quantity,
    to_tick_price,
)

__all__ = ["OptionOrder"]

Price = Decimal | int | float | str


@dataclass(frozen=True, init=False)
class OptionOrder(SingleLegOrder):
    """A single-leg option order.

    ::

        contract = OptionSymbol.parse("IBM   250117C00200000")
        order = OptionOrder(contract, "BUY_OPEN", 2, price_type="LIMIT", limit_price="3.10")

    ``symbol`` is an :class:`OptionSymbol` or any spelling it parses; ``action``
    is BUY_OPEN, SELL_OPEN, BUY_CLOSE or SELL_CLOSE; ``quantity`` is contracts.
    Premiums have at most 2 decimals. Options trade in the regular session only.
    """

    symbol: OptionSymbol

    def __init__(
        self,
        symbol: OptionSymbol | str,
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
        contract = OptionSymbol.coerce(symbol)
        check_not_expired(contract.expiry)
        kind = check_choice(price_type, OPTION_PRICE_TYPES, field="price_type")
        limit = to_tick_price(limit_price, field="limit_price", sub_penny=False)
        stop = to_tick_price(stop_price, field="stop_price", sub_penny=False)
        order_term = check_choice(term, ORDER_TERMS, field="term")
        if check_choice(session, {"REGULAR", "EXTENDED"}, field="session") != "REGULAR":
            raise ValidationError("options trade in the REGULAR session only", field="session")
        values = {
            "symbol": contract,
            "action": check_choice(action, OPTION_ACTIONS, field="action"),
            "quantity": to_quantity(quantity, unit="contracts"),
            "price_type": kind,
            "limit_price": limit,
            "stop_price": stop,
            "term": order_term,
            "session": "REGULAR",
            "all_or_none": check_flag(all_or_none, field="all_or_none"),
            "client_order_id": client_order_id_or_new(client_order_id),
        }
        check_single_leg(kind, order_term, limit, stop)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def order_type(self) -> str:
        return "OPTN"

    def _product(self) -> dict[str, Any]:
        return self.symbol.to_product()

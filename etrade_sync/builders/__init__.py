"""
etrade_sync.builders
~~~~~~~~~~~~~~~~~~~~

This package provides the order builders: immutable values that check an order
before anything is sent and produce E*TRADE's request body with
``to_request()``. Pass any of them to ``client.orders.preview``.

- :class:`EquityOrder`: stocks (market, limit, stop, stop-limit, market-on-close)
- :class:`OptionOrder` and :class:`OptionSymbol`: one option contract
- :class:`SpreadOrder` of :class:`OptionLeg`/:class:`StockLeg`: multi-leg orders,
  with :func:`vertical_spread`, :func:`straddle`, :func:`strangle`,
  :func:`iron_condor`, :func:`butterfly`, :func:`buy_write` and :func:`roll`
"""

from __future__ import annotations

from ..symbols import OptionSymbol
from .common import OrderBuilder, OrderRequest, new_client_order_id
from .equity import EquityOrder
from .options import OptionOrder
from .spreads import OptionLeg, SpreadOrder, StockLeg
from .strategies import butterfly, buy_write, iron_condor, roll, straddle, strangle, vertical_spread

__all__ = [
    "EquityOrder",
    "OptionLeg",
    "OptionOrder",
    "OptionSymbol",
    "OrderBuilder",
    "OrderRequest",
    "SpreadOrder",
    "StockLeg",
    "butterfly",
    "buy_write",
    "iron_condor",
    "new_client_order_id",
    "roll",
    "straddle",
    "strangle",
    "vertical_spread",
]

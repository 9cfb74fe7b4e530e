"""
etrade_sync.models
~~~~~~~~~~~~~~~~~~

This package provides the typed results: frozen dataclasses with ``Decimal``
money, aware datetimes, enum-like strings that keep unknown values (each module
lists the known ones in frozensets), and the original payload as ``.raw``.
"""

from __future__ import annotations

from .accounts import Account, Balance
from .alerts import Alert, AlertDeleteResult, AlertDetail
from .common import Message, Product
from .market import ExtendedHoursQuote, LookupResult, Quote, QuoteMessage
from .options import OptionChain, OptionExpiration, OptionGreeks, OptionPair, OptionQuote
from .orders import (
    CancelResult,
    Order,
    OrderDetail,
    OrderInstrument,
    PlacedOrder,
    Preview,
)
from .portfolio import Portfolio, PortfolioTotals, Position, PositionLot
from .transactions import Transaction, TransactionDetail

__all__ = [
    "Account",
    "Alert",
    "AlertDeleteResult",
    "AlertDetail",
    "Balance",
    "CancelResult",
    "ExtendedHoursQuote",
    "LookupResult",
    "Message",
    "OptionChain",
    "OptionExpiration",
    "OptionGreeks",
    "OptionPair",
    "OptionQuote",
    "Order",
    "OrderDetail",
    "OrderInstrument",
    "PlacedOrder",
    "Portfolio",
    "PortfolioTotals",
    "Position",
    "PositionLot",
    "Preview",
    "Product",
    "Quote",
    "QuoteMessage",
    "Transaction",
    "TransactionDetail",
]

"""
etrade_sync.paper
~~~~~~~~~~~~~~~~~

Paper trading on live quotes (``environment="paper"``): market reads go to E*TRADE,
accounts, orders and alerts are answered by a local :class:`PaperBroker` whose book
lives in SQLite (:class:`PaperStore`). The paper client's order group is wired to
the broker and never receives a transport, so no order request can reach E*TRADE.
"""

from __future__ import annotations

from .broker import PaperBroker
from .mode import Fill, FillList, GroupParts, MarketOnlyTransport, PaperTrading, QuoteTap
from .store import PaperStore

__all__ = [
    "Fill",
    "FillList",
    "GroupParts",
    "MarketOnlyTransport",
    "PaperBroker",
    "PaperStore",
    "PaperTrading",
    "QuoteTap",
]

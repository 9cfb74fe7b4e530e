"""
etrade_sync.orders
~~~~~~~~~~~~~~~~~~

The order path, with one owner: the journal that guards every place, change and
cancel (:mod:`.journal`, :mod:`.sqlite_journal`), the sender that journals, sends
once, parses once and records the outcome (:mod:`.submit`), and the resolver that
answers "placed", "not placed" or "still unknown" after an unknown outcome
(:mod:`.resolve`). ``client.orders`` delegates its order mutations here.
"""

from __future__ import annotations

from .journal import Evidence, JournalEntry, JournalEvent, JournalStore, Scope, Status
from .location import api_host, open_journal
from .resolve import OrderReader, Resolver, order_signature
from .sqlite_journal import OrderJournal, SQLiteJournal
from .submit import OrderCall, OrderSender, intent_key, outcome_unknown

__all__ = [
    "Evidence",
    "JournalEntry",
    "JournalEvent",
    "JournalStore",
    "OrderCall",
    "OrderJournal",
    "OrderReader",
    "OrderSender",
    "Resolver",
    "SQLiteJournal",
    "Scope",
    "Status",
    "api_host",
    "intent_key",
    "open_journal",
    "order_signature",
    "outcome_unknown",
]

"""
etrade_sync.models
~~~~~~~~~~~~~~~~~~

This package provides the typed results: dataclasses with ``Decimal`` money,
aware datetimes, enum-like strings that keep unknown values, and the original
payload as ``.raw``.
"""

from __future__ import annotations

from .accounts import Account
from .market import Quote, QuoteMessage

__all__ = ["Account", "Quote", "QuoteMessage"]

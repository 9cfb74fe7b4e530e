"""
etrade_sync.models.market
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the market-data models: :class:`Quote` and
:class:`QuoteMessage` (why a symbol got no quote).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import Model, dig, to_bool, to_datetime, to_decimal, to_int, to_str

__all__ = ["DETAIL_BLOCKS", "Quote", "QuoteMessage"]

#: detailFlag -> the key of the block E*TRADE answers with.
DETAIL_BLOCKS = {
    "ALL": "All",
    "FUNDAMENTAL": "Fundamental",
    "INTRADAY": "Intraday",
    "OPTIONS": "Option",
    "WEEK_52": "Week52",
    "MF_DETAIL": "MutualFund",
}


@dataclasses.dataclass(frozen=True)
class QuoteMessage(Model):
    """A message E*TRADE attached to a quote answer (e.g. an invalid symbol)."""

    code: int | None
    description: str
    type: str | None
    symbol: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> QuoteMessage:
        text = to_str(data.get("description")) or ""
        first = text.split(" ", 1)[0] if " is " in text else None
        return cls(
            code=to_int(data.get("code")),
            description=text,
            type=to_str(data.get("type")),
            symbol=first,
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class Quote(Model):
    """A quote for one symbol. Prices are ``Decimal``; the detail block is ``detail``."""

    symbol: str
    security_type: str | None
    status: str | None
    as_of: datetime | None
    last: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    bid_size: int | None = None
    ask_size: int | None = None
    change: Decimal | None = None
    change_pct: Decimal | None = None
    volume: int | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    previous_close: Decimal | None = None
    high_52: Decimal | None = None
    low_52: Decimal | None = None
    company_name: str | None = None
    after_hours: bool | None = None
    detail_type: str | None = None
    detail: Mapping[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Quote:
        block_key = next((k for k in DETAIL_BLOCKS.values() if isinstance(data.get(k), dict)), None)
        block: Mapping[str, Any] = data.get(block_key, {}) if block_key else {}
        return cls(
            symbol=to_str(dig(data, "Product", "symbol")) or "",
            security_type=to_str(dig(data, "Product", "securityType")),
            status=to_str(data.get("quoteStatus")),
            as_of=to_datetime(data.get("dateTimeUTC")) or to_datetime(data.get("dateTime")),
            last=to_decimal(block.get("lastTrade")),
            bid=to_decimal(block.get("bid")),
            ask=to_decimal(block.get("ask")),
            bid_size=to_int(block.get("bidSize")),
            ask_size=to_int(block.get("askSize")),
            change=to_decimal(block.get("changeClose")),
            change_pct=to_decimal(block.get("changeClosePercentage")),
            volume=to_int(block.get("totalVolume")),
            open=to_decimal(block.get("open")),
            high=to_decimal(block.get("high")),
            low=to_decimal(block.get("low")),
            previous_close=to_decimal(block.get("previousClose")),
            high_52=to_decimal(block.get("high52")),
            low_52=to_decimal(block.get("low52")),
            company_name=to_str(block.get("companyName")),
            after_hours=to_bool(data.get("ahFlag")),
            detail_type=block_key,
            detail=block,
            raw=data,
        )

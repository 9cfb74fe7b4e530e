"""
etrade_sync.models.market
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the market-data models: :class:`Quote` (with the fields of
every detail block), :class:`ExtendedHoursQuote`, :class:`QuoteMessage` (why a
symbol got no quote) and :class:`LookupResult`. Option chains are in
:mod:`~etrade_sync.models.options`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .base import Model, to_bool, to_datetime, to_decimal, to_int, to_str
from .common import Message, Product, to_date
from .options import OptionGreeks

__all__ = [
    "DETAIL_BLOCKS",
    "QUOTE_STATUSES",
    "ExtendedHoursQuote",
    "LookupResult",
    "Quote",
    "QuoteMessage",
]

#: detailFlag -> the key of the block E*TRADE answers with.
DETAIL_BLOCKS = {
    "ALL": "All",
    "FUNDAMENTAL": "Fundamental",
    "INTRADAY": "Intraday",
    "OPTIONS": "Option",
    "WEEK_52": "Week52",
    "MF_DETAIL": "MutualFund",
}

#: ``quoteStatus`` values E*TRADE documents.
QUOTE_STATUSES = frozenset(
    {"REALTIME", "DELAYED", "CLOSING", "EH_REALTIME", "EH_BEFORE_OPEN", "EH_CLOSED"}
)


@dataclasses.dataclass(frozen=True)
class QuoteMessage(Message):
    """A message E*TRADE attached to a quote answer (e.g. an invalid symbol)."""

    symbol: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> QuoteMessage:
        text = to_str(data.get("description")) or ""
        first = text.split(" ", 1)[0] if " is " in text else None
        return cls(
            code=to_int(data.get("code")),
            description=text,
            type=to_str(data.get("type")),
            symbol=first.upper() if first else None,
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class LookupResult(Model):
    """A match of ``client.market.lookup``: symbol, description, type (EQUITY, ...)."""

    symbol: str
    description: str | None = None
    type: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> LookupResult:
        return cls(
            symbol=to_str(data.get("symbol")) or "",
            description=to_str(data.get("description")),
            type=to_str(data.get("type")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class ExtendedHoursQuote(Model):
    """Pre- and after-market figures (``ExtendedHourQuoteDetail``)."""

    last: Decimal | None = None
    change: Decimal | None = None
    change_pct: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    bid_size: int | None = None
    ask_size: int | None = None
    volume: int | None = None
    last_trade_time: dt.datetime | None = None
    status: str | None = None

    @classmethod
    def from_api(cls, data: Any) -> ExtendedHoursQuote | None:
        if not isinstance(data, Mapping) or not data:
            return None
        return cls(
            last=to_decimal(data.get("lastPrice")),
            change=to_decimal(data.get("change")),
            change_pct=to_decimal(data.get("percentChange")),
            bid=to_decimal(data.get("bid")),
            ask=to_decimal(data.get("ask")),
            bid_size=to_int(data.get("bidSize")),
            ask_size=to_int(data.get("askSize")),
            volume=to_int(data.get("volume")),
            last_trade_time=to_datetime(data.get("timeOfLastTrade")),
            status=to_str(data.get("quoteStatus")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class Quote(Model):
    """A quote for one symbol. Prices are ``Decimal``; fields a detail block lacks are None.

    ``detail`` is the detail block as sent (``All``, ``Fundamental``, ``Intraday``,
    ``Option``, ``Week52`` or ``MutualFund``, named by ``detail_type``).
    """

    symbol: str
    security_type: str | None
    status: str | None
    as_of: dt.datetime | None
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
    # All / Fundamental / Week52
    description: str | None = None
    exchange: str | None = None
    last_trade_time: dt.datetime | None = None
    market_cap: Decimal | None = None
    shares_outstanding: int | None = None
    pe: Decimal | None = None
    eps: Decimal | None = None
    estimated_earnings: Decimal | None = None
    dividend: Decimal | None = None
    annual_dividend: Decimal | None = None
    dividend_yield: Decimal | None = None
    ex_dividend_date: dt.date | None = None
    next_earning_date: dt.date | None = None
    beta: Decimal | None = None
    average_volume: int | None = None
    previous_day_volume: int | None = None
    high_52_date: dt.date | None = None
    low_52_date: dt.date | None = None
    perf_12_months: Decimal | None = None
    extended_hours: ExtendedHoursQuote | None = None
    # Option
    product: Product | None = None
    open_interest: int | None = None
    days_to_expiration: int | None = None
    intrinsic_value: Decimal | None = None
    time_premium: Decimal | None = None
    option_multiplier: Decimal | None = None
    osi_key: str | None = None
    greeks: OptionGreeks | None = None
    # MutualFund
    net_asset_value: Decimal | None = None
    public_offer_price: Decimal | None = None
    fund_name: str | None = None
    fund_family: str | None = None
    net_expense_ratio: Decimal | None = None
    gross_expense_ratio: Decimal | None = None
    has_mini_options: bool | None = None

    @property
    def key(self) -> str:
        """The symbol as requested: E*TRADE's option symbol for options, else the ticker."""
        if self.product is not None and self.product.option_symbol:
            return self.product.option_symbol
        return self.symbol

    @property
    def mid(self) -> Decimal | None:
        """The bid/ask midpoint, when both are positive."""
        if self.bid is None or self.ask is None or self.bid <= 0 or self.ask <= 0:
            return None
        return (self.bid + self.ask) / 2

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Quote:
        block_key = next(
            (k for k in DETAIL_BLOCKS.values() if isinstance(data.get(k), Mapping)), None
        )
        b: Mapping[str, Any] = data.get(block_key, {}) if block_key else {}
        product = Product.from_api(data.get("Product"))
        return cls(
            symbol=product.symbol,
            security_type=product.security_type,
            status=to_str(data.get("quoteStatus")),
            as_of=to_datetime(data.get("dateTimeUTC")) or to_datetime(data.get("dateTime")),
            last=to_decimal(b.get("lastTrade")),
            bid=to_decimal(b.get("bid")),
            ask=to_decimal(b.get("ask")),
            bid_size=to_int(b.get("bidSize")),
            ask_size=to_int(b.get("askSize")),
            change=to_decimal(b.get("changeClose")),
            change_pct=to_decimal(b.get("changeClosePercentage")),
            volume=to_int(b.get("totalVolume")),
            open=to_decimal(b.get("open")),
            high=to_decimal(b.get("high")),
            low=to_decimal(b.get("low")),
            previous_close=to_decimal(b.get("previousClose")),
            high_52=to_decimal(b.get("high52")),
            low_52=to_decimal(b.get("low52")),
            company_name=to_str(b.get("companyName")),
            after_hours=to_bool(data.get("ahFlag")),
            detail_type=block_key,
            detail=b,
            description=to_str(b.get("symbolDescription")),
            exchange=to_str(b.get("primaryExchange")),
            last_trade_time=to_datetime(b.get("timeOfLastTrade")),
            market_cap=to_decimal(b.get("marketCap")),
            shares_outstanding=to_int(b.get("sharesOutstanding")),
            pe=to_decimal(b.get("pe")),
            eps=to_decimal(b.get("eps")),
            estimated_earnings=to_decimal(b.get("estEarnings")),
            dividend=to_decimal(b.get("dividend")),
            annual_dividend=to_decimal(b.get("annualDividend")),
            dividend_yield=to_decimal(b.get("yield")),
            ex_dividend_date=to_date(b.get("exDividendDate")),
            next_earning_date=to_date(b.get("nextEarningDate") or None),
            beta=to_decimal(b.get("beta")),
            average_volume=to_int(b.get("averageVolume")),
            previous_day_volume=to_int(b.get("previousDayVolume")),
            high_52_date=to_date(b.get("week52HiDate")),
            low_52_date=to_date(b.get("week52LowDate")),
            perf_12_months=to_decimal(b.get("perf12Months")),
            extended_hours=ExtendedHoursQuote.from_api(b.get("ExtendedHourQuoteDetail")),
            product=product if product.is_option else None,
            open_interest=to_int(b.get("openInterest")),
            days_to_expiration=to_int(b.get("daysToExpiration")),
            intrinsic_value=to_decimal(b.get("intrinsicValue")),
            time_premium=to_decimal(b.get("timePremium")),
            option_multiplier=to_decimal(b.get("optionMultiplier")),
            osi_key=to_str(b.get("osiKey")),
            greeks=OptionGreeks.from_api(b.get("OptionGreeks")),
            net_asset_value=to_decimal(b.get("netAssetValue")),
            public_offer_price=to_decimal(b.get("publicOfferPrice")),
            fund_name=to_str(b.get("fundName")),
            fund_family=to_str(b.get("fundFamily")),
            net_expense_ratio=to_decimal(b.get("netExpenseRatio")),
            gross_expense_ratio=to_decimal(b.get("grossExpenseRatio")),
            has_mini_options=to_bool(data.get("hasMiniOptions")),
            raw=data,
        )

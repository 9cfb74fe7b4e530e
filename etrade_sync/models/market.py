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
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .base import DecimalView, Model, to_bool, to_datetime, to_decimal, to_int, to_str
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


def _block(raw: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
    """(name, block) of the detail block in a QuoteData row; ``(None, {})`` if none."""
    for name in DETAIL_BLOCKS.values():
        block = raw.get(name)
        if isinstance(block, Mapping):
            return name, block
    return None, {}


def _product(raw: Mapping[str, Any]) -> Product:
    return Product.from_api(raw.get("Product"))


def _option_product(raw: Mapping[str, Any]) -> Product | None:
    data = raw.get("Product")
    if not isinstance(data, Mapping):
        return None
    if data.get("callPut") is None and str(data.get("securityType") or "").upper() != "OPTN":
        return None  # an equity or fund: no need to parse the product
    product = Product.from_api(data)
    return product if product.is_option else None


def _on_block(key: str, convert: Callable[[Any], Any]) -> Callable[[Mapping[str, Any]], Any]:
    def read(raw: Mapping[str, Any]) -> Any:
        return convert(_block(raw)[1].get(key))

    return read


def _on_row(key: str, convert: Callable[[Any], Any]) -> Callable[[Mapping[str, Any]], Any]:
    def read(raw: Mapping[str, Any]) -> Any:
        return convert(raw.get(key))

    return read


#: Quote field -> how to read it from the QuoteData row. A field is read the first time
#: it is used, then kept: a quote costs nothing for the fields nobody reads.
_READERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "symbol": lambda raw: _product(raw).symbol,
    "security_type": lambda raw: _product(raw).security_type,
    "status": _on_row("quoteStatus", to_str),
    "as_of": lambda raw: to_datetime(raw.get("dateTimeUTC")) or to_datetime(raw.get("dateTime")),
    "after_hours": _on_row("ahFlag", to_bool),
    "has_mini_options": _on_row("hasMiniOptions", to_bool),
    "detail_type": lambda raw: _block(raw)[0],
    "detail": lambda raw: DecimalView(_block(raw)[1]),
    "product": _option_product,
    "next_earning_date": _on_block("nextEarningDate", lambda v: to_date(v or None)),
    "extended_hours": _on_block("ExtendedHourQuoteDetail", ExtendedHoursQuote.from_api),
    "greeks": _on_block("OptionGreeks", OptionGreeks.from_api),
}
for _convert, _pairs in (
    (
        to_decimal,
        "last=lastTrade bid=bid ask=ask change=changeClose change_pct=changeClosePercentage "
        "open=open high=high low=low previous_close=previousClose high_52=high52 low_52=low52 "
        "market_cap=marketCap pe=pe eps=eps estimated_earnings=estEarnings dividend=dividend "
        "annual_dividend=annualDividend dividend_yield=yield beta=beta "
        "perf_12_months=perf12Months intrinsic_value=intrinsicValue time_premium=timePremium "
        "option_multiplier=optionMultiplier net_asset_value=netAssetValue "
        "public_offer_price=publicOfferPrice net_expense_ratio=netExpenseRatio "
        "gross_expense_ratio=grossExpenseRatio",
    ),
    (
        to_int,
        "bid_size=bidSize ask_size=askSize volume=totalVolume "
        "shares_outstanding=sharesOutstanding average_volume=averageVolume "
        "previous_day_volume=previousDayVolume open_interest=openInterest "
        "days_to_expiration=daysToExpiration",
    ),
    (
        to_str,
        "company_name=companyName description=symbolDescription exchange=primaryExchange "
        "osi_key=osiKey fund_name=fundName fund_family=fundFamily",
    ),
    (to_datetime, "last_trade_time=timeOfLastTrade"),
    (
        to_date,
        "ex_dividend_date=exDividendDate high_52_date=week52HiDate low_52_date=week52LowDate",
    ),
):
    for _pair in _pairs.split():
        _field, _key = _pair.split("=")
        _READERS[_field] = _on_block(_key, _convert)


@dataclasses.dataclass(frozen=True, slots=True)
class Quote(Model):
    """A quote for one symbol. Prices are ``Decimal``; fields a detail block lacks are None.

    ``detail`` is the detail block as sent (``All``, ``Fundamental``, ``Intraday``,
    ``Option``, ``Week52`` or ``MutualFund``, named by ``detail_type``), read-only,
    with every non-integer number as a ``Decimal``.

    :meth:`from_api` keeps only the row (``raw``); each field is converted the first
    time it is read, so a cache full of quotes holds little beyond E*TRADE's answer.
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

    def __getattr__(self, name: str) -> Any:
        # Only reached for a field not read yet (an unset slot): convert it from raw.
        reader = _READERS.get(name)
        if reader is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = reader(self.raw)
        object.__setattr__(self, name, value)
        return value

    @property
    def key(self) -> str:
        """The symbol as requested: E*TRADE's option symbol for options, else the ticker."""
        product = self.product
        if product is not None and product.option_symbol:
            return product.option_symbol
        return self.symbol

    @property
    def mid(self) -> Decimal | None:
        """The bid/ask midpoint, when both are positive."""
        if self.bid is None or self.ask is None or self.bid <= 0 or self.ask <= 0:
            return None
        return (self.bid + self.ask) / 2

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Quote:
        quote: Quote = object.__new__(cls)
        object.__setattr__(quote, "raw", data)
        return quote

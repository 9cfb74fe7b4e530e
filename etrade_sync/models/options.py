"""
etrade_sync.models.options
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the option-market models: :class:`OptionChain` (pairs of
call and put :class:`OptionQuote`), :class:`OptionGreeks` and
:class:`OptionExpiration`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .base import Model, as_list, dig, to_bool, to_datetime, to_decimal, to_int, to_str
from .common import ymd

if TYPE_CHECKING:
    from ..symbols import OptionSymbol

__all__ = [
    "EXPIRY_TYPES",
    "OPTION_CATEGORIES",
    "OptionChain",
    "OptionExpiration",
    "OptionGreeks",
    "OptionPair",
    "OptionQuote",
]

#: ``expiryType`` values E*TRADE documents for option expirations.
EXPIRY_TYPES = frozenset(
    {"UNSPECIFIED", "DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "VIX", "ALL", "MONTHEND"}
)

#: ``optionCategory`` values E*TRADE documents.
OPTION_CATEGORIES = frozenset({"STANDARD", "ALL", "MINI"})


@dataclasses.dataclass(frozen=True)
class OptionGreeks(Model):
    """Greeks and implied volatility (``iv`` as a fraction: 0.31 is 31 %)."""

    delta: Decimal | None = None
    gamma: Decimal | None = None
    theta: Decimal | None = None
    vega: Decimal | None = None
    rho: Decimal | None = None
    iv: Decimal | None = None
    current: bool | None = None

    @classmethod
    def from_api(cls, data: Any) -> OptionGreeks | None:
        if not isinstance(data, Mapping) or not data:
            return None
        return cls(
            delta=to_decimal(data.get("delta")),
            gamma=to_decimal(data.get("gamma")),
            theta=to_decimal(data.get("theta")),
            vega=to_decimal(data.get("vega")),
            rho=to_decimal(data.get("rho")),
            iv=to_decimal(data.get("iv")),
            current=to_bool(data.get("currentValue")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class OptionQuote(Model):
    """One option of a chain: a call or a put at one strike."""

    underlier: str
    call_put: str | None
    strike: Decimal | None
    expiry: dt.date | None = None
    display_symbol: str | None = None
    osi_key: str | None = None
    root_symbol: str | None = None
    category: str | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    bid_size: int | None = None
    ask_size: int | None = None
    last: Decimal | None = None
    net_change: Decimal | None = None
    volume: int | None = None
    open_interest: int | None = None
    in_the_money: bool | None = None
    adjusted: bool | None = None
    as_of: dt.datetime | None = None
    quote_url: str | None = None
    greeks: OptionGreeks | None = None

    @property
    def option_symbol(self) -> OptionSymbol | None:
        """The contract as an :class:`~etrade_sync.builders.OptionSymbol` (for orders)."""
        from ..symbols import OptionSymbol

        if self.call_put and self.strike is not None and self.expiry is not None:
            return OptionSymbol(self.underlier, self.expiry, self.call_put, self.strike)
        if self.osi_key:
            try:
                return OptionSymbol.parse(self.osi_key)
            except ValueError:
                return None
        return None

    @classmethod
    def from_api(cls, data: Any, *, expiry: dt.date | None = None) -> OptionQuote | None:
        if not isinstance(data, Mapping) or not data:
            return None
        osi = to_str(data.get("osiKey"))
        call_put = to_str(data.get("optionType"))
        return cls(
            underlier=to_str(data.get("symbol")) or to_str(data.get("optionRootSymbol")) or "",
            call_put=call_put.upper() if call_put else None,
            strike=to_decimal(data.get("strikePrice")),
            # The OSI key carries the contract's own expiry; the chain's is the fallback.
            expiry=(_osi_expiry(osi) if osi else None) or expiry,
            display_symbol=to_str(data.get("displaySymbol")),
            osi_key=osi,
            root_symbol=to_str(data.get("optionRootSymbol")),
            category=to_str(data.get("optionCategory")),
            bid=to_decimal(data.get("bid")),
            ask=to_decimal(data.get("ask")),
            bid_size=to_int(data.get("bidSize")),
            ask_size=to_int(data.get("askSize")),
            last=to_decimal(data.get("lastPrice")),
            net_change=to_decimal(data.get("netChange")),
            volume=to_int(data.get("volume")),
            open_interest=to_int(data.get("openInterest")),
            in_the_money=to_bool(data.get("inTheMoney")),
            adjusted=to_bool(data.get("adjustedFlag")),
            as_of=to_datetime(data.get("timeStamp")),
            quote_url=to_str(data.get("quoteDetail")),
            greeks=OptionGreeks.from_api(data.get("OptionGreeks")),
            raw=data,
        )


def _osi_expiry(osi: str) -> dt.date | None:
    from ..symbols import OptionSymbol

    try:
        return OptionSymbol.parse(osi).expiry
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class OptionPair(Model):
    """The call and the put at one strike (either may be missing)."""

    call: OptionQuote | None
    put: OptionQuote | None

    @property
    def strike(self) -> Decimal | None:
        leg = self.call or self.put
        return leg.strike if leg is not None else None


@dataclasses.dataclass(frozen=True)
class OptionChain(Model):
    """An option chain: :attr:`pairs` ordered as E*TRADE sent them."""

    symbol: str
    pairs: tuple[OptionPair, ...] = ()
    expiry: dt.date | None = None
    near_price: Decimal | None = None
    quote_type: str | None = None
    as_of: dt.datetime | None = None

    @property
    def calls(self) -> list[OptionQuote]:
        return [p.call for p in self.pairs if p.call is not None]

    @property
    def puts(self) -> list[OptionQuote]:
        return [p.put for p in self.pairs if p.put is not None]

    @property
    def strikes(self) -> list[Decimal]:
        return [s for s in (p.strike for p in self.pairs) if s is not None]

    def at_strike(self, strike: Decimal | int | float | str) -> OptionPair | None:
        """The pair at ``strike``, or None."""
        wanted = to_decimal(strike)
        return next((p for p in self.pairs if p.strike == wanted), None)

    @classmethod
    def from_api(cls, data: Any, *, symbol: str = "") -> OptionChain:
        body = dig(data, "OptionChainResponse")
        if not isinstance(body, Mapping):
            body = {}
        selected = body.get("SelectedED")
        expiry = None
        if isinstance(selected, Mapping):
            expiry = ymd(selected.get("year"), selected.get("month"), selected.get("day"))
        pairs = []
        for row in as_list(body.get("OptionPair")):
            if not isinstance(row, Mapping):
                continue
            pairs.append(
                OptionPair(
                    call=OptionQuote.from_api(row.get("Call"), expiry=expiry),
                    put=OptionQuote.from_api(row.get("Put"), expiry=expiry),
                    raw=row,
                )
            )
        return cls(
            symbol=symbol,
            pairs=tuple(pairs),
            expiry=expiry,
            near_price=to_decimal(body.get("nearPrice")),
            quote_type=to_str(body.get("quoteType")),
            as_of=to_datetime(body.get("timeStamp")),
            raw=data if isinstance(data, Mapping) else {},
        )


@dataclasses.dataclass(frozen=True)
class OptionExpiration(Model):
    """One expiration date of a symbol's options; ``expiry_type`` e.g. ``WEEKLY``."""

    date: dt.date
    expiry_type: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> OptionExpiration | None:
        when = ymd(data.get("year"), data.get("month"), data.get("day"))
        if when is None:
            return None
        return cls(date=when, expiry_type=to_str(data.get("expiryType")), raw=data)

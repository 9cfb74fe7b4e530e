"""
etrade_sync.api.market
~~~~~~~~~~~~~~~~~~~~~~

This module provides ``client.market``: quotes for any number of symbols (split
into requests of at most 50), symbol lookup, option chains and option
expiration dates. All of them are reads, safe to repeat.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, overload

from ..checks import to_price
from ..errors import APIError, ValidationError
from ..models.base import as_list, dig
from ..models.market import DETAIL_BLOCKS, LookupResult, Quote, QuoteMessage
from ..models.options import EXPIRY_TYPES, OPTION_CATEGORIES, OptionChain, OptionExpiration
from ..symbols import OptionSymbol, check_quote_symbol
from .base import Resource, segment
from .params import check_choice, check_count, check_range

if TYPE_CHECKING:
    from .bulk import BulkResult
    from .watch import QuoteWatch

from .quotes import (
    MAX_SYMBOLS_PER_CALL,
    InvalidSymbolError,
    QuoteResult,
    normalize_symbols,
)

__all__ = [
    "MAX_SYMBOLS_PER_CALL",
    "InvalidSymbolError",
    "MarketAPI",
    "QuoteResult",
    "normalize_symbols",
]

#: Without overrideSymbolCount E*TRADE takes 25.
DEFAULT_SYMBOLS_PER_CALL = 25
#: Lookup answers meaning "nothing matched".
_LOOKUP_NO_MATCH_CODES = frozenset({10033})


class MarketAPI(Resource):
    """``client.market``."""

    category = "market"

    def quotes(
        self,
        symbols: str | OptionSymbol | Iterable[str | OptionSymbol],
        *,
        detail: str = "ALL",
        fresh: bool = False,
    ) -> QuoteResult:
        """Quotes for any number of symbols; refused symbols are in ``.errors``.

        ``detail`` is ALL, FUNDAMENTAL, INTRADAY, OPTIONS, WEEK_52 or MF_DETAIL.
        Quotes are cached per (symbol, detail) for ``Settings.quote_ttl`` seconds
        and only the symbols not cached are requested; ``fresh=True`` requests
        them all and refreshes the cache.
        """
        wanted = normalize_symbols(symbols)
        flag = _detail_flag(detail)
        result = QuoteResult()  # the one result object; fetches add refusals to it
        extra: dict[str, Quote] = {}  # quotes E*TRADE sent for symbols nobody asked for

        def fetch(keys: builtins.list[tuple[str, str]]) -> dict[tuple[str, str], Quote]:
            missing = [symbol for symbol, _ in keys]
            got: dict[tuple[str, str], Quote] = {}
            asked = set(missing)
            for start in range(0, len(missing), MAX_SYMBOLS_PER_CALL):
                chunk = missing[start : start + MAX_SYMBOLS_PER_CALL]
                for symbol, quote in self._fetch_chunk(chunk, flag, result).items():
                    if symbol in asked:
                        got[(symbol, flag)] = quote
                    else:
                        extra[symbol] = quote
            return got

        got = self._client.cache.quotes.get_many([(s, flag) for s in wanted], fetch, fresh=fresh)
        for symbol in wanted:
            quote = got.get((symbol, flag))
            if quote is not None:
                result[symbol] = quote
        if extra:
            result.update(extra)
        return result

    def quote(
        self, symbol: str | OptionSymbol, *, detail: str = "ALL", fresh: bool = False
    ) -> Quote:
        """The quote of one symbol; :class:`InvalidSymbolError` if E*TRADE refuses it."""
        (key,) = normalize_symbols(symbol)
        result = self.quotes([key], detail=detail, fresh=fresh)
        if key in result:
            return result[key]
        if result:
            other = ", ".join(result)
            raise InvalidSymbolError(key, f"E*TRADE answered with a quote for {other} instead")
        message = result.errors.get(key) or (result.messages[0] if result.messages else None)
        if message is not None:
            raise InvalidSymbolError(key, message.description, code=message.code)
        raise InvalidSymbolError(key, "E*TRADE returned no quote and no message")

    def _fetch_chunk(self, chunk: list[str], flag: str, result: QuoteResult) -> dict[str, Quote]:
        """One request for at most 50 symbols: its quotes by symbol; refusals go to ``result``."""
        params: dict[str, Any] = {"detailFlag": flag}
        if len(chunk) > DEFAULT_SYMBOLS_PER_CALL:
            params["overrideSymbolCount"] = True
        symbols = ",".join(segment(symbol, field="symbols") for symbol in chunk)
        data = self._get(f"/v1/market/quote/{symbols}", "market.quote", params)
        response = dig(data, "QuoteResponse") or {}
        wanted = set(chunk)
        quotes: dict[str, Quote] = {}
        for row in as_list(response.get("QuoteData")):
            if isinstance(row, dict):
                quote = Quote.from_api(row)
                key = quote.key
                quotes[key if key in wanted else quote.symbol or chunk[0]] = quote
        messages = as_list(dig(response, "Messages", "Message"))
        if not messages:
            return quotes
        unattributed: list[QuoteMessage] = []
        for row in messages:
            if isinstance(row, dict):
                message = QuoteMessage.from_api(row)
                result.messages.append(message)
                if message.symbol and message.symbol in wanted:
                    result.errors[message.symbol] = message
                else:
                    unattributed.append(message)
        missing = [s for s in chunk if s not in quotes and s not in result.errors]
        if len(missing) == 1 and len(unattributed) == 1:
            result.errors[missing[0]] = unattributed[0]
        return quotes

    def lookup(self, text: str) -> builtins.list[LookupResult]:
        """Securities whose name or symbol matches ``text`` (empty when none)."""
        search = segment(text, field="text")
        try:
            data = self._get(f"/v1/market/lookup/{search}", "market.lookup")
        except APIError as exc:
            if exc.code in _LOOKUP_NO_MATCH_CODES and exc.status == 400:
                return []
            raise
        rows = as_list(dig(data, "LookupResponse", "Data"))
        return [LookupResult.from_api(row) for row in rows if isinstance(row, dict)]

    def option_chain(
        self,
        symbol: str,
        *,
        expiry: dt.date | None = None,
        expiry_year: int | None = None,
        expiry_month: int | None = None,
        expiry_day: int | None = None,
        strike_near: Decimal | int | float | str | None = None,
        strikes: int | None = None,
        include_weekly: bool | None = None,
        skip_adjusted: bool | None = None,
        category: str | None = None,
        chain_type: str | None = None,
        price_type: str | None = None,
    ) -> OptionChain:
        """The option chain of ``symbol`` for one expiry (the nearest when none given).

        ``expiry`` is a date; or give ``expiry_year``/``expiry_month``/``expiry_day``
        separately. ``strikes`` is how many strikes around ``strike_near``.
        ``category`` STANDARD, ALL or MINI; ``chain_type`` CALL, PUT or CALLPUT;
        ``price_type`` ATNM or ALL.
        """
        underlier = check_quote_symbol(symbol)
        if expiry is not None:
            if isinstance(expiry, dt.datetime) or not isinstance(expiry, dt.date):
                raise ValidationError(f"expiry must be a date, got {expiry!r}", field="expiry")
            if any(v is not None for v in (expiry_year, expiry_month, expiry_day)):
                raise ValidationError(
                    "give expiry or expiry_year/month/day, not both", field="expiry"
                )
            expiry_year, expiry_month, expiry_day = expiry.year, expiry.month, expiry.day
        params = {
            "symbol": underlier,
            "expiryYear": check_range(expiry_year, field="expiry_year", low=1900, high=9999),
            "expiryMonth": check_range(expiry_month, field="expiry_month", low=1, high=12),
            "expiryDay": check_range(expiry_day, field="expiry_day", low=1, high=31),
            "strikePriceNear": _near(strike_near),
            "noOfStrikes": check_count(strikes, field="strikes", high=1000),
            "includeWeekly": _flag(include_weekly, "include_weekly"),
            "skipAdjusted": _flag(skip_adjusted, "skip_adjusted"),
            "optionCategory": check_choice(category, OPTION_CATEGORIES, field="category"),
            "chainType": check_choice(chain_type, {"CALL", "PUT", "CALLPUT"}, field="chain_type"),
            "priceType": check_choice(price_type, {"ATNM", "ALL"}, field="price_type"),
        }
        data = self._get("/v1/market/optionchains", "market.option_chain", params)
        return OptionChain.from_api(data, symbol=underlier)

    @overload
    def quotes_bulk(
        self,
        symbols: Iterable[str],
        *,
        detail: str = ...,
        progress: bool = ...,
        collect_errors: Literal[False] = ...,
        workers: int = ...,
    ) -> QuoteResult: ...
    @overload
    def quotes_bulk(
        self,
        symbols: Iterable[str],
        *,
        detail: str = ...,
        progress: bool = ...,
        collect_errors: Literal[True],
        workers: int = ...,
    ) -> BulkResult[str, Quote]: ...
    def quotes_bulk(
        self,
        symbols: Iterable[str],
        *,
        detail: str = "ALL",
        progress: bool = False,
        collect_errors: bool = False,
        workers: int = 4,
    ) -> QuoteResult | BulkResult[str, Quote]:
        """Quotes for thousands of symbols through the gate and the cache, optionally with
        a progress bar; see :func:`etrade_sync.api.bulk.quotes_bulk`."""
        from .bulk import quotes_bulk

        if collect_errors:
            return quotes_bulk(
                self,
                symbols,
                detail=detail,
                progress=progress,
                collect_errors=True,
                workers=workers,
            )
        return quotes_bulk(self, symbols, detail=detail, progress=progress, workers=workers)

    def watch(
        self,
        symbols: str | Iterable[str],
        *,
        every: float = 5.0,
        detail: str = "ALL",
        changed_only: bool = False,
        until: float | dt.datetime | None = None,
        max_polls: int | None = None,
    ) -> QuoteWatch:
        """Poll quotes at a steady pace: ``for quotes in client.market.watch(syms, every=5)``.

        A blocking iterator of :class:`QuoteResult`, one per poll, through the rate gate
        and the quote cache; several watches (and any other calls) share the budget.
        A pace the market limit cannot sustain for this many symbols is refused with the
        fastest one that fits. Stop with ``close()``, ``until`` (seconds or an aware
        datetime), ``max_polls``, a ``with`` block, or Ctrl-C (ends the loop quietly).
        See :class:`etrade_sync.api.watch.QuoteWatch`.
        """
        from .watch import QuoteWatch

        settings = self._client.settings
        return QuoteWatch(
            self.quotes,
            normalize_symbols(symbols),
            every=every,
            limits=settings.resolved_rate_limits.get("market"),
            quote_ttl=settings.quote_ttl,
            detail=detail,
            changed_only=changed_only,
            until=until,
            max_polls=max_polls,
        )

    def option_expirations(
        self, symbol: str, *, expiry_type: str | None = None, fresh: bool = False
    ) -> builtins.list[OptionExpiration]:
        """The expiration dates of ``symbol``'s options, soonest first.

        ``expiry_type``: DAILY, WEEKLY, MONTHLY, QUARTERLY, VIX, ALL, MONTHEND, ...
        Cached for ``Settings.expirations_ttl`` seconds; ``fresh=True`` asks E*TRADE.
        """
        underlier = check_quote_symbol(symbol)
        kind = check_choice(expiry_type, EXPIRY_TYPES, field="expiry_type")
        params = {"symbol": underlier, "expiryType": kind}

        def fetch() -> tuple[OptionExpiration, ...]:
            data = self._get("/v1/market/optionexpiredate", "market.option_expirations", params)
            rows = as_list(dig(data, "OptionExpireDateResponse", "ExpirationDate"))
            found = [OptionExpiration.from_api(row) for row in rows if isinstance(row, dict)]
            return tuple(sorted((e for e in found if e is not None), key=lambda e: e.date))

        cache = self._client.cache.expirations
        return builtins.list(cache.get_or_fetch((underlier, kind or ""), fetch, fresh=fresh))


def _detail_flag(detail: str) -> str:
    flag = detail.strip().upper() if isinstance(detail, str) else ""
    if flag not in DETAIL_BLOCKS:
        raise ValidationError(
            f"detail={detail!r}: use one of {', '.join(DETAIL_BLOCKS)}", field="detail"
        )
    return flag


def _near(value: Decimal | int | float | str | None) -> str | None:
    if value is None:
        return None
    price = to_price(value, field="strike_near")
    return format(price, "f") if price is not None else None


def _flag(value: bool | None, field: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(f"{field} must be True or False", field=field)
    return value

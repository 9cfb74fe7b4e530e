"""
etrade_sync.api.market
~~~~~~~~~~~~~~~~~~~~~~

This module provides ``client.market``: quotes for any number of symbols (split
into requests of at most 50), lookup, option chains and expirations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..errors import ValidationError
from ..models.base import as_list, dig
from ..models.market import DETAIL_BLOCKS, Quote, QuoteMessage
from .base import Resource

__all__ = ["MAX_SYMBOLS_PER_CALL", "MarketAPI", "QuoteResult", "normalize_symbols"]

#: E*TRADE answers at most 50 symbols per call (with overrideSymbolCount=true).
MAX_SYMBOLS_PER_CALL = 50

_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-/:^]{0,63}$")


class QuoteResult(dict[str, Quote]):
    """``symbol -> Quote`` for the symbols that got a quote.

    :attr:`errors` maps each symbol E*TRADE refused to its message (e.g. code 1002,
    "APPL is an invalid symbol"); :attr:`messages` holds every message.
    """

    def __init__(self) -> None:
        super().__init__()
        self.errors: dict[str, QuoteMessage] = {}
        self.messages: list[QuoteMessage] = []


def normalize_symbols(symbols: str | Iterable[str]) -> list[str]:
    """Upper-case, de-duplicated symbols in order; bad ones raise ValidationError."""
    items = [symbols] if isinstance(symbols, str) else list(symbols)
    out: list[str] = []
    seen: set[str] = set()
    for raw in items:
        if not isinstance(raw, str):
            raise ValidationError(f"symbol {raw!r} is not a string", field="symbols")
        symbol = raw.strip().upper()
        if not _SYMBOL_RE.match(symbol):
            raise ValidationError(
                f"symbol {raw!r} is not a ticker or option symbol", field="symbols"
            )
        if symbol not in seen:
            seen.add(symbol)
            out.append(symbol)
    if not out:
        raise ValidationError("no symbols given", field="symbols")
    return out


class MarketAPI(Resource):
    """``client.market``."""

    category = "market"

    def quotes(self, symbols: str | Iterable[str], *, detail: str = "ALL") -> QuoteResult:
        """Quotes for any number of symbols; refused symbols are in ``.errors``."""
        wanted = normalize_symbols(symbols)
        flag = detail.upper()
        if flag not in DETAIL_BLOCKS:
            raise ValidationError(
                f"detail={detail!r}: use one of {', '.join(DETAIL_BLOCKS)}", field="detail"
            )
        result = QuoteResult()
        for start in range(0, len(wanted), MAX_SYMBOLS_PER_CALL):
            chunk = wanted[start : start + MAX_SYMBOLS_PER_CALL]
            self._fetch_chunk(chunk, flag, result)
        return result

    def _fetch_chunk(self, chunk: list[str], flag: str, result: QuoteResult) -> None:
        params: dict[str, Any] = {"detailFlag": flag}
        if len(chunk) > 25:
            params["overrideSymbolCount"] = True
        data = self._get(f"/v1/market/quote/{','.join(chunk)}", "market.quote", params)
        response = dig(data, "QuoteResponse") or {}
        for row in as_list(response.get("QuoteData")):
            if isinstance(row, dict):
                quote = Quote.from_api(row)
                result[quote.symbol or chunk[0]] = quote
        for row in as_list(dig(response, "Messages", "Message")):
            if isinstance(row, dict):
                message = QuoteMessage.from_api(row)
                result.messages.append(message)
                if message.symbol and message.symbol in chunk:
                    result.errors[message.symbol] = message
        missing = [s for s in chunk if s not in result and s not in result.errors]
        if missing and len(missing) == 1 and len(result.messages) and not result.errors:
            result.errors[missing[0]] = result.messages[-1]

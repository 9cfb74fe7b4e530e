"""
etrade_sync.api.quotes
~~~~~~~~~~~~~~~~~~~~~~

This module provides what a quote request takes and gives, shared by
``client.market`` and the bulk helpers: :func:`normalize_symbols` (the symbols a
caller may ask for), the batch size, :class:`QuoteResult` and
:class:`InvalidSymbolError`.
"""

from __future__ import annotations

from typing import Any

from ..errors import APIError
from ..models.market import Quote, QuoteMessage
from ..symbols import normalize_symbols

__all__ = [
    "MAX_SYMBOLS_PER_CALL",
    "InvalidSymbolError",
    "QuoteResult",
    "normalize_symbols",
]

#: E*TRADE answers at most 50 symbols per call (with overrideSymbolCount=true).
MAX_SYMBOLS_PER_CALL = 50


class InvalidSymbolError(APIError):
    """E*TRADE gave no quote for :attr:`symbol` (it answers 200 with a message)."""

    def __init__(self, symbol: str, message: str, *, code: int | None = None) -> None:
        self.symbol = symbol
        super().__init__(message, status=200, code=code, method="GET", path="/v1/market/quote")

    def _describe(self) -> str:
        return f"no quote for {self.symbol}: {self.message}"


class QuoteResult(dict[str, Quote]):
    """``symbol -> Quote`` for the symbols that got a quote.

    :attr:`errors` maps each symbol E*TRADE refused to its message (e.g. code 1002,
    "APPL is an invalid symbol"); :attr:`messages` holds every message. Option
    quotes are keyed by E*TRADE's option symbol (``IBM:2018:8:17:CALL:200.000000``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.errors: dict[str, QuoteMessage] = {}
        self.messages: list[QuoteMessage] = []

    def to_dataframe(self, *, decimals: str = "float") -> Any:
        """The quotes as a pandas DataFrame indexed by ``symbol`` (needs the pandas
        extra); without quotes it is empty but keeps the columns."""
        from ..models.frames import to_dataframe

        return to_dataframe(self, decimals=decimals, model=Quote)

    def _rows(self) -> list[dict[str, Any]]:
        from ..models.frames import flatten

        keep = ("symbol", "last", "bid", "ask", "change", "change_pct", "volume", "status")
        rows = [{k: flatten(q, decimals="decimal").get(k) for k in keep} for q in self.values()]
        rows += [
            {**dict.fromkeys(keep), "symbol": s, "status": f"refused: {m.description}"}
            for s, m in self.errors.items()
        ]
        return rows

    def _title(self) -> str:
        return f"{len(self)} quotes, {len(self.errors)} refused"

    def _repr_html_(self) -> str:
        from ..models.frames import html_table

        return html_table(self._rows(), title=self._title())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from ..models.frames import text_table

        printer.text("QuoteResult(...)" if cycle else text_table(self._rows(), title=self._title()))

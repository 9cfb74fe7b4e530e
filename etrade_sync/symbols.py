"""
etrade_sync.symbols
~~~~~~~~~~~~~~~~~~~

This module is the one grammar of symbols, used by the order builders, the
endpoint groups and the models:

- stock tickers for orders (:func:`check_equity_symbol`: ``AAPL``, ``BRK.B``);
- quote symbols (:func:`check_quote_symbol`, :func:`normalize_symbols`: tickers,
  indexes such as ``^VIX``, share classes, and option symbols);
- :class:`OptionSymbol`, one option contract, which reads and writes the three
  spellings in use: E*TRADE's quote symbol ``IBM:2018:8:17:CALL:200.000000``,
  OCC/OSI ``IBM   180817C00200000`` (root padded to six characters) and E*TRADE's
  ``osiKey`` ``IBM---180817C00200000`` (dashes instead of spaces).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .checks import to_price
from .errors import ValidationError

__all__ = [
    "OptionSymbol",
    "check_equity_symbol",
    "check_quote_symbol",
    "normalize_symbols",
]

#: A stock ticker in an order: 1-5 letters, optionally a class (``BRK.B``).
_EQUITY_RE = re.compile(r"^[A-Z]{1,5}([./-][A-Z]{1,2})?$")
#: What E*TRADE accepts as a quote symbol (tickers, indexes such as ``^VIX``, classes).
_QUOTE_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-^]{0,63}$")  # no '/': it goes in a path
#: Text that ends like an OSI option symbol (date, C/P, strike).
_OSI_LIKE_RE = re.compile(r"\d{6}[CP]\d{8}$")
_ROOT_RE = re.compile(r"^[A-Z][A-Z0-9.]{0,5}$")
_ETRADE_RE = re.compile(
    r"^(?P<root>[A-Z0-9.]{1,6}):(?P<y>\d{4}):(?P<m>\d{1,2}):(?P<d>\d{1,2}):"
    r"(?P<cp>CALL|PUT|C|P):(?P<strike>\d+(?:\.\d+)?)$"
)
_OSI_TAIL_RE = re.compile(r"^(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<cp>[CP])(?P<strike>\d{8})$")
_CALL_PUT = {"C": "CALL", "CALL": "CALL", "P": "PUT", "PUT": "PUT"}
_MAX_STRIKE = Decimal("99999.999")


@dataclass(frozen=True, init=False)
class OptionSymbol:
    """One option contract: ``underlier``, ``expiry`` (a date), ``call_put``, ``strike``.

    ::

        >>> OptionSymbol.parse("IBM   180817C00200000").etrade
        'IBM:2018:8:17:CALL:200.000000'
        >>> OptionSymbol("IBM", date(2018, 8, 17), "CALL", 200).osi
        'IBM   180817C00200000'

    Bad values raise :class:`~etrade_sync.errors.ValidationError` (a ``ValueError``)
    naming the field.
    """

    underlier: str
    expiry: dt.date
    call_put: str
    strike: Decimal

    def __init__(
        self,
        underlier: str,
        expiry: dt.date,
        call_put: str,
        strike: Decimal | int | float | str,
    ) -> None:
        root = underlier.strip().upper() if isinstance(underlier, str) else ""
        if not _ROOT_RE.match(root):
            raise ValidationError(
                f"underlier {underlier!r} is not an option root (1-6 letters/digits)",
                field="underlier",
            )
        if isinstance(expiry, dt.datetime) or not isinstance(expiry, dt.date):
            raise ValidationError(f"expiry must be a datetime.date, got {expiry!r}", field="expiry")
        side = _CALL_PUT.get(call_put.strip().upper()) if isinstance(call_put, str) else None
        if side is None:
            raise ValidationError(
                f"call_put must be 'CALL' or 'PUT', got {call_put!r}", field="call_put"
            )
        price = to_price(strike, field="strike")
        if price is None:
            raise ValidationError("strike is required", field="strike")
        if price > _MAX_STRIKE or price != price.quantize(Decimal("0.001")):
            raise ValidationError(
                f"strike {strike!r} must be at most 99999.999 with at most 3 decimals",
                field="strike",
            )
        object.__setattr__(self, "underlier", root)
        object.__setattr__(self, "expiry", expiry)
        object.__setattr__(self, "call_put", side)
        object.__setattr__(self, "strike", price)

    @classmethod
    def parse(cls, text: str) -> OptionSymbol:
        """Read E*TRADE (``IBM:2018:8:17:CALL:200.000000``) or OSI spellings."""
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(f"not an option symbol: {text!r}", field="symbol")
        cleaned = text.strip().upper()
        match = _ETRADE_RE.match(cleaned)
        if match is not None:
            expiry = _date(int(match["y"]), int(match["m"]), int(match["d"]), text)
            return cls(match["root"], expiry, match["cp"], match["strike"])
        compact = cleaned.lstrip(".")
        tail = _OSI_TAIL_RE.match(compact[-15:]) if len(compact) > 15 else None
        root = compact[:-15].rstrip(" -")
        if tail is None or not root:
            raise ValidationError(
                f"{text!r} is neither an E*TRADE option symbol "
                f"(IBM:2018:8:17:CALL:200.000000) nor an OSI symbol (IBM   180817C00200000)",
                field="symbol",
            )
        expiry = _date(2000 + int(tail["yy"]), int(tail["mm"]), int(tail["dd"]), text)
        strike = Decimal(int(tail["strike"])) / 1000
        return cls(root, expiry, tail["cp"], strike)

    @classmethod
    def coerce(cls, value: OptionSymbol | str, *, field: str = "symbol") -> OptionSymbol:
        """``value`` itself, or parsed when it is text."""
        if isinstance(value, OptionSymbol):
            return value
        if isinstance(value, str):
            try:
                return cls.parse(value)
            except ValidationError as exc:
                raise ValidationError(str(exc), field=field) from None
        raise ValidationError(
            f"{field} must be an OptionSymbol or text, got {value!r}", field=field
        )

    @property
    def etrade(self) -> str:
        """E*TRADE's spelling, as ``client.market.quotes`` expects it."""
        e = self.expiry
        return f"{self.underlier}:{e.year}:{e.month}:{e.day}:{self.call_put}:{self.strike:.6f}"

    @property
    def osi(self) -> str:
        """The 21-character OCC/OSI spelling."""
        strike = int(self.strike * 1000)
        return f"{self.underlier:<6}{self.expiry:%y%m%d}{self.call_put[0]}{strike:08d}"

    def to_product(self) -> dict[str, Any]:
        """The ``Product`` object of an option order instrument."""
        return {
            "securityType": "OPTN",
            "symbol": self.underlier,
            "callPut": self.call_put,
            "expiryYear": str(self.expiry.year),
            "expiryMonth": str(self.expiry.month),
            "expiryDay": str(self.expiry.day),
            "strikePrice": _plain(self.strike),
        }

    def __str__(self) -> str:
        return self.etrade

    def __repr__(self) -> str:
        return f"OptionSymbol({self.etrade!r})"


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValidationError(f"{text!r} has no valid expiry date", field="expiry") from None


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_equity_symbol(value: Any, *, field: str = "symbol") -> str:
    """An upper-cased stock ticker (``AAPL``, ``BRK.B``), else ValidationError."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _EQUITY_RE.match(text):
        raise ValidationError(f"{field} {value!r} is not a stock ticker", field=field)
    return text


def check_quote_symbol(value: Any, *, field: str = "symbol") -> str:
    """An upper-cased quote symbol (ticker, index, class), else ValidationError."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _QUOTE_RE.match(text):
        raise ValidationError(f"{field} {value!r} is not a ticker", field=field)
    return text


def normalize_symbols(symbols: str | OptionSymbol | Iterable[str | OptionSymbol]) -> list[str]:
    """Upper-case, de-duplicated symbols in order; bad ones raise ValidationError.

    Option symbols may be :class:`OptionSymbol` values or any spelling it parses
    (OSI included); they are sent in E*TRADE's spelling.
    """
    items = [symbols] if isinstance(symbols, str | OptionSymbol) else list(symbols)
    out: list[str] = []
    seen: set[str] = set()
    for raw in items:
        symbol = _normalize_one(raw)
        if symbol not in seen:
            seen.add(symbol)
            out.append(symbol)
    if not out:
        raise ValidationError("no symbols given", field="symbols")
    return out


def _normalize_one(raw: Any) -> str:
    if isinstance(raw, OptionSymbol):
        return raw.etrade
    if not isinstance(raw, str):
        raise ValidationError(f"symbol {raw!r} is not a string", field="symbols")
    symbol = raw.strip().upper()
    if ":" in symbol or _OSI_LIKE_RE.search(symbol):
        try:
            return OptionSymbol.parse(symbol).etrade
        except ValidationError as exc:
            raise ValidationError(str(exc), field="symbols") from None
    if "/" in symbol:
        raise ValidationError(
            f"symbol {raw!r} contains '/', which cannot be sent in E*TRADE's quote path; "
            f"write share classes with a dot (BRK.B)",
            field="symbols",
        )
    if not _QUOTE_RE.match(symbol):
        raise ValidationError(f"symbol {raw!r} is not a ticker or option symbol", field="symbols")
    return symbol

"""
etrade_sync.models.common
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the pieces several endpoint groups share: :class:`Message`
(E*TRADE's ``{code, description, type}`` soft messages), :class:`Product` (a
security as E*TRADE names it, including option details) and the known values of
the enum-like strings used across groups.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .base import Model, as_list, dig, to_decimal, to_int, to_str

__all__ = [
    "MESSAGE_TYPES",
    "SECURITY_TYPES",
    "Message",
    "Product",
    "messages_from",
    "to_date",
    "ymd",
]

#: ``Message.type`` values E*TRADE documents.
MESSAGE_TYPES = frozenset({"ERROR", "WARNING", "INFO", "INFO_HOLD"})

#: ``securityType`` values E*TRADE documents (others are kept as they come).
SECURITY_TYPES = frozenset({"EQ", "OPTN", "MF", "MMF", "BOND", "INDX"})


def to_date(value: Any) -> dt.date | None:
    """A calendar date from ``MM/DD/YYYY``, ``MMDDYYYY``, ISO text, or epoch values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%m/%d/%Y", "%m%d%Y", "%m-%d-%Y", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    from .._tz import EASTERN
    from .base import to_datetime

    moment = to_datetime(value)
    return moment.astimezone(EASTERN).date() if moment is not None else None


def ymd(year: Any, month: Any, day: Any) -> dt.date | None:
    """A date from separate year, month and day values, or None."""
    y, m, d = to_int(year), to_int(month), to_int(day)
    if y is None or m is None or d is None:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class Message(Model):
    """A soft message inside a 200 answer (warnings, notices, per-item errors).

    ``type`` is one of :data:`MESSAGE_TYPES` or whatever E*TRADE sent.
    """

    code: int | None
    description: str
    type: str | None

    @property
    def is_error(self) -> bool:
        return (self.type or "").upper() == "ERROR"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            code=to_int(data.get("code")),
            description=to_str(data.get("description")) or "",
            type=to_str(data.get("type")),
            raw=data,
        )

    def __str__(self) -> str:
        code = f" {self.code}" if self.code is not None else ""
        return f"{self.type or 'MESSAGE'}{code}: {self.description}"


def messages_from(*containers: Any) -> tuple[Message, ...]:
    """Every ``Message`` under ``Messages``/``messages``/``messageList`` of the containers."""
    out: list[Message] = []
    for container in containers:
        if not isinstance(container, Mapping):
            continue
        for key in ("Messages", "messages", "messageList", "MessageList"):
            block = container.get(key)
            rows = dig(block, "Message") if isinstance(block, Mapping) else block
            for row in as_list(rows):
                if isinstance(row, Mapping):
                    out.append(Message.from_api(row))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class Product(Model):
    """A security: ``symbol`` and ``security_type`` (``EQ``, ``OPTN``, ...).

    For options ``symbol`` is the underlier and ``call_put``, ``expiry`` and
    ``strike`` describe the contract.
    """

    symbol: str
    security_type: str | None = None
    call_put: str | None = None
    expiry: dt.date | None = None
    strike: Decimal | None = None

    @property
    def is_option(self) -> bool:
        return self.call_put is not None or (self.security_type or "").upper() == "OPTN"

    @property
    def display(self) -> str:
        """The symbol as E*TRADE shows it: ``NVDA``, or ``NVDA Feb 19 '27 $125 Call``."""
        if not self.is_option:
            return self.symbol
        parts = [self.symbol]
        if self.expiry is not None:
            parts.append(self.expiry.strftime("%b %d '%y"))
        if self.strike is not None:
            parts.append(f"${self.strike.normalize():f}")
        parts.append((self.call_put or "option").capitalize())
        return " ".join(parts)

    @property
    def option_symbol(self) -> str | None:
        """E*TRADE's option symbol (``IBM:2018:8:17:CALL:200.000000``), if an option."""
        if self.call_put is None or self.expiry is None or self.strike is None:
            return None
        e = self.expiry
        return f"{self.symbol}:{e.year}:{e.month}:{e.day}:{self.call_put.upper()}:{self.strike:.6f}"

    @classmethod
    def from_api(cls, data: Any) -> Product:
        if not isinstance(data, Mapping):
            return cls(symbol="", raw={})
        call_put = to_str(data.get("callPut"))
        security_type = to_str(data.get("securityType"))
        # Production sends expiryDay/Month/Year and strikePrice as 0 on equities too:
        # only an option has a strike and an expiry.
        option = bool(call_put) or (security_type or "").upper() == "OPTN"
        return cls(
            symbol=to_str(data.get("symbol")) or "",
            security_type=security_type,
            call_put=call_put.upper() if call_put else None,
            expiry=(
                ymd(data.get("expiryYear"), data.get("expiryMonth"), data.get("expiryDay"))
                if option
                else None
            ),
            strike=to_decimal(data.get("strikePrice")) if option else None,
            raw=data,
        )

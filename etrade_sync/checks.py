"""
etrade_sync.checks
~~~~~~~~~~~~~~~~~~

This module provides the one rule for each kind of checked input, shared by the
order builders and the endpoint groups: an enum-like choice, an integer in a
range, a positive price. Each raises :class:`~etrade_sync.errors.ValidationError`
naming the field, before any request is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ValidationError

__all__ = ["check_choice", "check_range", "to_price"]

_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def check_choice(value: Any, known: Iterable[str] | None, *, field: str) -> str:
    """``value`` upper-cased; it must be one of ``known`` (with ``known=None``, any
    upper-case word such as ``MARGIN``: E*TRADE's open-ended values)."""
    text = value.strip().upper() if isinstance(value, str) else ""
    allowed = frozenset(known) if known is not None else None
    if not _NAME_RE.match(text) or (allowed is not None and text not in allowed):
        hint = f": use one of {', '.join(sorted(allowed))}" if allowed else ""
        raise ValidationError(f"{field}={value!r} is not valid{hint}", field=field)
    return text


def check_range(value: Any, *, field: str, low: int, high: int) -> int:
    """``value`` if it is an integer (not a bool) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            f"{field} must be an integer from {low} to {high}, got {value!r}", field=field
        )
    return value


def to_price(value: Any, *, field: str) -> Decimal | None:
    """A positive ``Decimal`` price (None stays None); floats are read by their repr."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{field} must be a number, got {value!r}", field=field)
    try:
        if isinstance(value, float):
            price = Decimal(repr(value))
        elif isinstance(value, Decimal | int):
            price = Decimal(value)
        elif isinstance(value, str):
            price = Decimal(value.strip())
        else:
            raise ValidationError(f"{field} must be a number, got {value!r}", field=field)
    except InvalidOperation:
        raise ValidationError(f"{field} must be a number, got {value!r}", field=field) from None
    if not price.is_finite() or price <= 0:
        raise ValidationError(f"{field} must be a positive price, got {value!r}", field=field)
    return price

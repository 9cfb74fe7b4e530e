"""
etrade_sync.api.params
~~~~~~~~~~~~~~~~~~~~~~

This module provides the checks and conversions of query parameters shared by
the endpoint groups: ``MMDDYYYY`` dates, enum-like choices, counts, and the
guard that stops paging when E*TRADE hands back a marker it already gave.
Bad input raises :class:`~etrade_sync.errors.ValidationError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from typing import Any

from .. import checks
from .._tz import EASTERN
from ..errors import APIError, ValidationError

__all__ = [
    "MarkerGuard",
    "check_choice",
    "check_count",
    "check_id",
    "check_range",
    "mmddyyyy",
]

log = logging.getLogger("etrade_sync")

_MMDDYYYY_RE = re.compile(r"^\d{8}$")


def mmddyyyy(value: dt.date | str | None, *, field: str) -> str | None:
    """A ``date``/``datetime`` (or ``YYYY-MM-DD``/``MMDDYYYY`` text) as ``MMDDYYYY``.

    Aware datetimes are converted to US Eastern time first, since that is the day
    E*TRADE means.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        # E*TRADE's days are US Eastern days; an aware moment is read there.
        local = value.astimezone(EASTERN) if value.tzinfo is not None else value
        return local.strftime("%m%d%Y")
    if isinstance(value, dt.date):
        return value.strftime("%m%d%Y")
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%m%d%Y"):
            if fmt == "%m%d%Y" and not _MMDDYYYY_RE.match(text):
                continue
            try:
                return dt.datetime.strptime(text, fmt).strftime("%m%d%Y")
            except ValueError:
                continue
    raise ValidationError(
        f"{field} must be a datetime.date (or 'YYYY-MM-DD'), got {value!r}", field=field
    )


def check_choice(value: str | None, known: Iterable[str] | None, *, field: str) -> str | None:
    """An optional query choice: None, or :func:`etrade_sync.checks.check_choice`."""
    return None if value is None else checks.check_choice(value, known, field=field)


def check_range(value: int | None, *, field: str, low: int, high: int) -> int | None:
    """An optional integer query value: None, or :func:`etrade_sync.checks.check_range`."""
    return None if value is None else checks.check_range(value, field=field, low=low, high=high)


def check_count(value: int | None, *, field: str = "count", high: int) -> int | None:
    """An optional page size from 1 to ``high``."""
    return check_range(value, field=field, low=1, high=high)


def check_id(value: Any, *, field: str) -> int:
    """A positive integer id (order id, alert id, position id)."""
    if isinstance(value, bool):
        raise ValidationError(f"{field} must be a positive integer, got {value!r}", field=field)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value <= 0:
        raise ValidationError(f"{field} must be a positive integer, got {value!r}", field=field)
    return value


class MarkerGuard:
    """Remembers the paging markers seen; a repeat would loop forever, so it raises."""

    def __init__(self, name: str, path: str) -> None:
        self._name = name
        self._path = path
        self._seen: set[str] = set()

    def check(self, marker: Any) -> str | None:
        """``marker`` as text if paging should go on, None when there is no next page."""
        if marker is None or marker == "":
            return None
        text = str(marker)
        if text in self._seen:
            log.warning("%s: E*TRADE repeated the paging marker; stopping", self._name)
            raise APIError(
                f"E*TRADE sent the paging marker {text!r} twice; stopped to avoid looping",
                status=200,
                method="GET",
                path=self._path,
            )
        self._seen.add(text)
        return text

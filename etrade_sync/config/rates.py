"""
etrade_sync.config.rates
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the rate-limit settings: E*TRADE's categories and published
limits, and :func:`parse_rate_limits`, which reads ``"market=4/s,14000/h;orders=2/s"``
or a mapping and merges it over the defaults. :mod:`etrade_sync.config` re-exports
every name.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError

__all__ = ["CATEGORIES", "DEFAULT_RATE_LIMITS", "RateSpec", "parse_rate_limits"]

#: Rate-limit categories: E*TRADE's modules. Alerts share the accounts budget
#: unless a limit for ``alerts`` is configured.
CATEGORIES: tuple[str, ...] = ("accounts", "market", "orders", "alerts")

#: One rate: ``(limit, interval_seconds)``.
RateSpec = tuple[int, float]

#: E*TRADE's published per-module limits (per consumer key).
DEFAULT_RATE_LIMITS: dict[str, tuple[RateSpec, ...] | None] = {
    "accounts": ((2, 1.0), (7000, 3600.0)),
    "market": ((4, 1.0), (14000, 3600.0)),
    "orders": ((2, 1.0), (7000, 3600.0)),
}

_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0, "d": 86400.0}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*(?:\.\d+)?)\s*([a-z]+)\s*$")


def _parse_one_category(name: str, text: str, where: str) -> tuple[RateSpec, ...] | None:
    text = text.strip()
    if text.lower() in {"unlimited", "none", "off"}:
        return None
    rates: list[RateSpec] = []
    for part in text.split(","):
        match = _RATE_RE.match(part.lower())
        unit = _UNITS.get(match.group(3)) if match else None
        if not match or unit is None or int(match.group(1)) < 1:
            raise ConfigurationError(
                f"{where}: {name}={text!r} is not a rate list; write rates such as "
                f"'4/s, 14000/h' (units s, min, h, d) or 'unlimited'",
                name=where,
            )
        multiple = float(match.group(2)) if match.group(2) else 1.0
        if multiple <= 0:
            raise ConfigurationError(f"{where}: interval in {part!r} must be > 0", name=where)
        rates.append((int(match.group(1)), multiple * unit))
    rates.sort(key=lambda r: r[1])
    for (l1, i1), (l2, i2) in itertools.pairwise(rates):
        if i1 == i2 or l2 <= l1 or l2 / i2 > l1 / i1:
            raise ConfigurationError(
                f"{where}: {name}={text!r}: each longer interval needs a larger limit and no "
                f"higher rate than the shorter one",
                name=where,
            )
    return tuple(rates)


def parse_rate_limits(
    value: str | Mapping[str, Any] | None, *, where: str = "rate_limits"
) -> dict[str, tuple[RateSpec, ...] | None]:
    """Parse rate limits and merge them over E*TRADE's defaults.

    ``value`` is ``None`` (the defaults), a mapping ``{"market": "4/s, 14000/h",
    "orders": "unlimited"}`` (values may also be sequences of ``(limit, seconds)``), or
    the environment form ``"market=4/s,14000/h;orders=2/s"``.
    """
    merged: dict[str, tuple[RateSpec, ...] | None] = dict(DEFAULT_RATE_LIMITS)
    if value is None:
        return merged
    items: dict[str, Any]
    if isinstance(value, str):
        items = {}
        for chunk in filter(None, (c.strip() for c in value.split(";"))):
            name, sep, rest = chunk.partition("=")
            if not sep:
                raise ConfigurationError(
                    f"{where}: {chunk!r} lacks '='; write 'market=4/s,14000/h;orders=2/s'",
                    name=where,
                )
            items[name.strip().lower()] = rest
    elif isinstance(value, Mapping):
        items = {str(k).lower(): v for k, v in value.items()}
    else:
        raise ConfigurationError(f"{where} must be a mapping or a string", name=where)
    for name, spec in items.items():
        if name not in CATEGORIES:
            raise ConfigurationError(
                f"{where}: unknown category {name!r}; use one of {', '.join(CATEGORIES)}",
                name=where,
            )
        if spec is None or isinstance(spec, str):
            merged[name] = _parse_one_category(name, spec or "unlimited", where)
        else:
            text = ", ".join(f"{int(lim)}/{float(sec)}s" for lim, sec in spec)
            merged[name] = _parse_one_category(name, text, where)
    return merged

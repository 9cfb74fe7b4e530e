"""
etrade_sync.models.plain
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the one conversion of models to plain data, used by
``Model.to_dict()``, the command line's ``--json`` output and the DataFrame rows of
:mod:`.frames`: :func:`to_plain` walks models (leaving ``raw`` out), mappings and
sequences; :func:`plain_value` converts one value. ``decimals`` says what money
becomes (``"decimal"`` keeps it, ``"str"`` for JSON, ``"float"`` for DataFrames);
``times`` says whether dates stay dates or become ISO 8601 text; enums give their
value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

__all__ = ["Decimals", "Times", "plain_value", "to_plain"]

Decimals = Literal["decimal", "str", "float"]
Times = Literal["datetime", "iso"]


def plain_value(value: Any, *, decimals: str = "decimal", times: str = "datetime") -> Any:
    """One leaf value as plain data (a model, list or mapping is returned as is)."""
    if isinstance(value, Decimal):
        if decimals == "float":
            return float(value)
        return str(value) if decimals == "str" else value
    if isinstance(value, Enum):
        return value.value
    if times == "iso" and isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_plain(value: Any, *, decimals: str = "decimal", times: str = "datetime") -> Any:
    """``value`` as plain data, all the way down: models become dicts of their parsed
    fields (not ``raw``), mappings dicts with text keys, sequences and sets lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name), decimals=decimals, times=times)
            for f in dataclasses.fields(value)
            if f.name != "raw"
        }
    if isinstance(value, Mapping):
        return {str(k): to_plain(v, decimals=decimals, times=times) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(v, decimals=decimals, times=times) for v in value]
    return plain_value(value, decimals=decimals, times=times)

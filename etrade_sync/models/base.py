"""
etrade_sync.models.base
~~~~~~~~~~~~~~~~~~~~~~~

This module provides the forgiving converters every model uses: money as
:class:`~decimal.Decimal`, E*TRADE's mixed epoch seconds / milliseconds / date
strings as aware datetimes, enum-like strings that keep unknown values, and
:func:`as_list` for containers that may be a list, a single object or missing.
Nothing here raises on odd input: an unusable value becomes ``None``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .plain import Decimals, Times, to_plain

__all__ = [
    "DecimalView",
    "Model",
    "as_list",
    "decimal_tree",
    "to_bool",
    "to_datetime",
    "to_decimal",
    "to_int",
    "to_str",
]

# Epoch values above this are milliseconds (year 5138 in seconds).
_MS_THRESHOLD = 100_000_000_000
_DATE_FORMATS = ("%H:%M:%S %Z %m-%d-%Y", "%m%d%Y", "%m-%d-%Y", "%Y-%m-%d")


def to_decimal(value: Any) -> Decimal | None:
    """Money and quantities: ``Decimal`` from a number or numeric string, else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("$", "")
        if not text:
            return None
        try:
            result = Decimal(text)
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def decimal_tree(value: Any) -> Any:
    """``value`` with every float (at any depth) as a ``Decimal``; the rest unchanged.

    For blocks kept whole (a portfolio view): JSON numbers arrive as floats, and no
    money handed to a user may be a float.
    """
    if isinstance(value, float):
        return to_decimal(value)
    if isinstance(value, Mapping):
        return {key: decimal_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [decimal_tree(item) for item in value]
    return value


def to_int(value: Any) -> int | None:
    """An integer, or None for missing or unusable values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def to_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def to_bool(value: Any) -> bool | None:
    """E*TRADE sends booleans as ``true``, ``"true"``, ``"Y"``/``"n"`` or 0/1."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "y", "yes", "1"}:
            return True
        if lowered in {"false", "n", "no", "0"}:
            return False
    return None


def to_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from epoch seconds or milliseconds, or a date string.

    Zero, negative and absurd values (E*TRADE sends ``0`` for "never" and junk such
    as ``2023137072`` on cancelled orders) give None rather than 1970.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    number = to_decimal(value) if not isinstance(value, str) or value.strip().isdigit() else None
    if number is not None:
        seconds = float(number) / 1000 if number >= _MS_THRESHOLD else float(number)
        if seconds <= 0 or seconds > 32_503_680_000:
            return None
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str):
        return _parse_date_string(value.strip())
    return None


def _parse_date_string(text: str) -> datetime | None:
    from .._tz import EASTERN

    for fmt in _DATE_FORMATS:
        cleaned = text
        if "%Z" in fmt:
            for zone in ("EDT", "EST", "ET"):
                cleaned = cleaned.replace(f" {zone} ", " UTC ")
        try:
            parsed = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=EASTERN).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_list(value: Any) -> list[Any]:
    """A list from a JSON array, a lone object, or nothing."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...`` or None when any step is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


class DecimalView(Mapping[str, Any]):
    """A read-only view of a JSON object with every float read as a ``Decimal``.

    Nested objects are views too and lists come back as lists of converted
    values; nothing is copied until read.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return _exact(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        return to_decimal(value)
    if isinstance(value, Mapping):
        return DecimalView(value)
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class Model:
    """Base of every response model: the original dict is always kept as ``raw``."""

    raw: Mapping[str, Any] = dataclasses.field(repr=False, compare=False, kw_only=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # IPython's pretty printer walks the class's MRO and takes the first class that
        # defines ``_repr_pretty_`` *or* ``__repr__`` in its own namespace; every
        # dataclass defines ``__repr__``, so without this the one-line repr would win.
        # (named super: ``slots=True`` rebuilds the class, which breaks the bare form)
        super(Model, cls).__init_subclass__(**kwargs)
        if "_repr_pretty_" not in cls.__dict__:
            cls._repr_pretty_ = Model._repr_pretty_  # type: ignore[method-assign]

    def to_dict(
        self, *, decimals: Decimals = "decimal", times: Times = "datetime"
    ) -> dict[str, Any]:
        """The parsed fields (not ``raw``) as plain data, nested models included; see
        :func:`~etrade_sync.models.plain.to_plain` for ``decimals`` and ``times``."""
        plain: dict[str, Any] = to_plain(self, decimals=decimals, times=times)
        return plain

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the set fields as a table."""
        from .frames import model_html

        return model_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's pretty printer: one set field per line."""
        from .frames import pretty_lines

        printer.text(f"{type(self).__name__}(...)" if cycle else "\n".join(pretty_lines(self)))

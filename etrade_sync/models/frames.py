"""
etrade_sync.models.frames
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`to_dataframe`, which turns results (quotes,
positions, orders, transactions, any list of etrade_sync models) into a pandas
DataFrame for notebooks. pandas is an optional extra (``pip install
"etrade_sync[pandas]"``) imported only when this is called.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = ["flatten", "to_dataframe"]


def _plain(value: Any, decimals: str) -> Any:
    if isinstance(value, Decimal):
        return float(value) if decimals == "float" else value
    if isinstance(value, Enum):
        return value.value
    return value


def flatten(item: Any, *, decimals: str = "float", prefix: str = "") -> dict[str, Any]:
    """One flat row from a model: nested models become ``parent_child`` columns.

    Lists and mappings that are not models (``raw``, ``detail``, legs) are left out
    of the row; use the model itself for those.
    """
    if not dataclasses.is_dataclass(item) or isinstance(item, type):
        raise TypeError(f"expected an etrade_sync model, got {type(item).__name__}")
    row: dict[str, Any] = {}
    for field in dataclasses.fields(item):
        if field.name == "raw":
            continue
        value = getattr(item, field.name)
        name = f"{prefix}{field.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            row.update(flatten(value, decimals=decimals, prefix=f"{name}_"))
        elif isinstance(value, list | tuple | Mapping | set):
            continue
        else:
            row[name] = _plain(value, decimals)
    return row


def to_dataframe(items: Iterable[Any] | Mapping[str, Any], *, decimals: str = "float") -> Any:
    """A DataFrame with one row per model.

    ``items`` is a list of models, or a mapping such as ``client.market.quotes()``
    (its keys become the index). ``decimals="float"`` (default) converts money to
    floats for plotting; ``decimals="decimal"`` keeps exact ``Decimal`` objects.
    """
    if decimals not in {"float", "decimal"}:
        raise ValueError("decimals must be 'float' or 'decimal'")
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError('to_dataframe needs pandas: pip install "etrade_sync[pandas]"') from exc
    if isinstance(items, Mapping):
        keys = list(items.keys())
        rows = [flatten(items[key], decimals=decimals) for key in keys]
        return pd.DataFrame(rows, index=pd.Index(keys, name="key"))
    rows = [flatten(item, decimals=decimals) for item in items]
    return pd.DataFrame(rows)


def _html_cell(value: Any) -> str:
    import html

    if value is None:
        return ""
    if isinstance(value, Decimal):
        return html.escape(f"{value:,}")
    return html.escape(str(value))


def html_table(rows: Iterable[Mapping[str, Any]], *, title: str | None = None) -> str:
    """A small HTML table for notebooks (columns from the first row)."""
    import html

    rows = list(rows)
    columns = list(rows[0]) if rows else []
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_html_cell(row.get(c))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    caption = f"<caption>{html.escape(title)}</caption>" if title else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def model_html(item: Any) -> str:
    """One model as a two-column HTML table of its set fields."""
    fields = {k: v for k, v in flatten(item, decimals="decimal").items() if v is not None}
    rows = [{"field": k, "value": v} for k, v in fields.items()]
    return html_table(rows, title=type(item).__name__)


def pretty_lines(item: Any) -> list[str]:
    """``Name(`` then one ``field=value`` line per set field, for IPython's pretty printer."""
    fields = {k: v for k, v in flatten(item, decimals="decimal").items() if v is not None}
    inner = [f"    {k}={v!r}," for k, v in fields.items()]
    return [f"{type(item).__name__}(", *inner, ")"]

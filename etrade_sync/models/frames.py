"""
etrade_sync.models.frames
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`to_dataframe`, which turns results (quotes,
positions, orders, transactions, any list of etrade_sync models) into a pandas
DataFrame for notebooks, and the notebook displays: HTML tables for Jupyter,
readable text for IPython's pretty printer, and :class:`StatsReport`, the dict
``client.stats()`` returns, shown as tables. pandas is an optional extra (``pip
install "etrade_sync[pandas]"``) imported only by :func:`to_dataframe`.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from .plain import plain_value

__all__ = ["StatsReport", "columns_of", "flatten", "text_table", "to_dataframe"]


def flatten(item: Any, *, decimals: str = "float", prefix: str = "") -> dict[str, Any]:
    """One flat row from a model: nested models become ``parent_child`` columns (all
    of them, None when the nested model is missing, so every row has the same columns).

    Lists and mappings that are not models (``raw``, ``detail``, legs) are left out
    of the row; use the model itself for those.
    """
    if not dataclasses.is_dataclass(item) or isinstance(item, type):
        raise TypeError(f"expected an etrade_sync model, got {type(item).__name__}")
    row: dict[str, Any] = {}
    for name, kind, nested in _plan(type(item)):
        value = getattr(item, name)
        column = f"{prefix}{name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            row.update(flatten(value, decimals=decimals, prefix=f"{column}_"))
        elif kind == "nested" and value is None and nested is not None:
            row.update(dict.fromkeys(columns_of(nested, f"{column}_")))
        elif kind == "skip" or isinstance(value, list | tuple | Mapping | set):
            continue
        else:
            row[column] = plain_value(value, decimals=decimals)
    return row


@functools.cache
def _plan(model: type) -> tuple[tuple[str, str, type | None], ...]:
    """``(field, kind, nested model)`` per field: kind is value, nested or skip."""
    try:
        hints = typing.get_type_hints(model)
    except (NameError, TypeError):  # an unresolvable annotation: judge by the values
        hints = {}
    plan: list[tuple[str, str, type | None]] = []
    for field in dataclasses.fields(model):
        if field.name == "raw":
            continue
        hint = hints.get(field.name)
        options = [hint]
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(hint) if a is not type(None)]
        nested = next(
            (a for a in options if isinstance(a, type) and dataclasses.is_dataclass(a)), None
        )
        origin = typing.get_origin(options[0]) if options else None
        if nested is not None:
            plan.append((field.name, "nested", nested))
        elif isinstance(origin, type) and issubclass(origin, Sequence | Mapping | set | frozenset):
            plan.append((field.name, "skip", None))
        else:
            plan.append((field.name, "value", None))
    return tuple(plan)


@functools.cache
def columns_of(model: type, prefix: str = "") -> tuple[str, ...]:
    """The columns :func:`flatten` gives for any instance of ``model`` (a model class)."""
    columns: list[str] = []
    for name, kind, nested in _plan(model):
        if kind == "nested" and nested is not None:
            columns += columns_of(nested, f"{prefix}{name}_")
        elif kind == "value":
            columns.append(f"{prefix}{name}")
    return tuple(columns)


def to_dataframe(
    items: Iterable[Any] | Mapping[str, Any], *, decimals: str = "float", model: type | None = None
) -> Any:
    """A DataFrame with one row per model.

    ``items`` is a list of models, or a mapping such as ``client.market.quotes()``
    (its keys become the index, named ``symbol``). ``decimals="float"`` (default)
    converts money to floats for plotting; ``decimals="decimal"`` keeps exact
    ``Decimal`` objects. ``model`` (a model class) gives an empty result its columns.
    """
    if decimals not in {"float", "decimal"}:
        raise ValueError("decimals must be 'float' or 'decimal'")
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError('to_dataframe needs pandas: pip install "etrade_sync[pandas]"') from exc
    keys: list[str] | None = None
    if isinstance(items, Mapping):
        keys = list(items.keys())
        rows = [flatten(items[key], decimals=decimals) for key in keys]
    else:
        rows = [flatten(item, decimals=decimals) for item in items]
    columns = list(columns_of(model)) if model is not None and not rows else None
    index = pd.Index(keys, name="symbol", dtype=object) if keys is not None else None
    return pd.DataFrame(rows, index=index, columns=columns)


# -- display -----------------------------------------------------------------------


def readable(value: Any) -> str:
    """A value as a person reads it: ``183.10`` not ``Decimal('183.10')``, ISO times."""
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _html_cell(value: Any) -> str:
    return "" if value is None else html.escape(readable(value))


def html_table(rows: Iterable[Mapping[str, Any]], *, title: str | None = None) -> str:
    """A small HTML table for notebooks (columns from the first row)."""
    rows = list(rows)
    columns = list(rows[0]) if rows else []
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_html_cell(row.get(c))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    caption = f"<caption>{html.escape(title)}</caption>" if title else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text_table(rows: Sequence[Mapping[str, Any]], *, title: str | None = None) -> str:
    """The same table as plain text (IPython's pretty printer, terminals)."""
    columns = list(rows[0]) if rows else []
    cells = [[("" if r.get(c) is None else readable(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = [title] if title else []
    if columns:
        lines.append("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
                  for row in cells]  # fmt: skip
    return "\n".join(lines)


def model_html(item: Any) -> str:
    """One model as a two-column HTML table of its set fields."""
    fields = {k: v for k, v in flatten(item, decimals="decimal").items() if v is not None}
    rows = [{"field": k, "value": v} for k, v in fields.items()]
    return html_table(rows, title=type(item).__name__)


def pretty_lines(item: Any) -> list[str]:
    """``Name(`` then one ``field=value`` line per set field, for IPython's pretty printer."""
    fields = {k: v for k, v in flatten(item, decimals="decimal").items() if v is not None}
    inner = [
        f"    {k}={v!r}," if isinstance(v, str) else f"    {k}={readable(v)},"
        for k, v in fields.items()
    ]
    return [f"{type(item).__name__}(", *inner, ")"]


class StatsReport(dict[str, Any]):
    """``client.stats()``: a plain dict (``json.dumps`` ready) that a notebook shows as
    tables: calls and latency per endpoint, the rate gate, the caches."""

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """The report as rows: ``{"calls": [...], "gate": [...], "cache": [...]}``."""
        calls = []
        for name, figures in self.get("calls", {}).get("endpoints", {}).items():
            latency = {f"{k} ms": v for k, v in figures.get("latency_ms", {}).items()}
            counts = {k: figures.get(k) for k in ("count", "errors", "retries")}
            calls.append({"endpoint": name, **counts, **latency})
        gate = self.get("gate", {})
        limits, used = gate.get("limits", {}), gate.get("categories", {})
        gate_rows = [
            {"category": name, "limits": limit, **used.get(name, {})}
            for name, limit in limits.items()
        ]
        cache = [{"cache": name, **figures} for name, figures in self.get("cache", {}).items()]
        return {"calls": calls, "gate": gate_rows, "cache": cache}

    def to_dataframes(self) -> dict[str, Any]:
        """:meth:`tables` as pandas DataFrames (needs the pandas extra)."""
        import pandas as pd

        return {name: pd.DataFrame(rows) for name, rows in self.tables().items()}

    def _summary(self) -> str:
        circuit = self.get("circuit", {}).get("state", "?")
        skew = self.get("clock_skew_s")
        shown = "unknown" if skew is None else f"{skew:+.1f} s"
        backend = self.get("gate", {}).get("backend", "?")
        return f"rate gate backend {backend}; circuit breaker {circuit}; clock skew {shown}"

    def _repr_html_(self) -> str:
        titles = {"calls": "Calls per endpoint", "gate": "Rate gate", "cache": "Caches"}
        parts = [html_table(rows, title=titles[name]) for name, rows in self.tables().items()]
        return "".join(parts) + f"<p>{html.escape(self._summary())}</p>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        if cycle:
            printer.text("StatsReport(...)")
            return
        titles = {"calls": "Calls per endpoint", "gate": "Rate gate", "cache": "Caches"}
        parts = [text_table(rows, title=titles[name]) for name, rows in self.tables().items()]
        printer.text("\n\n".join([*parts, self._summary()]))

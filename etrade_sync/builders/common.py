"""
etrade_sync.builders.common
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides what every order builder shares: the known order values,
the ``clientOrderId`` generator and check, and the validators of prices,
quantities and enum-like choices. Each validator raises
:class:`~etrade_sync.errors.ValidationError` naming the field, before any request.

Price rule (SEC Regulation NMS, Rule 612, which E*TRADE applies): equity prices of
$1.00 or more have at most 2 decimals, below $1.00 at most 4. Option premiums and
spread net prices have at most 2 decimals.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, Self, runtime_checkable

from ..checks import to_price
from ..errors import ValidationError

__all__ = [
    "EQUITY_ACTIONS",
    "EQUITY_PRICE_TYPES",
    "MARKET_SESSIONS",
    "MAX_LEGS",
    "MAX_PRICE",
    "MAX_QUANTITY",
    "OPTION_ACTIONS",
    "OPTION_PRICE_TYPES",
    "ORDER_TERMS",
    "ORDER_TYPES",
    "SPREAD_ORDER_TYPES",
    "SPREAD_PRICE_TYPES",
    "OrderBuilder",
    "OrderRequest",
    "check_client_order_id",
    "money",
    "new_client_order_id",
    "to_quantity",
]

#: ``orderAction`` values for stocks.
EQUITY_ACTIONS = frozenset({"BUY", "SELL", "BUY_TO_COVER", "SELL_SHORT"})
#: ``orderAction`` values for options.
OPTION_ACTIONS = frozenset({"BUY_OPEN", "SELL_OPEN", "BUY_CLOSE", "SELL_CLOSE"})
#: ``priceType`` values the equity builder supports.
EQUITY_PRICE_TYPES = frozenset({"MARKET", "LIMIT", "STOP", "STOP_LIMIT", "MARKET_ON_CLOSE"})
#: ``priceType`` values the single-option builder supports.
OPTION_PRICE_TYPES = frozenset({"MARKET", "LIMIT", "STOP", "STOP_LIMIT"})
#: ``priceType`` values of multi-leg orders (the net price of all legs).
SPREAD_PRICE_TYPES = frozenset({"NET_DEBIT", "NET_CREDIT", "NET_EVEN", "MARKET"})
#: ``orderTerm`` values.
ORDER_TERMS = frozenset(
    {"GOOD_FOR_DAY", "GOOD_UNTIL_CANCEL", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL"}
)
#: ``marketSession`` values.
MARKET_SESSIONS = frozenset({"REGULAR", "EXTENDED"})
#: ``orderType`` values E*TRADE documents.
ORDER_TYPES = frozenset(
    {
        "EQ",
        "OPTN",
        "SPREADS",
        "BUY_WRITES",
        "BUTTERFLY",
        "IRON_BUTTERFLY",
        "CONDOR",
        "IRON_CONDOR",
        "MF",
        "MMF",
    }
)
#: ``orderType`` values of multi-leg orders.
SPREAD_ORDER_TYPES = frozenset(
    {"SPREADS", "BUY_WRITES", "BUTTERFLY", "IRON_BUTTERFLY", "CONDOR", "IRON_CONDOR"}
)
#: The most legs E*TRADE takes in one order.
MAX_LEGS = 4
#: Prices at or above this are refused as typing mistakes.
MAX_PRICE = Decimal(1_000_000)
#: Quantities above this (shares or contracts) are refused as typing mistakes.
MAX_QUANTITY = 1_000_000

_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9]{1,20}$")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CENT = Decimal("0.01")
_HUNDREDTH_CENT = Decimal("0.0001")


@runtime_checkable
class OrderRequest(Protocol):
    """What ``client.orders.preview`` accepts: every builder in this package."""

    @property
    def order_type(self) -> str: ...

    @property
    def client_order_id(self) -> str: ...

    def to_request(self) -> dict[str, Any]: ...


def new_client_order_id() -> str:
    """A fresh ``clientOrderId``: 20 characters, time-ordered prefix, random tail.

    The prefix is the current time in milliseconds (base 36, 9 characters), so ids
    sort by creation; the 11 random characters (about 57 bits) keep ids from two
    processes in the same millisecond apart.
    """
    return _base36(int(time.time() * 1000)).rjust(9, "0") + "".join(
        secrets.choice(_ALPHABET) for _ in range(11)
    )


def check_client_order_id(value: Any) -> str:
    """``value`` if it is a valid ``clientOrderId`` (1-20 letters and digits)."""
    if not isinstance(value, str) or not _CLIENT_ID_RE.match(value):
        raise ValidationError(
            f"client_order_id must be 1-20 letters and digits, got {value!r}",
            field="client_order_id",
        )
    return value


def check_tick(price: Decimal | None, *, field: str, sub_penny: bool) -> Decimal | None:
    """Refuse prices finer than the tick: cents, or 1/100 cent below $1 if ``sub_penny``."""
    if price is None:
        return None
    if price >= MAX_PRICE:
        raise ValidationError(f"{field} {price} is not a plausible price", field=field)
    tick = _HUNDREDTH_CENT if sub_penny and price < 1 else _CENT
    if price != price.quantize(tick):
        rule = "at most 2 decimals (4 below $1.00)" if sub_penny else "at most 2 decimals"
        raise ValidationError(f"{field} {price} has too many decimals: {rule}", field=field)
    return price


def to_tick_price(value: Any, *, field: str, sub_penny: bool) -> Decimal | None:
    """:func:`to_price`, then :func:`check_tick`: a positive price on the tick, or None."""
    return check_tick(to_price(value, field=field), field=field, sub_penny=sub_penny)


def to_quantity(value: Any, *, field: str = "quantity", unit: str = "shares") -> int:
    """A positive whole quantity (shares or contracts)."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{field} must be a whole number of {unit}", field=field)
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(
            f"{field} must be a whole number of {unit}, got {value!r}", field=field
        ) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(
            f"{field} must be a whole number of {unit}, got {value!r}", field=field
        )
    if number <= 0:
        raise ValidationError(f"{field} must be positive, got {value!r}", field=field)
    if number > MAX_QUANTITY:
        raise ValidationError(
            f"{field} {value!r} is more than {MAX_QUANTITY:,} {unit} in one order", field=field
        )
    return int(number)


def check_flag(value: Any, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{field} must be True or False, got {value!r}", field=field)
    return value


def money(value: Decimal) -> str:
    """A price as E*TRADE takes it: ``"10.50"``, or ``"0.1234"`` for sub-penny prices."""
    if value == value.quantize(_CENT):
        return f"{value:.2f}"
    return format(value.normalize(), "f")


def order_body(
    order_type: str, client_order_id: str, orders: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """The request body shared by preview and place (``Order`` always an array)."""
    return {
        "orderType": order_type,
        "clientOrderId": client_order_id,
        "Order": [dict(order) for order in orders],
    }


def instrument(product: Mapping[str, Any], action: str, quantity: int) -> dict[str, Any]:
    """One ``Instrument`` entry."""
    return {
        "Product": dict(product),
        "orderAction": action,
        "quantityType": "QUANTITY",
        "quantity": str(quantity),
    }


def _base36(number: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits)) or "0"


class OrderBuilder:
    """Base of the immutable order builders.

    Subclasses are frozen dataclasses whose fields match their constructor's
    arguments, so :meth:`replace` can rebuild them through the same checks.
    """

    client_order_id: str

    @property
    def order_type(self) -> str:
        raise NotImplementedError

    def to_request(self) -> dict[str, Any]:
        """The body of a preview (and, with ``PreviewIds``, of a place) request."""
        raise NotImplementedError

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied and checked again.

        The copy gets a new ``clientOrderId`` unless ``client_order_id`` is among
        the changes: a different order must not reuse the id of this one.
        """
        import dataclasses

        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        values["client_order_id"] = None
        values.update(changes)
        return type(self)(**values)


@dataclass(frozen=True, init=False)
class SingleLegOrder(OrderBuilder):
    """Base of the one-leg builders (stock, option): one instrument, one price.

    Subclasses narrow the type of ``symbol``, check every field in their
    constructor and give the ``Product`` of their symbol.
    """

    symbol: Any
    action: str
    quantity: int
    price_type: str
    limit_price: Decimal | None
    stop_price: Decimal | None
    term: str
    session: str
    all_or_none: bool
    client_order_id: str

    def _product(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_request(self) -> dict[str, Any]:
        order = order_fields(
            self.price_type,
            self.term,
            self.session,
            self.all_or_none,
            limit=self.limit_price,
            stop=self.stop_price,
        )
        order["Instrument"] = [instrument(self._product(), self.action, self.quantity)]
        return order_body(self.order_type, self.client_order_id, [order])


def check_single_leg(
    price_type: str, term: str, limit: Decimal | None, stop: Decimal | None
) -> None:
    """Price and term rules of one-leg orders (market, limit, stop, stop-limit)."""
    needs_limit = price_type in {"LIMIT", "STOP_LIMIT"}
    needs_stop = price_type in {"STOP", "STOP_LIMIT"}
    if needs_limit and limit is None:
        raise ValidationError(f"a {price_type} order needs limit_price", field="limit_price")
    if limit is not None and not needs_limit:
        raise ValidationError(
            f"limit_price is only for LIMIT and STOP_LIMIT orders, not {price_type}",
            field="limit_price",
        )
    if needs_stop and stop is None:
        raise ValidationError(f"a {price_type} order needs stop_price", field="stop_price")
    if stop is not None and not needs_stop:
        raise ValidationError(
            f"stop_price is only for STOP and STOP_LIMIT orders, not {price_type}",
            field="stop_price",
        )
    if term in {"IMMEDIATE_OR_CANCEL", "FILL_OR_KILL"} and price_type != "LIMIT":
        raise ValidationError(
            f"term {term} is only allowed with LIMIT orders, not {price_type}", field="term"
        )


def order_fields(
    price_type: str,
    term: str,
    session: str,
    all_or_none: bool,
    *,
    limit: Decimal | None = None,
    stop: Decimal | None = None,
) -> dict[str, Any]:
    """The scalar fields of one ``Order`` entry, strings as E*TRADE's own pages send."""
    fields: dict[str, Any] = {
        "allOrNone": "true" if all_or_none else "false",
        "priceType": price_type,
        "orderTerm": term,
        "marketSession": session,
    }
    if limit is not None:
        fields["limitPrice"] = money(limit)
    if stop is not None:
        fields["stopPrice"] = money(stop)
    return fields


def client_order_id_or_new(value: str | None) -> str:
    return new_client_order_id() if value is None else check_client_order_id(value)


def check_not_expired(expiry: Any, *, field: str = "expiry") -> None:
    """Refuse an option whose expiry is before today (US Eastern)."""
    import datetime as dt

    from .._tz import EASTERN

    today = dt.datetime.now(EASTERN).date()
    if expiry < today:
        raise ValidationError(f"the option expired on {expiry:%Y-%m-%d}", field=field)


def request_body(order: OrderRequest | Mapping[str, Any]) -> dict[str, Any]:
    """The preview body of ``order``: a builder, or an already-built body mapping.

    A mapping may be the body itself or wrapped in ``PreviewOrderRequest``; it
    gets a generated ``clientOrderId`` when it has none. The result is a fresh
    copy with ``Order`` and ``Instrument`` as arrays.
    """
    import copy

    if isinstance(order, OrderRequest):
        body = copy.deepcopy(order.to_request())
    elif isinstance(order, Mapping):
        inner = order.get("PreviewOrderRequest", order)
        body = copy.deepcopy(dict(inner)) if isinstance(inner, Mapping) else {}
        body.setdefault("clientOrderId", new_client_order_id())
    else:
        raise ValidationError(
            f"order must be an order builder (EquityOrder, OptionOrder, SpreadOrder) or a "
            f"request body, got {type(order).__name__}",
            field="order",
        )
    if not isinstance(body.get("orderType"), str) or not body["orderType"]:
        raise ValidationError("the order body has no orderType", field="order")
    check_client_order_id(body.get("clientOrderId"))
    orders = body.get("Order")
    if isinstance(orders, Mapping):
        orders = [orders]
    if (
        not isinstance(orders, list)
        or not orders
        or not all(isinstance(o, Mapping) for o in orders)
    ):
        raise ValidationError("the order body needs Order: [ {...} ]", field="order")
    body["Order"] = [_with_instrument_list(o) for o in orders]
    return body


def _with_instrument_list(order: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(order)
    instruments = out.get("Instrument")
    if isinstance(instruments, Mapping):
        out["Instrument"] = [instruments]
    if not isinstance(out.get("Instrument"), list) or not out["Instrument"]:
        raise ValidationError("each Order needs Instrument: [ {...} ]", field="order")
    return out

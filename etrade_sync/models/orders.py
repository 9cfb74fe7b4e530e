"""
etrade_sync.models.orders
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the order models: :class:`Order` (from the order list),
its :class:`OrderDetail` and :class:`OrderInstrument` legs, and the answers to
order calls: :class:`Preview`, :class:`PlacedOrder` and :class:`CancelResult`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import Model, as_list, to_bool, to_datetime, to_decimal, to_int, to_str
from .common import Message, Product, messages_from

__all__ = [
    "ORDER_STATUSES",
    "CancelResult",
    "Order",
    "OrderDetail",
    "OrderInstrument",
    "PlacedOrder",
    "Preview",
    "order_ids_from",
]

#: ``status`` values E*TRADE documents (others are kept as they come).
ORDER_STATUSES = frozenset(
    {
        "OPEN",
        "EXECUTED",
        "CANCELLED",
        "INDIVIDUAL_FILLS",
        "CANCEL_REQUESTED",
        "EXPIRED",
        "REJECTED",
        "PARTIAL",
        "DO_NOT_EXERCISE",
        "DONE_TRADE_EXECUTED",
    }
)

# Epoch values below this are not milliseconds (year 1973 in ms).
_MS_FLOOR = Decimal(100_000_000_000)

#: Statuses after which an order can no longer fill.
FINAL_STATUSES = frozenset({"EXECUTED", "CANCELLED", "EXPIRED", "REJECTED"})


@dataclasses.dataclass(frozen=True)
class OrderInstrument(Model):
    """One leg of an order: product, action and quantities."""

    product: Product
    action: str | None = None
    quantity_type: str | None = None
    quantity: Decimal | None = None
    filled_quantity: Decimal | None = None
    average_execution_price: Decimal | None = None
    estimated_commission: Decimal | None = None
    estimated_fees: Decimal | None = None
    description: str | None = None
    reserve_order: bool | None = None
    reserve_quantity: Decimal | None = None

    @property
    def symbol(self) -> str:
        return self.product.symbol

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> OrderInstrument:
        quantity = data.get("orderedQuantity", data.get("quantity"))
        return cls(
            product=Product.from_api(data.get("Product")),
            action=to_str(data.get("orderAction")),
            quantity_type=to_str(data.get("quantityType")),
            quantity=to_decimal(quantity),
            filled_quantity=to_decimal(data.get("filledQuantity")),
            average_execution_price=to_decimal(data.get("averageExecutionPrice")),
            estimated_commission=to_decimal(data.get("estimatedCommission")),
            estimated_fees=to_decimal(data.get("estimatedFees")),
            description=to_str(data.get("symbolDescription")),
            reserve_order=to_bool(data.get("reserveOrder")),
            reserve_quantity=to_decimal(data.get("reserveQuantity")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class OrderDetail(Model):
    """The terms and state of an order (one ``OrderDetail``/``Order`` entry)."""

    status: str | None = None
    price_type: str | None = None
    term: str | None = None
    session: str | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    all_or_none: bool | None = None
    placed_at: datetime | None = None
    executed_at: datetime | None = None
    order_value: Decimal | None = None
    net_price: Decimal | None = None
    estimated_commission: Decimal | None = None
    estimated_total_amount: Decimal | None = None
    order_number: int | None = None
    instruments: tuple[OrderInstrument, ...] = ()
    messages: tuple[Message, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> OrderDetail:
        status = to_str(data.get("status"))
        instruments = tuple(
            OrderInstrument.from_api(row)
            for row in as_list(data.get("Instrument"))
            if isinstance(row, Mapping)
        )
        executed = to_datetime(data.get("executedTime"))
        filled = any(i.filled_quantity for i in instruments)
        raw_executed = to_decimal(data.get("executedTime"))
        if not filled and raw_executed is not None and raw_executed < _MS_FLOOR:
            # executedTime is epoch ms; unfilled (e.g. cancelled) orders carry junk such
            # as 2023137072 there.
            executed = None
        return cls(
            status=status,
            price_type=to_str(data.get("priceType")),
            term=to_str(data.get("orderTerm")),
            session=to_str(data.get("marketSession")),
            limit_price=_price(data.get("limitPrice")),
            stop_price=_price(data.get("stopPrice")),
            all_or_none=to_bool(data.get("allOrNone")),
            placed_at=to_datetime(data.get("placedTime")),
            executed_at=executed,
            order_value=to_decimal(data.get("orderValue")),
            net_price=to_decimal(data.get("netPrice")),
            estimated_commission=to_decimal(data.get("estimatedCommission")),
            estimated_total_amount=to_decimal(data.get("estimatedTotalAmount")),
            order_number=to_int(data.get("orderNumber")),
            instruments=instruments,
            messages=messages_from(data),
            raw=data,
        )


def _price(value: Any) -> Decimal | None:
    """A limit or stop price; E*TRADE sends 0 when the order has none."""
    price = to_decimal(value)
    return price if price else None


def _details(rows: Any) -> tuple[OrderDetail, ...]:
    return tuple(OrderDetail.from_api(r) for r in as_list(rows) if isinstance(r, Mapping))


@dataclasses.dataclass(frozen=True)
class Order(Model):
    """An order from ``client.orders.list`` / ``get``.

    Most orders have one :class:`OrderDetail`; :attr:`status`, :attr:`placed_at`
    and :attr:`instruments` read the first.
    """

    order_id: int
    order_type: str | None = None
    client_order_id: str | None = None
    details_url: str | None = None
    details: tuple[OrderDetail, ...] = ()

    @property
    def status(self) -> str | None:
        return self.details[0].status if self.details else None

    @property
    def is_final(self) -> bool:
        """True once the order can no longer fill (executed, cancelled, expired, ...)."""
        return (self.status or "").upper() in FINAL_STATUSES

    @property
    def placed_at(self) -> datetime | None:
        return self.details[0].placed_at if self.details else None

    @property
    def instruments(self) -> tuple[OrderInstrument, ...]:
        return tuple(i for d in self.details for i in d.instruments)

    @property
    def symbols(self) -> list[str]:
        return sorted({i.symbol for i in self.instruments if i.symbol})

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Order:
        return cls(
            order_id=to_int(data.get("orderId")) or 0,
            order_type=to_str(data.get("orderType")),
            client_order_id=to_str(data.get("clientOrderId")),
            details_url=to_str(data.get("details")),
            details=_details(data.get("OrderDetail")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class Preview(Model):
    """The answer to a preview, and everything ``place`` needs.

    :attr:`request` is the exact order body that was previewed (``orderType``,
    ``clientOrderId``, ``Order``); ``client.orders.place`` sends it again with
    :attr:`preview_ids`, as E*TRADE requires. :attr:`order_id` is set for the
    preview of a change to an existing order.
    """

    account_id_key: str
    preview_ids: tuple[int, ...]
    order_type: str
    client_order_id: str
    request: Mapping[str, Any] = dataclasses.field(repr=False)
    order_id: int | None = None
    account_id: str | None = None
    previewed_at: datetime | None = None
    total_order_value: Decimal | None = None
    total_commission: Decimal | None = None
    estimated_total_amount: Decimal | None = None
    estimated_commission: Decimal | None = None
    details: tuple[OrderDetail, ...] = ()
    messages: tuple[Message, ...] = ()

    @property
    def preview_id(self) -> int | None:
        return self.preview_ids[0] if self.preview_ids else None

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if not m.is_error]

    @classmethod
    def from_api(
        cls,
        data: Mapping[str, Any],
        *,
        account_id_key: str,
        request: Mapping[str, Any],
        order_id: int | None = None,
    ) -> Preview:
        body = data.get("PreviewOrderResponse", data)
        body = body if isinstance(body, Mapping) else {}
        details = _details(body.get("Order"))
        ids = [
            to_int(row.get("previewId"))
            for row in as_list(body.get("PreviewIds"))
            if isinstance(row, Mapping)
        ]
        return cls(
            account_id_key=account_id_key,
            preview_ids=tuple(i for i in ids if i is not None),
            order_type=to_str(body.get("orderType")) or str(request.get("orderType", "")),
            client_order_id=str(request.get("clientOrderId", "")),
            request=copy.deepcopy(dict(request)),
            order_id=order_id,
            account_id=to_str(body.get("accountId")),
            previewed_at=to_datetime(body.get("previewTime")),
            total_order_value=to_decimal(body.get("totalOrderValue")),
            total_commission=to_decimal(body.get("totalCommission")),
            estimated_total_amount=_total(d.estimated_total_amount for d in details),
            estimated_commission=_total(d.estimated_commission for d in details),
            details=details,
            messages=messages_from(body) + tuple(m for d in details for m in d.messages),
            raw=data,
        )


def _total(values: Any) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def order_ids_from(data: Any) -> tuple[int, ...]:
    """The order ids in an answer to place or change-place: the one parser of them.

    Reads ``PlaceOrderResponse.OrderIds`` (a list or a lone object; ids as numbers or
    numeric strings), else a top-level ``orderId``; keeps only positive ids.
    """
    body = data.get("PlaceOrderResponse", data) if isinstance(data, Mapping) else None
    if not isinstance(body, Mapping):
        return ()
    ids = [
        to_int(row.get("orderId"))
        for row in as_list(body.get("OrderIds"))
        if isinstance(row, Mapping)
    ]
    if not ids:
        ids = [to_int(body.get("orderId"))]
    return tuple(dict.fromkeys(i for i in ids if i is not None and i > 0))


@dataclasses.dataclass(frozen=True)
class PlacedOrder(Model):
    """The answer to a place (or change-place): the new :attr:`order_id`.

    :attr:`client_order_id` is the id sent with the order (E*TRADE does not echo
    it); :attr:`replaced_order_id` is the order a change replaced.
    """

    order_id: int
    client_order_id: str
    account_id_key: str
    order_ids: tuple[int, ...] = ()
    order_type: str | None = None
    account_id: str | None = None
    placed_at: datetime | None = None
    replaced_order_id: int | None = None
    details: tuple[OrderDetail, ...] = ()
    messages: tuple[Message, ...] = ()

    @classmethod
    def from_api(
        cls,
        data: Mapping[str, Any],
        *,
        account_id_key: str,
        client_order_id: str,
        replaced_order_id: int | None = None,
    ) -> PlacedOrder:
        body = data.get("PlaceOrderResponse", data)
        body = body if isinstance(body, Mapping) else {}
        details = _details(body.get("Order"))
        order_ids = order_ids_from(data)
        return cls(
            order_id=order_ids[0] if order_ids else 0,
            client_order_id=client_order_id,
            account_id_key=account_id_key,
            order_ids=order_ids,
            order_type=to_str(body.get("orderType")),
            account_id=to_str(body.get("accountId")),
            placed_at=to_datetime(body.get("placedTime")),
            replaced_order_id=replaced_order_id,
            details=details,
            messages=messages_from(body) + tuple(m for d in details for m in d.messages),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class CancelResult(Model):
    """The answer to a cancel request. Cancels can be pending: check the order list."""

    order_id: int
    account_id: str | None = None
    cancelled_at: datetime | None = None
    messages: tuple[Message, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, order_id: int) -> CancelResult:
        body = data.get("CancelOrderResponse", data)
        body = body if isinstance(body, Mapping) else {}
        return cls(
            order_id=to_int(body.get("orderId")) or order_id,
            account_id=to_str(body.get("accountId")),
            cancelled_at=to_datetime(body.get("cancelTime")),
            messages=messages_from(body),
            raw=data,
        )

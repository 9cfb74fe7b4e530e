"""
etrade_sync.models.transactions
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the account-activity models: :class:`Transaction` (one row
of ``accounts/{k}/transactions``) and :class:`TransactionDetail` (one
transaction's details).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import Model, to_datetime, to_decimal, to_int, to_str
from .common import Product

__all__ = ["TRANSACTION_TYPES", "Transaction", "TransactionDetail"]

#: Common ``transactionType`` values (E*TRADE sends others; they are kept as-is).
TRANSACTION_TYPES = frozenset(
    {
        "Bought",
        "Sold",
        "Dividend",
        "Interest",
        "Fee",
        "Transfer",
        "Deposit",
        "Withdrawal",
        "Adjustment",
        "Reorganization",
        "Option Assignment",
        "Option Exercise",
        "Option Expiration",
    }
)


def _brokerage(data: Mapping[str, Any]) -> Mapping[str, Any]:
    block = data.get("brokerage", data.get("Brokerage"))
    return block if isinstance(block, Mapping) else {}


def _shared_fields(
    data: Mapping[str, Any], brokerage: Mapping[str, Any], product: Any
) -> dict[str, Any]:
    """The fields :class:`Transaction` and :class:`TransactionDetail` share, as kwargs."""
    return {
        "transaction_id": to_str(data.get("transactionId")) or "",
        "account_id": to_str(data.get("accountId")),
        "date": to_datetime(data.get("transactionDate")),
        "post_date": to_datetime(data.get("postDate")),
        "amount": to_decimal(data.get("amount")),
        "description": to_str(data.get("description")),
        "product": Product.from_api(product) if isinstance(product, Mapping) else None,
        "quantity": to_decimal(brokerage.get("quantity")),
        "price": to_decimal(brokerage.get("price")),
        "fee": to_decimal(brokerage.get("fee")),
        "settlement_currency": to_str(brokerage.get("settlementCurrency")),
    }


@dataclasses.dataclass(frozen=True)
class Transaction(Model):
    """One account transaction. ``amount`` is signed (money in is positive)."""

    transaction_id: str
    account_id: str | None = None
    date: datetime | None = None
    post_date: datetime | None = None
    amount: Decimal | None = None
    description: str | None = None
    type: str | None = None
    inst_type: str | None = None
    store_id: int | None = None
    product: Product | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    fee: Decimal | None = None
    settlement_currency: str | None = None
    details_url: str | None = None

    @property
    def symbol(self) -> str | None:
        return self.product.symbol if self.product is not None and self.product.symbol else None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Transaction:
        brokerage = _brokerage(data)
        product_data = brokerage.get("product", brokerage.get("Product"))
        return cls(
            **_shared_fields(data, brokerage, product_data),
            type=to_str(data.get("transactionType")),
            inst_type=to_str(data.get("instType")),
            store_id=to_int(data.get("storeId")),
            details_url=to_str(data.get("detailsURI")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class TransactionDetail(Model):
    """The details of one transaction (``transactions/{id}``)."""

    transaction_id: str
    account_id: str | None = None
    date: datetime | None = None
    post_date: datetime | None = None
    amount: Decimal | None = None
    description: str | None = None
    type: str | None = None
    category_id: str | None = None
    category_parent_id: str | None = None
    product: Product | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    fee: Decimal | None = None
    settlement_currency: str | None = None
    payment_currency: str | None = None
    memo: str | None = None
    order_number: str | None = None

    @property
    def symbol(self) -> str | None:
        return self.product.symbol if self.product is not None and self.product.symbol else None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TransactionDetail:
        body = data.get("TransactionDetailsResponse", data)
        if not isinstance(body, Mapping):
            body = {}
        brokerage = _brokerage(body)
        category = body.get("Category", body.get("category"))
        category = category if isinstance(category, Mapping) else {}
        product_data = brokerage.get("Product", brokerage.get("product"))
        return cls(
            **_shared_fields(body, brokerage, product_data),
            type=to_str(body.get("transactionType") or brokerage.get("transactionType")),
            category_id=to_str(category.get("categoryId")),
            category_parent_id=to_str(category.get("parentId")),
            payment_currency=to_str(brokerage.get("paymentCurrency")),
            memo=to_str(brokerage.get("memo")),
            order_number=to_str(brokerage.get("orderNo")),
            raw=data,
        )

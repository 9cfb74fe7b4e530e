"""
etrade_sync.paper.views
~~~~~~~~~~~~~~~~~~~~~~~

This module provides the paper broker's answers in E*TRADE's JSON shapes (account
list, balance, portfolio, transactions, order list, preview, place, cancel), so the
endpoint groups parse them into the same models as a live answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .store import PaperAccount, PaperFill, PaperOrder

__all__ = [
    "account_row",
    "balance_body",
    "order_row",
    "place_body",
    "portfolio_body",
    "preview_body",
    "transaction_row",
]

JSON = dict[str, Any]
ZERO = Decimal("0")


def account_row(account: PaperAccount) -> JSON:
    return {
        "accountId": account.account_id,
        "accountIdKey": account.key,
        "accountMode": "CASH",
        "accountDesc": "Paper trading",
        "accountName": f"Paper {account.key[5:]}",
        "accountType": "INDIVIDUAL",
        "institutionType": "BROKERAGE",
        "accountStatus": "ACTIVE",
        "closedDate": 0,
        "shareWorksAccount": False,
    }


def balance_body(
    account: PaperAccount, market_value: Decimal, reserved: Decimal, now_ms: int
) -> JSON:
    available = account.cash - reserved
    return {
        "BalanceResponse": {
            "accountId": account.account_id,
            "accountType": "INDIVIDUAL",
            "accountDescription": "Paper trading",
            "accountMode": "CASH",
            "institutionType": "BROKERAGE",
            "optionLevel": "NO_OPTIONS",
            "quoteMode": 1,
            "asOfDate": now_ms,
            "Cash": {"fundsForOpenOrdersCash": reserved, "moneyMktBalance": ZERO},
            "Computed": {
                "accountBalance": account.cash,
                "netCash": account.cash,
                "cashBalance": account.cash,
                "cashAvailableForInvestment": available,
                "cashAvailableForWithdrawal": available,
                "totalAvailableForWithdrawal": available,
                "settledCashForInvestment": available,
                "unSettledCashForInvestment": ZERO,
                "cashBuyingPower": available,
                "marginBuyingPower": ZERO,
                "RealTimeValues": {
                    "totalAccountValue": account.cash + market_value,
                    "netMv": market_value,
                    "netMvLong": market_value,
                    "netMvShort": ZERO,
                },
            },
        }
    }


def portfolio_body(
    account: PaperAccount,
    positions: Mapping[str, tuple[Decimal, Decimal, int]],
    marks: Mapping[str, Decimal],
) -> JSON:
    rows = []
    for n, (symbol, (quantity, cost, opened)) in enumerate(positions.items(), start=1):
        mark = marks.get(symbol)
        value = quantity * mark if mark is not None else None
        rows.append(
            {
                "positionId": n,
                "symbolDescription": symbol,
                "dateAcquired": opened,
                "pricePaid": (cost / quantity).quantize(Decimal("0.0001")),
                "commissions": ZERO,
                "otherFees": ZERO,
                "quantity": quantity,
                "positionIndicator": "TYPE2",
                "positionType": "LONG",
                "costPerShare": (cost / quantity).quantize(Decimal("0.0001")),
                "totalCost": cost,
                "marketValue": value,
                "totalGain": None if value is None else value - cost,
                "Product": {"symbol": symbol, "securityType": "EQ"},
                "Quick": {"lastTrade": mark},
            }
        )
    return {
        "PortfolioResponse": {
            "AccountPortfolio": [
                {"accountId": account.account_id, "Position": rows, "totalPages": 1}
            ]
        }
    }


def order_row(order: PaperOrder) -> JSON:
    instrument: JSON = {
        "symbolDescription": order.symbol,
        "orderAction": order.action,
        "quantityType": "QUANTITY",
        "orderedQuantity": order.quantity,
        "filledQuantity": order.quantity if order.status == "EXECUTED" else ZERO,
        "estimatedCommission": order.commission or ZERO,
        "estimatedFees": ZERO,
        "Product": {"symbol": order.symbol, "securityType": "EQ"},
    }
    if order.fill_price is not None:
        instrument["averageExecutionPrice"] = order.fill_price
    detail: JSON = {
        "orderNumber": 1,
        "placedTime": order.placed_ms,
        "orderValue": order.quantity * (order.fill_price or order.limit_price or ZERO),
        "status": order.status,
        "orderTerm": order.term,
        "priceType": order.price_type,
        "limitPrice": order.limit_price or ZERO,
        "stopPrice": order.stop_price or ZERO,
        "marketSession": order.session,
        "allOrNone": False,
        "netPrice": ZERO,
        "Instrument": [instrument],
    }
    if order.executed_ms is not None:
        detail["executedTime"] = order.executed_ms
    if order.replaces is not None:
        detail["replacesOrderId"] = order.replaces
    if order.replaced_by is not None:
        detail["replacedByOrderId"] = order.replaced_by
    return {
        "orderId": order.order_id,
        "clientOrderId": order.client_order_id,
        "orderType": "EQ",
        "OrderDetail": [detail],
    }


def _order_block(request: Mapping[str, Any], commission: Decimal, total: Decimal) -> JSON:
    order = dict(request["Order"][0])
    order.update({"estimatedCommission": commission, "estimatedTotalAmount": total})
    return order


def preview_body(
    account: PaperAccount,
    request: Mapping[str, Any],
    preview_id: int,
    commission: Decimal,
    total: Decimal,
    now_ms: int,
) -> JSON:
    return {
        "PreviewOrderResponse": {
            "orderType": "EQ",
            "totalOrderValue": total,
            "totalCommission": commission,
            "previewTime": now_ms,
            "accountId": account.account_id,
            "marginLevelCd": "MARGIN_TRADING_NOT_ALLOWED",
            "Order": [_order_block(request, commission, total)],
            "PreviewIds": [{"previewId": preview_id, "cashMargin": "CASH"}],
        }
    }


def place_body(
    account: PaperAccount,
    request: Mapping[str, Any],
    order_id: int,
    commission: Decimal,
    total: Decimal,
    now_ms: int,
) -> JSON:
    block = _order_block(request, commission, total)
    block["messages"] = {
        "Message": [
            {"description": "200|Your paper order was entered.", "code": 1026, "type": "WARNING"}
        ]
    }
    return {
        "PlaceOrderResponse": {
            "orderType": "EQ",
            "placedTime": now_ms,
            "accountId": account.account_id,
            "Order": [block],
            "OrderIds": [{"orderId": order_id}],
        }
    }


def transaction_row(account: PaperAccount, fill: PaperFill) -> JSON:
    sign = -1 if fill.action == "BUY" else 1
    amount = sign * fill.quantity * fill.price - fill.commission
    return {
        "transactionId": str(fill.fill_id),
        "accountId": account.account_id,
        "transactionDate": fill.at_ms,
        "postDate": fill.at_ms,
        "amount": amount,
        "description": f"{'Bought' if fill.action == 'BUY' else 'Sold'} {fill.symbol} (paper)",
        "transactionType": "Bought" if fill.action == "BUY" else "Sold",
        "instType": "BROKERAGE",
        "brokerage": {
            "Product": {"symbol": fill.symbol, "securityType": "EQ"},
            "quantity": fill.quantity if fill.action == "BUY" else -fill.quantity,
            "price": fill.price,
            "fee": fill.commission,
            "settlementCurrency": "USD",
            "paymentCurrency": "USD",
        },
    }

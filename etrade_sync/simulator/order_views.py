"""Order payloads: list entries, preview and place responses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import codes
from .book import Book
from .order_rules import ParsedOrder
from .state import ZERO, Account, OrderLeg, OrderRecord
from .wire import SimRequest

__all__ = ["ENTERED_MESSAGE", "order_summary", "place_payload", "preview_payload"]

JSONDict = dict[str, Any]
ENTERED_MESSAGE = "200|Your order was successfully entered during market hours."


def product(leg: OrderLeg) -> JSONDict:
    out: JSONDict = {"symbol": leg.symbol, "securityType": leg.security_type}
    if leg.option is not None:
        spec = leg.option
        out.update(
            {
                "callPut": spec.call_put,
                "expiryYear": spec.expiry.year,
                "expiryMonth": spec.expiry.month,
                "expiryDay": spec.expiry.day,
                "strikePrice": spec.strike,
                "productId": {"symbol": spec.osi_key, "typeCode": "OPTION"},
            }
        )
    return out


def _prices(limit: Decimal | None, stop: Decimal | None) -> JSONDict:
    return {
        "limitPrice": limit if limit is not None else ZERO,
        "stopPrice": stop if stop is not None else ZERO,
    }


def order_summary(call: SimRequest, account: Account, order: OrderRecord) -> JSONDict:
    """One ``Order`` entry of ``OrdersResponse``."""
    instruments = []
    for leg in order.legs:
        item: JSONDict = {
            "symbolDescription": leg.description,
            "orderAction": leg.action,
            "quantityType": leg.quantity_type,
            "orderedQuantity": leg.quantity,
            "filledQuantity": leg.filled_quantity,
            "estimatedCommission": order.estimated_commission if leg is order.legs[0] else ZERO,
            "estimatedFees": ZERO,
            "Product": product(leg),
        }
        if leg.average_execution_price is not None:
            item["averageExecutionPrice"] = leg.average_execution_price
        instruments.append(item)
    detail: JSONDict = {
        "orderNumber": 1,
        "accountId": account.account_id,
        "placedTime": order.placed_time,
    }
    if order.executed_time is not None:
        detail["executedTime"] = order.executed_time
    detail.update(
        {
            "orderValue": abs(order.order_value),
            "status": order.status,
            "orderTerm": order.order_term,
            "priceType": order.price_type,
            **_prices(order.limit_price, order.stop_price),
            "marketSession": order.market_session,
            "allOrNone": order.all_or_none,
            "netPrice": ZERO,
            "netBid": ZERO,
            "netAsk": ZERO,
            "gcd": 0,
            "ratio": "",
        }
    )
    if order.replaces_order_id is not None:
        detail["replacesOrderId"] = order.replaces_order_id
    if order.replaced_by_order_id is not None:
        detail["replacedByOrderId"] = order.replaced_by_order_id
    detail["Instrument"] = instruments
    return {
        "orderId": order.order_id,
        "details": call.link(f"/v1/accounts/{account.account_id_key}/orders/{order.order_id}"),
        "orderType": order.order_type,
        "OrderDetail": [detail],
    }


def _order_block(parsed: ParsedOrder, commission: Decimal, total: Decimal) -> JSONDict:
    instruments = [
        {
            "symbolDescription": leg.description,
            "orderAction": leg.action,
            "quantityType": leg.quantity_type,
            "quantity": leg.quantity,
            "cancelQuantity": ZERO,
            "reserveOrder": True,
            "reserveQuantity": ZERO,
            "Product": product(leg),
        }
        for leg in parsed.legs
    ]
    return {
        "orderTerm": parsed.order_term,
        "priceType": parsed.price_type,
        **_prices(parsed.limit_price, parsed.stop_price),
        "marketSession": parsed.market_session,
        "allOrNone": parsed.all_or_none,
        "egQual": "EG_QUAL_NOT_AN_ELIGIBLE_SECURITY",
        "estimatedCommission": commission,
        "estimatedTotalAmount": total,
        "netPrice": ZERO,
        "netBid": ZERO,
        "netAsk": ZERO,
        "gcd": 0,
        "ratio": "",
        "Instrument": instruments,
    }


def _common(
    account: Account, parsed: ParsedOrder, book: Book, commission: Decimal, total: Decimal
) -> JSONDict:
    cash_bp, margin_bp = book.buying_power(account)
    level = account.option_level.rsplit("_", 1)[-1]
    out: JSONDict = {
        "orderType": parsed.order_type,
        "totalOrderValue": total,
        "totalCommission": commission,
        "accountId": account.account_id,
        "dstFlag": False,
        "optionLevelCd": int(level) if level.isdigit() else 0,
        "marginLevelCd": "MARGIN_TRADING_ALLOWED"
        if account.is_margin
        else "MARGIN_TRADING_NOT_ALLOWED",
        "isEmployee": False,
        "commissionMsg": "Commission is estimated and may differ from the final charge.",
        "cashBpDetails": {"settled": {"currentBp": cash_bp, "netBp": cash_bp - max(total, ZERO)}},
    }
    if account.is_margin:
        out["marginBpDetails"] = {
            "nonMarginable": {"currentBp": margin_bp, "netBp": margin_bp - max(total, ZERO)}
        }
    return out


def preview_payload(
    account: Account,
    parsed: ParsedOrder,
    preview_id: int,
    book: Book,
    commission: Decimal,
    total: Decimal,
) -> JSONDict:
    """The body of ``PreviewOrderResponse``."""
    out = _common(account, parsed, book, commission, total)
    out["previewTime"] = book.now_ms()
    out["Order"] = [_order_block(parsed, commission, total)]
    out["PreviewIds"] = [
        {"previewId": preview_id, "cashMargin": "MARGIN" if account.is_margin else "CASH"}
    ]
    out["Disclosure"] = {
        "ehDisclosureFlag": parsed.market_session == "EXTENDED",
        "conditionalDisclosureFlag": False,
    }
    return out


def place_payload(
    account: Account,
    parsed: ParsedOrder,
    record: OrderRecord,
    book: Book,
    commission: Decimal,
    total: Decimal,
) -> JSONDict:
    """The body of ``PlaceOrderResponse``."""
    out = _common(account, parsed, book, commission, total)
    out["placedTime"] = record.placed_time
    block = _order_block(parsed, commission, total)
    block["messages"] = {
        "Message": [
            {"description": ENTERED_MESSAGE, "code": codes.ORDER_ENTERED, "type": "WARNING"}
        ]
    }
    out["Order"] = [block]
    out["OrderIds"] = [{"orderId": record.order_id}]
    out["PreviewIds"] = [{"previewId": record.preview_id}]
    return out

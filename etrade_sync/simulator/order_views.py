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


def _levels(account: Account) -> JSONDict:
    """The account fields both the preview and the place answer carry."""
    level = account.option_level.rsplit("_", 1)[-1]
    return {
        "dstFlag": False,
        "optionLevelCd": int(level) if level.isdigit() else 0,
        "marginLevelCd": "MARGIN_TRADING_ALLOWED"
        if account.is_margin
        else "MARGIN_TRADING_NOT_ALLOWED",
    }


def _bp_block(current: Decimal, impact: Decimal) -> JSONDict:
    net = current - impact
    return {
        "currentBp": current,
        "currentOor": ZERO,
        "currentNetBp": current,
        "currentOrderImpact": impact,
        "netBp": net,
    }


def preview_payload(
    account: Account,
    parsed: ParsedOrder,
    preview_id: int,
    book: Book,
    commission: Decimal,
    total: Decimal,
) -> JSONDict:
    """The body of ``PreviewOrderResponse`` (production's fields, plus documented extras)."""
    cash_bp, margin_bp = book.buying_power(account)
    impact = max(total, ZERO)
    out: JSONDict = {
        "orderType": parsed.order_type,
        "totalOrderValue": total,
        "totalCommission": commission,
        "previewTime": book.now_ms(),
        **_levels(account),
        "accountId": account.account_id,
        "isEmployee": False,
        "commissionMsg": "Commission is estimated and may differ from the final charge.",
        "cashBpDetails": {
            "settled": _bp_block(cash_bp, impact),
            "settledUnsettled": {"currentBp": cash_bp},
        },
    }
    if account.is_margin:
        out["marginBpDetails"] = {"nonMarginable": _bp_block(margin_bp, impact)}
    out["Order"] = [_order_block(parsed, commission, total)]
    out["PreviewIds"] = [
        {"previewId": preview_id, "cashMargin": "MARGIN" if account.is_margin else "CASH"}
    ]
    out["Disclosure"] = {
        "ehDisclosureFlag": parsed.market_session == "EXTENDED",
        "ahDisclosureFlag": False,
        "conditionalDisclosureFlag": False,
        "aoDisclosureFlag": False,
    }
    return out


def place_payload(
    account: Account,
    parsed: ParsedOrder,
    record: OrderRecord,
    commission: Decimal,
    total: Decimal,
) -> JSONDict:
    """The body of ``PlaceOrderResponse``: exactly the fields of a production answer."""
    block = _order_block(parsed, commission, total)
    block["messages"] = {
        "Message": [
            {"description": ENTERED_MESSAGE, "code": codes.ORDER_ENTERED, "type": "WARNING"}
        ]
    }
    return {
        "orderType": parsed.order_type,
        **_levels(account),
        "placedTime": record.placed_time,
        "accountId": account.account_id,
        "Order": [block],
        "OrderIds": [{"orderId": record.order_id}],
    }

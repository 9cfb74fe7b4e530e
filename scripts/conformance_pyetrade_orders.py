"""pyetrade's order calls for ``conformance_pyetrade.py`` (run in pyetrade's environment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conformance_checks import QUIRK, _has, as_list, check, client_order_id, emit


def equity(account_key: str, **extra: Any) -> dict[str, Any]:
    order = {
        "accountIdKey": account_key,
        "symbol": "IBM",
        "orderAction": "BUY",
        "clientOrderId": client_order_id(),
        "priceType": "LIMIT",
        "limitPrice": 1.0,
        "quantity": 2,
        "orderTerm": "GOOD_UNTIL_CANCEL",
        "marketSession": "REGULAR",
    }
    order.update(extra)
    return order


def _order_id(answer: Any) -> int:
    return int(as_list(answer["PlaceOrderResponse"]["OrderIds"])[0]["orderId"])


def run_orders(orders: Any, market: Any, key: str) -> None:
    order = equity(key)
    preview = check(
        "ETradeOrder.preview_equity_order",
        "xml",
        lambda: orders.preview_equity_order(**order),
        _has("PreviewOrderResponse", "PreviewIds", "previewId"),
    )
    placed: Any = None
    if preview is not None:
        preview_id = as_list(preview["PreviewOrderResponse"]["PreviewIds"])[0]["previewId"]
        placed = check(
            "ETradeOrder.place_equity_order (with previewId)",
            "xml",
            lambda: orders.place_equity_order(**order, previewId=preview_id),
            _has("PlaceOrderResponse", "OrderIds", "orderId"),
        )
    check(
        "ETradeOrder.place_equity_order (previews first)",
        "xml",
        lambda: orders.place_equity_order(**equity(key, limitPrice=1.5)),
        _has("PlaceOrderResponse", "OrderIds", "orderId"),
    )
    for fmt in ("json", "xml"):
        check(
            "ETradeOrder.list_orders",
            fmt,
            lambda f=fmt: orders.list_orders(key, resp_format=f),
            _has("OrdersResponse", "Order"),
        )
    if placed is None:
        return
    order_id = _order_id(placed)
    for fmt in ("json", "xml"):
        check(
            "ETradeOrder.list_order_details",
            fmt,
            lambda f=fmt: orders.list_order_details(key, order_id, resp_format=f),
            _has("OrdersResponse", "Order"),
        )
    changed = equity(key, limitPrice=1.25, clientOrderId=client_order_id())
    change_preview = check(
        "ETradeOrder.change_preview_equity_order",
        "xml",
        lambda: orders.change_preview_equity_order(key, order_id, **changed),
        _has("PreviewOrderResponse", "PreviewIds", "previewId"),
    )
    new_id = order_id
    if change_preview is not None:
        pid = as_list(change_preview["PreviewOrderResponse"]["PreviewIds"])[0]["previewId"]
        replaced = check(
            "ETradeOrder.place_changed_equity_order",
            "xml",
            lambda: orders.place_changed_equity_order(**changed, orderId=order_id, previewId=pid),
            _has("PlaceOrderResponse", "OrderIds", "orderId"),
        )
        if replaced is not None:
            new_id = _order_id(replaced)
    cancel_json(orders, key, new_id)
    other = check(
        "ETradeOrder.place_equity_order (for an XML cancel)",
        "xml",
        lambda: orders.place_equity_order(**equity(key, limitPrice=1.1)),
        _has("PlaceOrderResponse", "OrderIds", "orderId"),
    )
    if other is not None:
        check(
            "ETradeOrder.cancel_order",
            "xml",
            lambda: orders.cancel_order(key, _order_id(other), resp_format="xml"),
            _has("CancelOrderResponse", "orderId"),
        )
    run_option_order(orders, market, key)
    empty_order_list(orders, key)


def cancel_json(orders: Any, key: str, order_id: int) -> None:
    """pyetrade's JSON cancel PUTs a JSON body to ``orders/cancel`` (no ``.json``)."""
    call = "ETradeOrder.cancel_order"
    try:
        answer = orders.cancel_order(key, order_id, resp_format="json")
    except ValueError as exc:  # requests' JSONDecodeError is a ValueError
        emit(
            call,
            "json",
            QUIRK,
            "E*TRADE answers a URL without .json in XML (pyetrade issues 21 and 43); "
            f"pyetrade decodes it as JSON: {exc}"[:300],
        )
    else:
        emit(call, "json", "pass" if "CancelOrderResponse" in answer else "fail", str(answer)[:200])
    check(
        "ETradeOrder.list_order_details (the cancel took effect)",
        "json",
        lambda: orders.list_order_details(key, order_id, resp_format="json"),
        lambda a: (
            None
            if as_list(a["OrdersResponse"]["Order"])[0]["OrderDetail"][0]["status"] == "CANCELLED"
            else "order not cancelled"
        ),
    )


def run_option_order(orders: Any, market: Any, key: str) -> None:
    try:
        dates = market.get_option_expire_date("IBM", resp_format="json")
        first = as_list(dates["OptionExpireDateResponse"]["ExpirationDate"])[0]
        expiry = dt.date(int(first["year"]), int(first["month"]), int(first["day"]))
        chain = market.get_option_chains("IBM", expiry, resp_format="json")
        pair = as_list(chain["OptionChainResponse"]["OptionPair"])[0]
        strike = float(pair["Call"]["strikePrice"])
    except Exception as exc:
        emit("ETradeOrder.place_option_order", "xml", "fail", f"no option to trade: {exc}")
        return
    check(
        "ETradeOrder.place_option_order",
        "xml",
        lambda: orders.place_option_order(
            **equity(
                key,
                orderAction="BUY_OPEN",
                callPut="CALL",
                expiryDate=expiry.isoformat(),
                strikePrice=strike,
                limitPrice=0.05,
                quantity=1,
            )
        ),
        _has("PlaceOrderResponse", "OrderIds", "orderId"),
    )


def empty_order_list(orders: Any, key: str) -> None:
    """E*TRADE answers an empty order list with 204; pyetrade's XML path cannot parse it."""
    since = dt.datetime(2000, 1, 3)
    try:
        orders.list_orders(key, from_date=since, to_date=since, resp_format="xml")
    except Exception as exc:
        emit(
            "ETradeOrder.list_orders (no orders: HTTP 204)",
            "xml",
            QUIRK,
            f"E*TRADE's empty answer is a 204; pyetrade parses its empty XML body: {exc}"[:300],
        )
        return
    emit("ETradeOrder.list_orders (no orders: HTTP 204)", "xml", "pass")

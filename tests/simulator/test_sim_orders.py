"""Orders: validation, preview and place, fills, change, cancel, listing, duplicates."""

from __future__ import annotations

import copy
import threading
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from etrade_sync.simulator import DUPLICATE_CLIENT_ORDER_ID_CODE, Fault
from etrade_sync.simulator.testing import error_of

STALE_MESSAGE = (
    "For your protection, we have timed out your original order request. "
    "If you would like to place this order, please resubmit it now."
)
INVALID_PREVIEW = "{com.etrade.api.v1.order.InvalidPreviewId}"


def equity_order(
    symbol: str = "IBM",
    action: str = "BUY",
    quantity: Any = "10",
    price_type: str = "LIMIT",
    limit: Any = "1.00",
    stop: Any = "",
    term: str = "GOOD_FOR_DAY",
    client_id: str = "c1",
) -> dict[str, Any]:
    return {
        "orderType": "EQ",
        "clientOrderId": client_id,
        "Order": [
            {
                "allOrNone": "false",
                "priceType": price_type,
                "orderTerm": term,
                "marketSession": "REGULAR",
                "stopPrice": stop,
                "limitPrice": limit,
                "Instrument": [
                    {
                        "Product": {"securityType": "EQ", "symbol": symbol},
                        "orderAction": action,
                        "quantityType": "QUANTITY",
                        "quantity": quantity,
                    }
                ],
            }
        ],
    }


class Orders:
    """Order calls for one account."""

    def __init__(self, api: Any, key: str) -> None:
        self.api = api
        self.key = key
        self.base = f"/v1/accounts/{key}/orders"

    def preview(self, order: dict[str, Any], change: int | None = None) -> requests.Response:
        body = {"PreviewOrderRequest": order}
        if change is None:
            return self.api.post(f"{self.base}/preview.json", body)
        return self.api.put(f"{self.base}/{change}/change/preview.json", body)

    def place(
        self, order: dict[str, Any], preview_id: Any, change: int | None = None
    ) -> requests.Response:
        body = {"PlaceOrderRequest": {**order, "PreviewIds": [{"previewId": preview_id}]}}
        if change is None:
            return self.api.post(f"{self.base}/place.json", body)
        return self.api.put(f"{self.base}/{change}/change/place.json", body)

    def preview_id(self, order: dict[str, Any], change: int | None = None) -> int:
        response = self.preview(order, change)
        assert response.status_code == 200, response.text
        return int(response.json()["PreviewOrderResponse"]["PreviewIds"][0]["previewId"])

    def submit(self, order: dict[str, Any], change: int | None = None) -> dict[str, Any]:
        response = self.place(order, self.preview_id(order, change), change)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()["PlaceOrderResponse"]
        return body

    def cancel(self, order_id: Any) -> requests.Response:
        return self.api.put(
            f"{self.base}/cancel.json", {"CancelOrderRequest": {"orderId": order_id}}
        )

    def listing(self, **params: Any) -> requests.Response:
        return self.api.get(f"{self.base}.json", **params)


@pytest.fixture
def orders(api: Any, margin_key: str) -> Orders:
    return Orders(api, margin_key)


def test_preview_place_list_cancel_lifecycle(orders: Orders) -> None:
    order = equity_order(limit="1.00", client_id="life1")
    preview = orders.preview(order)
    assert preview.status_code == 200, preview.text
    body = preview.json()["PreviewOrderResponse"]
    assert body["orderType"] == "EQ" and body["previewTime"] > 10**12
    assert body["Order"][0]["estimatedTotalAmount"] == 10.0
    assert body["Order"][0]["Instrument"][0]["Product"] == {"symbol": "IBM", "securityType": "EQ"}
    placed = orders.place(order, body["PreviewIds"][0]["previewId"])
    assert placed.status_code == 200, placed.text
    result = placed.json()["PlaceOrderResponse"]
    message = result["Order"][0]["messages"]["Message"][0]
    assert message == {
        "description": "200|Your order was successfully entered during market hours.",
        "code": 1026,
        "type": "WARNING",
    }
    order_id = result["OrderIds"][0]["orderId"]
    assert result["placedTime"] > 10**12
    listed = orders.listing().json()["OrdersResponse"]["Order"]
    assert [o["orderId"] for o in listed] == [order_id]
    detail = listed[0]["OrderDetail"][0]
    assert (detail["status"], detail["priceType"], detail["limitPrice"]) == ("OPEN", "LIMIT", 1.0)
    assert detail["Instrument"][0]["orderedQuantity"] == 10
    assert "clientOrderId" not in str(listed)  # E*TRADE never echoes it
    record = orders.api.sim.orders(orders.key)[0]
    assert (record.order_id, record.client_order_id, record.status) == (order_id, "life1", "OPEN")
    assert (record.symbol, record.quantity) == ("IBM", Decimal(10))
    cancelled = orders.cancel(order_id)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["CancelOrderResponse"]["orderId"] == order_id
    assert orders.api.sim.orders(orders.key)[0].status == "CANCELLED"
    again = orders.cancel(order_id)
    assert again.status_code == 400 and "CANCELLED" in error_of(again.text)[1]
    single = orders.api.ok(f"{orders.base}/{order_id}.json")["OrdersResponse"]["Order"][0]
    assert single["OrderDetail"][0]["status"] == "CANCELLED"
    assert (
        orders.api.ok(single["details"].split(orders.api.sim.url)[1])["OrdersResponse"] is not None
    )


def test_market_buy_fills_at_the_ask_and_moves_cash_and_position(orders: Orders) -> None:
    sim = orders.api.sim
    ask = sim.quote("KO").ask
    cash_before = sim.cash(orders.key)
    held_before = sim.position_quantity(orders.key, "KO")
    placed = orders.submit(equity_order("KO", "BUY", "7", "MARKET", limit="", client_id="mkt1"))
    record = sim.orders(orders.key)[-1]
    assert record.order_id == placed["OrderIds"][0]["orderId"]
    assert (record.status, record.filled_quantity, record.average_execution_price) == (
        "EXECUTED",
        7,
        ask,
    )
    assert sim.cash(orders.key) == cash_before - 7 * ask
    assert sim.position_quantity(orders.key, "KO") == held_before + 7
    detail = orders.listing(status="EXECUTED").json()["OrdersResponse"]["Order"][0]["OrderDetail"][
        0
    ]
    assert detail["executedTime"] >= detail["placedTime"]
    assert detail["Instrument"][0]["averageExecutionPrice"] == float(ask)
    latest = orders.api.ok(f"/v1/accounts/{orders.key}/transactions.json", count=1)
    txn = latest["TransactionListResponse"]["Transaction"][0]
    assert (txn["transactionType"], txn["brokerage"]["quantity"]) == ("Bought", 7)


def test_marketable_limit_sell_and_insufficient_shares(orders: Orders) -> None:
    sim = orders.api.sim
    position = next(p for p in sim.positions(orders.key) if p.security_type == "EQ")
    held = position.quantity
    too_many = orders.preview(
        equity_order(position.symbol, "SELL", str(held + 1), limit="0.01", client_id="s1")
    )
    assert too_many.status_code == 400 and error_of(too_many.text)[0] == 1037
    bid = sim.quote(position.symbol).bid
    cash_before = sim.cash(orders.key)
    orders.submit(
        equity_order(position.symbol, "SELL", "1", "LIMIT", limit=str(bid), client_id="s2")
    )
    assert sim.orders(orders.key)[-1].status == "EXECUTED"
    assert sim.cash(orders.key) == cash_before + bid
    assert sim.position_quantity(orders.key, position.symbol) == held - 1


def test_short_sale_needs_margin(api: Any, orders: Orders, ira_key: str) -> None:
    ira = Orders(api, ira_key)
    refused = ira.preview(
        equity_order("IBM", "SELL_SHORT", "5", "MARKET", limit="", client_id="sh1")
    )
    assert refused.status_code == 400 and error_of(refused.text)[0] == 33
    orders.submit(equity_order("IBM", "SELL_SHORT", "5", "MARKET", limit="", client_id="sh2"))
    assert api.sim.position_quantity(orders.key, "IBM") == -5


def test_reused_preview_id_and_changed_body_are_refused(orders: Orders) -> None:
    order = equity_order(client_id="p1")
    preview_id = orders.preview_id(order)
    changed = copy.deepcopy(order)
    changed["Order"][0]["limitPrice"] = "1.01"
    mismatch = orders.place(changed, preview_id)
    # Users report production's answer to a place that differs from its preview.
    assert (mismatch.status_code, error_of(mismatch.text)) == (400, (101, STALE_MESSAGE))
    numerically_equal = copy.deepcopy(order)
    numerically_equal["Order"][0]["limitPrice"] = 1
    numerically_equal["Order"][0]["allOrNone"] = False
    numerically_equal["Order"][0]["Instrument"][0]["quantity"] = 10
    # Members that do not define the order do not count (pyetrade adds these).
    numerically_equal["Order"][0]["previewId"] = preview_id
    numerically_equal["Order"][0]["symbol"] = "IBM"
    numerically_equal["Order"][0]["accountIdKey"] = orders.key
    assert orders.place(numerically_equal, preview_id).status_code == 200
    reused = orders.place({**order, "clientOrderId": "p2"}, preview_id)
    assert (reused.status_code, error_of(reused.text)) == (400, (101, INVALID_PREVIEW))
    unknown = orders.place({**order, "clientOrderId": "p3"}, 12345)
    assert error_of(unknown.text) == (101, INVALID_PREVIEW)


def test_stale_preview_times_out(orders: Orders) -> None:
    order = equity_order(client_id="stale1")
    preview_id = orders.preview_id(order)
    orders.api.sim.clock.advance(orders.api.sim.preview_ttl + 1)
    response = orders.place(order, preview_id)
    assert response.status_code == 400
    code, message = error_of(response.text)
    assert code == 101 and message.startswith("For your protection, we have timed out")


def test_reused_client_order_id_is_refused(orders: Orders) -> None:
    orders.submit(equity_order(client_id="dup1"))
    again = orders.preview(equity_order(limit="2.00", client_id="dup1"))
    assert again.status_code == 400
    assert error_of(again.text) == (
        DUPLICATE_CLIENT_ORDER_ID_CODE,
        "The client order id dup1 has already been used for an order in this account.",
    )
    assert DUPLICATE_CLIENT_ORDER_ID_CODE == 1079


def test_commit_then_drop_leaves_the_order_placed(orders: Orders) -> None:
    order = equity_order(client_id="drop1")
    preview_id = orders.preview_id(order)
    orders.api.sim.faults.script("/v1/accounts/*/orders/place", Fault.commit_then_drop())
    with pytest.raises(requests.ConnectionError):
        orders.place(order, preview_id)
    placed = orders.api.sim.orders(orders.key)
    assert [(o.client_order_id, o.status) for o in placed] == [("drop1", "OPEN")]
    resent = orders.place(order, preview_id)
    assert error_of(resent.text)[0] == DUPLICATE_CLIENT_ORDER_ID_CODE
    assert len(orders.api.sim.orders(orders.key)) == 1


def test_drop_before_processing_places_nothing(orders: Orders) -> None:
    order = equity_order(client_id="drop2")
    preview_id = orders.preview_id(order)
    orders.api.sim.faults.script("/v1/accounts/*/orders/place", Fault.drop())
    with pytest.raises(requests.ConnectionError):
        orders.place(order, preview_id)
    assert orders.api.sim.orders(orders.key) == []
    assert orders.place(order, preview_id).status_code == 200


def test_change_cancels_the_old_order_and_issues_a_new_id(orders: Orders) -> None:
    first = orders.submit(equity_order(limit="1.00", client_id="chg1"))["OrderIds"][0]["orderId"]
    changed = equity_order(limit="1.50", quantity="12", client_id="chg1")
    result = orders.submit(changed, change=first)
    second = result["OrderIds"][0]["orderId"]
    assert second > first
    by_id = {o.order_id: o for o in orders.api.sim.orders(orders.key)}
    assert by_id[first].status == "CANCELLED" and by_id[first].replaced_by_order_id == second
    assert (by_id[second].status, by_id[second].limit_price, by_id[second].quantity) == (
        "OPEN",
        Decimal("1.50"),
        12,
    )
    third = orders.submit(
        equity_order(limit="1.75", quantity="12", client_id="chg1"), change=second
    )
    assert third["OrderIds"][0]["orderId"] > second  # a chain of changes may keep the id
    not_open = orders.preview(changed, change=first)
    assert not_open.status_code == 400
    second = third["OrderIds"][0]["orderId"]
    other_symbol = orders.preview(equity_order("KO", limit="1.00", client_id="chg2"), change=second)
    assert other_symbol.status_code == 400
    plain_preview = orders.preview_id(equity_order(limit="1.60", client_id="chg3"))
    wrong_kind = orders.place(
        equity_order(limit="1.60", client_id="chg3"), plain_preview, change=second
    )
    assert error_of(wrong_kind.text)[0] == 101


@pytest.mark.parametrize(
    ("changes", "code", "text"),
    [
        ({"limit": ""}, 1004, "limitPrice"),
        ({"price_type": "STOP", "limit": ""}, 1004, "stopPrice"),
        ({"price_type": "STOP_LIMIT", "limit": "5", "stop": ""}, 1004, "stopPrice"),
        (
            {"price_type": "MARKET", "limit": "", "term": "IMMEDIATE_OR_CANCEL"},
            1005,
            "IMMEDIATE_OR_CANCEL",
        ),
        ({"price_type": "STOP", "stop": "5", "term": "FILL_OR_KILL"}, 1005, "FILL_OR_KILL"),
        ({"quantity": "0"}, 1006, "quantity"),
        ({"quantity": "-3"}, 1006, "quantity"),
        ({"client_id": "has space"}, 1007, "clientOrderId"),
        ({"client_id": "x" * 21}, 1007, "clientOrderId"),
        ({"client_id": ""}, 1007, "clientOrderId"),
        ({"symbol": "APPL"}, 1019, "APPL"),
        ({"action": "HOLD"}, 1003, "orderAction"),
        ({"price_type": "WHATEVER"}, 1003, "priceType"),
    ],
)
def test_validation_errors_name_the_problem(
    orders: Orders, changes: dict[str, Any], code: int, text: str
) -> None:
    response = orders.preview(equity_order(**changes))
    assert response.status_code == 400, response.text
    got_code, message = error_of(response.text)
    assert got_code == code and text in message


def test_malformed_bodies(orders: Orders) -> None:
    object_shaped = equity_order()
    object_shaped["Order"] = object_shaped["Order"][0]
    assert error_of(orders.preview(object_shaped).text)[0] == 1000
    no_container = orders.api.post(f"{orders.base}/preview.json", {"Order": []})
    assert no_container.status_code == 400
    not_json = orders.api.request(
        "POST",
        f"{orders.base}/preview.json",
        data="{oops",
        headers={"Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    unknown = Orders(orders.api, "A" * 22).preview(equity_order())
    assert error_of(unknown.text)[0] == 102


def test_xml_bodies_are_accepted(orders: Orders) -> None:
    xml = (
        "<PreviewOrderRequest><orderType>EQ</orderType><clientOrderId>x1</clientOrderId>"
        "<Order><allOrNone>false</allOrNone><priceType>LIMIT</priceType>"
        "<orderTerm>GOOD_FOR_DAY</orderTerm><marketSession>REGULAR</marketSession>"
        "<limitPrice>1.25</limitPrice><Instrument><Product><securityType>EQ</securityType>"
        "<symbol>IBM</symbol></Product><orderAction>BUY</orderAction>"
        "<quantityType>QUANTITY</quantityType><quantity>3</quantity></Instrument></Order>"
        "</PreviewOrderRequest>"
    )
    response = orders.api.request(
        "POST", f"{orders.base}/preview", data=xml, headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 200, response.text
    assert "<PreviewOrderResponse>" in response.text and "<previewId>" in response.text
    preview_id = response.text.split("<previewId>", 1)[1].split("<", 1)[0]
    inner = xml.removeprefix("<PreviewOrderRequest>").removesuffix("</PreviewOrderRequest>")
    place = f"<PlaceOrderRequest>{inner}<PreviewIds><previewId>{preview_id}</previewId></PreviewIds></PlaceOrderRequest>"
    placed = orders.api.request(
        "POST", f"{orders.base}/place", data=place, headers={"Content-Type": "application/xml"}
    )
    assert placed.status_code == 200, placed.text
    assert "<OrderIds><orderId>" in placed.text
    assert orders.api.sim.orders(orders.key)[-1].client_order_id == "x1"


def test_option_orders_pay_commission_per_contract(orders: Orders) -> None:
    sim = orders.api.sim
    option = next(p for p in sim.positions(orders.key) if p.security_type == "OPTN")
    spec = option.option
    assert spec is not None
    order = {
        "orderType": "OPTN",
        "clientOrderId": "opt1",
        "Order": [
            {
                "priceType": "MARKET",
                "orderTerm": "GOOD_FOR_DAY",
                "marketSession": "REGULAR",
                "Instrument": [
                    {
                        "Product": {
                            "symbol": spec.underlier,
                            "securityType": "OPTN",
                            "callPut": spec.call_put,
                            "expiryYear": spec.expiry.year,
                            "expiryMonth": spec.expiry.month,
                            "expiryDay": spec.expiry.day,
                            "strikePrice": str(spec.strike),
                        },
                        "orderAction": "SELL_CLOSE",
                        "quantityType": "QUANTITY",
                        "quantity": "1",
                    }
                ],
            }
        ],
    }
    preview = orders.preview(order).json()["PreviewOrderResponse"]
    assert preview["Order"][0]["estimatedCommission"] == 0.65
    cash_before = sim.cash(orders.key)
    orders.submit(order)
    record = sim.orders(orders.key)[-1]
    assert record.status == "EXECUTED"
    price = record.average_execution_price
    assert price is not None
    assert sim.cash(orders.key) == cash_before + price * 100 - Decimal("0.65")
    assert sim.position_quantity(orders.key, spec.symbol) == option.quantity - 1
    too_many = copy.deepcopy(order)
    too_many["clientOrderId"] = "opt2"
    too_many["Order"][0]["Instrument"][0]["quantity"] = "5"
    assert error_of(orders.preview(too_many).text)[0] == 1037


def test_multi_leg_spread_is_accepted_and_stays_open(orders: Orders) -> None:
    expiry = next(p.option for p in orders.api.sim.positions(orders.key) if p.option)
    assert expiry is not None

    def leg(action: str, strike: int) -> dict[str, Any]:
        product = {
            "symbol": "MSFT",
            "securityType": "OPTN",
            "callPut": "CALL",
            "expiryYear": expiry.expiry.year,
            "expiryMonth": expiry.expiry.month,
            "expiryDay": expiry.expiry.day,
            "strikePrice": strike,
        }
        return {
            "Product": product,
            "orderAction": action,
            "quantityType": "QUANTITY",
            "quantity": 1,
        }

    spread = {
        "orderType": "SPREADS",
        "clientOrderId": "spr1",
        "Order": [
            {
                "priceType": "NET_DEBIT",
                "limitPrice": "2.50",
                "orderTerm": "GOOD_FOR_DAY",
                "marketSession": "REGULAR",
                "Instrument": [leg("BUY_OPEN", 400), leg("SELL_OPEN", 420)],
            }
        ],
    }
    placed = orders.submit(spread)
    assert placed["orderType"] == "SPREADS"
    record = orders.api.sim.orders(orders.key)[-1]
    assert (record.status, len(record.legs)) == ("OPEN", 2)
    listed = orders.listing(securityType="OPTN").json()["OrdersResponse"]["Order"][0]
    assert len(listed["OrderDetail"][0]["Instrument"]) == 2
    one_leg = copy.deepcopy(spread)
    one_leg["Order"][0]["Instrument"] = one_leg["Order"][0]["Instrument"][:1]
    assert orders.preview(one_leg).status_code == 400


def test_open_limit_order_fills_when_the_price_moves(orders: Orders) -> None:
    sim = orders.api.sim
    orders.submit(equity_order("PEP", "BUY", "4", "LIMIT", limit="100.00", client_id="pm1"))
    assert sim.orders(orders.key)[-1].status == "OPEN"
    assert sim.set_price("PEP", "99.00") == 1
    record = sim.orders(orders.key)[-1]
    assert record.status == "EXECUTED" and record.average_execution_price == sim.quote("PEP").ask


def test_unfilled_immediate_or_cancel_is_cancelled(orders: Orders) -> None:
    orders.submit(equity_order(term="IMMEDIATE_OR_CANCEL", client_id="ioc1"))
    assert orders.api.sim.orders(orders.key)[-1].status == "CANCELLED"


def test_stop_already_crossed_fills(orders: Orders) -> None:
    last = orders.api.sim.quote("XOM").last
    orders.submit(
        equity_order("XOM", "BUY", "2", "STOP", limit="", stop=str(last - 1), client_id="stp1")
    )
    assert orders.api.sim.orders(orders.key)[-1].status == "EXECUTED"
    orders.submit(
        equity_order("XOM", "BUY", "2", "STOP", limit="", stop=str(last + 5), client_id="stp2")
    )
    assert orders.api.sim.orders(orders.key)[-1].status == "OPEN"


def test_insufficient_funds(api: Any, ira_key: str) -> None:
    ira = Orders(api, ira_key)
    response = ira.preview(
        equity_order("NFLX", "BUY", "1000", "MARKET", limit="", client_id="big1")
    )
    assert response.status_code == 400 and "Insufficient funds" in error_of(response.text)[1]


def test_order_listing_filters_and_marker_paging(orders: Orders, closed_key: str) -> None:
    assert orders.listing().status_code == 204
    for i in range(5):
        orders.submit(equity_order(limit=f"1.0{i}", client_id=f"l{i}"))
    orders.submit(equity_order("KO", "BUY", "1", "MARKET", limit="", client_id="l9"))
    ids: list[int] = []
    body = orders.listing(count=2).json()["OrdersResponse"]
    while True:
        ids += [o["orderId"] for o in body["Order"]]
        if "next" not in body:
            break
        body = orders.api.ok(body["next"].split(orders.api.sim.url)[1])["OrdersResponse"]
    assert ids == sorted(ids, reverse=True) and len(ids) == 6
    executed = orders.listing(status="EXECUTED").json()["OrdersResponse"]["Order"]
    assert len(executed) == 1
    assert len(orders.listing(symbol="KO").json()["OrdersResponse"]["Order"]) == 1
    assert orders.listing(transactionType="SELL").status_code == 204
    assert orders.listing(count=101).status_code == 400
    assert orders.listing(status="BOGUS").status_code == 400
    assert orders.listing(fromDate="01012024").status_code == 400
    today = (
        orders.api.sim.clock.now_dt().astimezone(ZoneInfo("America/New_York")).strftime("%m%d%Y")
    )
    assert len(orders.listing(fromDate=today, toDate=today).json()["OrdersResponse"]["Order"]) == 6
    assert Orders(orders.api, closed_key).listing().status_code == 204


def test_cancel_unknown_or_executed_orders(orders: Orders) -> None:
    assert error_of(orders.cancel(999_999).text)[0] == 5100
    orders.submit(equity_order("KO", "BUY", "1", "MARKET", limit="", client_id="ce1"))
    executed = orders.api.sim.orders(orders.key)[-1]
    response = orders.cancel(str(executed.order_id))
    assert response.status_code == 400 and "EXECUTED" in error_of(response.text)[1]
    assert (
        orders.api.put(f"{orders.base}/cancel.json", {"CancelOrderRequest": {}}).status_code == 400
    )


def test_concurrent_orders_keep_the_books_consistent(
    sim: Any, make_api: Any, margin_key: str
) -> None:
    ask = sim.quote("KO").ask
    cash_before = sim.cash(margin_key)
    held_before = sim.position_quantity(margin_key, "KO")
    errors: list[str] = []

    def trader(n: int) -> None:
        client = Orders(make_api(sim), margin_key)
        for i in range(5):
            order = equity_order("KO", "BUY", "1", "MARKET", limit="", client_id=f"t{n}x{i}")
            response = client.place(order, client.preview_id(order))
            if response.status_code != 200:
                errors.append(response.text)

    threads = [threading.Thread(target=trader, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    placed = sim.orders(margin_key)
    assert len({o.order_id for o in placed}) == len(placed) == 30
    assert sim.position_quantity(margin_key, "KO") == held_before + 30
    assert sim.cash(margin_key) == cash_before - 30 * ask

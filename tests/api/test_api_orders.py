"""client.orders over the simulator: the whole order lifecycle on real sockets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from etrade_sync import EquityOrder, OptionOrder, OptionSymbol, vertical_spread
from etrade_sync.client import Client
from etrade_sync.errors import (
    DuplicateOrderError,
    OrderError,
    OrderIntentExistsError,
    OrderOutcomeUnknownError,
    ValidationError,
)
from etrade_sync.simulator import Fault, Simulator


def resting_buy(symbol: str = "AAPL", client_order_id: str | None = None) -> EquityOrder:
    """A limit buy far below the market: it stays OPEN."""
    return EquityOrder(
        symbol,
        "BUY",
        1,
        price_type="LIMIT",
        limit_price="1.00",
        client_order_id=client_order_id,
    )


def test_preview_place_list_cancel(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    order = resting_buy()
    preview = fast_client.orders.preview(margin_key, order)
    assert preview.preview_ids
    assert preview.client_order_id == order.client_order_id
    assert preview.order_type == "EQ"
    assert preview.request == order.to_request()
    assert preview.estimated_total_amount is not None
    assert sim.orders(margin_key) == [], "a preview places nothing"

    placed = fast_client.orders.place(margin_key, preview)
    assert placed.order_id > 0
    assert placed.client_order_id == order.client_order_id
    (record,) = sim.orders(margin_key)
    assert (record.order_id, record.client_order_id) == (placed.order_id, order.client_order_id)

    listed = fast_client.orders.list(margin_key, status="OPEN")
    assert [o.order_id for o in listed] == [placed.order_id]
    assert listed[0].instruments[0].symbol == "AAPL"
    assert listed[0].details[0].limit_price == Decimal("1.00")

    result = fast_client.orders.cancel(margin_key, placed.order_id)
    assert result.order_id == placed.order_id
    assert result.messages
    assert fast_client.orders.get(margin_key, placed.order_id).status == "CANCELLED"
    assert fast_client.orders.list(margin_key, status="OPEN") == []
    assert [o.order_id for o in fast_client.orders.list(margin_key, status="CANCELLED")] == [
        placed.order_id
    ]


def test_request_bodies_are_json_with_arrays(
    fast_client: Client, sim: Simulator, margin_key: str
) -> None:
    preview = fast_client.orders.preview(margin_key, resting_buy())
    fast_client.orders.place(margin_key, preview)
    sent = json.loads(sim.log.last("/v1/accounts/*/orders/preview*", method="POST").body)
    order = sent["PreviewOrderRequest"]["Order"]
    assert isinstance(order, list) and isinstance(order[0]["Instrument"], list)
    placed = json.loads(sim.log.last("/v1/accounts/*/orders/place*", method="POST").body)
    body = placed["PlaceOrderRequest"]
    assert isinstance(body["PreviewIds"], list)
    assert body["PreviewIds"][0]["previewId"] == preview.preview_id
    assert {k: v for k, v in body.items() if k != "PreviewIds"} == sent["PreviewOrderRequest"]


def test_a_marketable_order_fills(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    before = sim.position_quantity(margin_key, "MSFT")
    cash = sim.cash(margin_key)
    order = EquityOrder("MSFT", "BUY", 3)
    placed = fast_client.orders.place(margin_key, fast_client.orders.preview(margin_key, order))
    filled = fast_client.orders.get(margin_key, placed.order_id)
    assert filled.status == "EXECUTED"
    assert filled.is_final
    (leg,) = filled.instruments
    assert leg.filled_quantity == 3
    assert leg.average_execution_price is not None
    assert sim.position_quantity(margin_key, "MSFT") == before + 3
    assert sim.cash(margin_key) < cash


def test_change_issues_a_new_order_id(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    original = resting_buy()
    placed = fast_client.orders.place(margin_key, fast_client.orders.preview(margin_key, original))
    changed = original.replace(limit_price="2.50")
    assert changed.client_order_id != original.client_order_id
    preview = fast_client.orders.preview_change(margin_key, placed.order_id, changed)
    assert preview.order_id == placed.order_id
    with pytest.raises(ValidationError) as info:
        fast_client.orders.place(margin_key, preview)  # a change preview is not a new order
    assert info.value.field == "preview"
    replaced = fast_client.orders.place_change(margin_key, placed.order_id, preview)
    assert replaced.order_id != placed.order_id
    assert replaced.replaced_order_id == placed.order_id
    assert fast_client.orders.get(margin_key, placed.order_id).status == "CANCELLED"
    new = fast_client.orders.get(margin_key, replaced.order_id)
    assert new.status == "OPEN"
    assert new.details[0].limit_price == Decimal("2.50")


def test_place_with_a_stale_preview_is_refused(
    fast_client: Client, sim: Simulator, margin_key: str
) -> None:
    preview = fast_client.orders.preview(margin_key, resting_buy())
    sim.clock.advance(sim.preview_ttl + 1)
    with pytest.raises(OrderError) as info:
        fast_client.orders.place(margin_key, preview)
    assert info.value.code == 101
    assert sim.orders(margin_key) == []


def test_place_with_a_mismatched_preview_is_refused(
    fast_client: Client, sim: Simulator, margin_key: str
) -> None:
    preview = fast_client.orders.preview(margin_key, resting_buy())
    other = resting_buy("MSFT", client_order_id=preview.client_order_id)
    tampered = dataclasses.replace(preview, request=other.to_request())
    with pytest.raises(OrderError) as info:
        fast_client.orders.place(margin_key, tampered)
    assert info.value.code == 101
    assert not isinstance(info.value, DuplicateOrderError)
    assert sim.orders(margin_key) == []


def test_a_reused_client_order_id_is_refused(
    fast_client: Client, sim: Simulator, margin_key: str
) -> None:
    first = resting_buy()
    preview = fast_client.orders.preview(margin_key, first)
    placed = fast_client.orders.place(margin_key, preview)
    place_glob = "/v1/accounts/*/orders/place"
    with pytest.raises(OrderIntentExistsError) as info:
        fast_client.orders.place(margin_key, preview)  # the same order, sent twice
    assert info.value.status == "done"
    assert info.value.order_id == placed.order_id
    assert "etrade-sync resolve" in str(info.value)
    assert sim.log.hits(place_glob) == 1  # refused locally: never sent
    again = resting_buy("MSFT", client_order_id=first.client_order_id)
    with pytest.raises(DuplicateOrderError):
        fast_client.orders.preview(margin_key, again)
    assert len(sim.orders(margin_key)) == 1


def test_a_preview_is_bound_to_its_account(
    fast_client: Client, sim: Simulator, margin_key: str, cash_key: str
) -> None:
    preview = fast_client.orders.preview(margin_key, resting_buy())
    sim.log.clear()
    with pytest.raises(ValidationError) as info:
        fast_client.orders.place(cash_key, preview)
    assert info.value.field == "preview"
    assert len(sim.log) == 0


def test_lost_place_answer_carries_the_order_identity(
    fast_client: Client, sim: Simulator, margin_key: str
) -> None:
    order = resting_buy()
    preview = fast_client.orders.preview(margin_key, order)
    sim.faults.script("/v1/accounts/*/orders/place*", Fault.commit_then_drop())
    with pytest.raises(OrderOutcomeUnknownError) as info:
        fast_client.orders.place(margin_key, preview)
    assert info.value.client_order_id == order.client_order_id
    assert info.value.account_id_key == margin_key
    assert sim.log.hits("/v1/accounts/*/orders/place*") == 1, "never sent twice"
    assert [o.client_order_id for o in sim.orders(margin_key)] == [order.client_order_id]


def test_lost_cancel_answer_names_the_order(
    fast_client: Client, sim: Simulator, margin_key: str
) -> None:
    placed = fast_client.orders.place(
        margin_key, fast_client.orders.preview(margin_key, resting_buy())
    )
    sim.faults.script("/v1/accounts/*/orders/cancel*", Fault.commit_then_drop())
    with pytest.raises(OrderOutcomeUnknownError) as info:
        fast_client.orders.cancel(margin_key, placed.order_id)
    assert info.value.order_id == placed.order_id
    assert sim.log.hits("/v1/accounts/*/orders/cancel*") == 1


def test_option_and_spread_orders(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    expiry = fast_client.market.option_expirations("IBM", expiry_type="MONTHLY")[0].date
    contract = OptionSymbol("IBM", expiry, "CALL", 200)
    single = OptionOrder(contract, "BUY_OPEN", 1, price_type="LIMIT", limit_price="0.05")
    placed = fast_client.orders.place(margin_key, fast_client.orders.preview(margin_key, single))
    spread = vertical_spread("IBM", expiry, "CALL", 190, 200, 2, limit_price="1.10")
    preview = fast_client.orders.preview(margin_key, spread)
    assert preview.order_type == "SPREADS"
    placed_spread = fast_client.orders.place(margin_key, preview)
    orders = {o.order_id: o for o in fast_client.orders.list(margin_key, security_type="OPTN")}
    assert set(orders) == {placed.order_id, placed_spread.order_id}
    legs = orders[placed_spread.order_id].instruments
    assert [(leg.action, leg.product.strike) for leg in legs] == [
        ("BUY_OPEN", Decimal(190)),
        ("SELL_OPEN", Decimal(200)),
    ]
    assert all(leg.product.expiry == expiry for leg in legs)


def test_list_pages_and_filters(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    ids = []
    for symbol in ["AAPL", "MSFT", "IBM", "AAPL", "KO"]:
        preview = fast_client.orders.preview(margin_key, resting_buy(symbol))
        ids.append(fast_client.orders.place(margin_key, preview).order_id)
    sim.log.clear()
    every = fast_client.orders.list(margin_key, count=2)
    assert sorted(o.order_id for o in every) == sorted(ids)
    assert sim.log.hits("/v1/accounts/*/orders*", method="GET") == 3
    apples = fast_client.orders.list(margin_key, symbols=["aapl"])
    assert sorted(o.order_id for o in apples) == sorted([ids[0], ids[3]])
    today = dt.date.today()
    window = fast_client.orders.list(
        margin_key, from_date=today - dt.timedelta(days=1), to_date=today + dt.timedelta(days=1)
    )
    assert len(window) == 5
    query = sim.log.last("/v1/accounts/*/orders*", method="GET").query
    assert query["fromDate"] == (today - dt.timedelta(days=1)).strftime("%m%d%Y")


def test_an_account_without_orders_lists_nothing(fast_client: Client, cash_key: str) -> None:
    assert fast_client.orders.list(cash_key) == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, k: c.orders.list(k, status="PENDING"), "status"),
        (lambda c, k: c.orders.list(k, from_date=dt.date(2024, 1, 1)), "from_date"),
        (lambda c, k: c.orders.list(k, count=101), "count"),
        (lambda c, k: c.orders.list(k, symbols=[f"S{i}" for i in range(26)]), "symbols"),
        (lambda c, k: c.orders.get(k, -3), "order_id"),
        (lambda c, k: c.orders.cancel(k, "abc"), "order_id"),
        (lambda c, k: c.orders.preview(k, "BUY 10 AAPL"), "order"),
        (lambda c, k: c.orders.preview(k, {"orderType": "EQ", "Order": []}), "order"),
        (lambda c, k: c.orders.place(k, object()), "preview"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    fast_client: Client, sim: Simulator, margin_key: str, call: object, field: str
) -> None:
    sim.log.clear()
    with pytest.raises(ValidationError) as info:
        call(fast_client, margin_key)  # type: ignore[operator]
    assert info.value.field == field
    assert len(sim.log) == 0

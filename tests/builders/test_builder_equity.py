"""EquityOrder: the request body, the checks, immutability and clientOrderId."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from etrade_sync import EquityOrder
from etrade_sync.builders import new_client_order_id
from etrade_sync.errors import ValidationError

CAPTURED = Path(__file__).parents[1] / "api" / "data" / "preview_request.json"


def test_body_matches_the_captured_request() -> None:
    captured = json.loads(CAPTURED.read_text())["PreviewOrderRequest"]
    order = EquityOrder(
        "aapl", "buy", 10, price_type="LIMIT", limit_price=Decimal("10.5"), client_order_id="abc123"
    )
    body = order.to_request()
    del captured["Order"][0]["stopPrice"]  # E*TRADE's page sends ""; absent is equivalent
    assert body == captured


@pytest.mark.parametrize(
    ("kwargs", "order_fields"),
    [
        ({}, {"priceType": "MARKET"}),
        (
            {"price_type": "STOP", "stop_price": 180},
            {"priceType": "STOP", "stopPrice": "180.00"},
        ),
        (
            {"price_type": "STOP_LIMIT", "stop_price": "180", "limit_price": 179.5},
            {"priceType": "STOP_LIMIT", "stopPrice": "180.00", "limitPrice": "179.50"},
        ),
        (
            {"price_type": "limit", "limit_price": "0.1234", "term": "FILL_OR_KILL"},
            {"priceType": "LIMIT", "limitPrice": "0.1234", "orderTerm": "FILL_OR_KILL"},
        ),
        (
            {"price_type": "LIMIT", "limit_price": 5, "session": "EXTENDED"},
            {"marketSession": "EXTENDED", "limitPrice": "5.00"},
        ),
        ({"price_type": "MARKET_ON_CLOSE", "all_or_none": True}, {"allOrNone": "true"}),
        ({"term": "GOOD_UNTIL_CANCEL"}, {"orderTerm": "GOOD_UNTIL_CANCEL"}),
    ],
)
def test_each_order_kind(kwargs: dict[str, Any], order_fields: dict[str, str]) -> None:
    (order,) = EquityOrder("IBM", "SELL_SHORT", "25", **kwargs).to_request()["Order"]
    assert order_fields.items() <= order.items()
    assert order["Instrument"][0]["quantity"] == "25"
    assert order["Instrument"][0]["orderAction"] == "SELL_SHORT"
    for price in ("limitPrice", "stopPrice"):
        assert (price in order) == (price in order_fields)


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        (("AAPL", "BUY", 10), {"price_type": "LIMIT"}, "limit_price"),
        (("AAPL", "BUY", 10), {"price_type": "STOP"}, "stop_price"),
        (("AAPL", "BUY", 10), {"price_type": "STOP_LIMIT", "stop_price": 5}, "limit_price"),
        (("AAPL", "BUY", 10), {"limit_price": 5}, "limit_price"),
        (
            ("AAPL", "BUY", 10),
            {"price_type": "LIMIT", "limit_price": 5, "stop_price": 4},
            "stop_price",
        ),
        (("AAPL", "BUY", -1), {}, "quantity"),
        (("AAPL", "BUY", 0), {}, "quantity"),
        (("AAPL", "BUY", 1.5), {}, "quantity"),
        (("AAPL", "BUY", "ten"), {}, "quantity"),
        (("AAPL", "BUY", True), {}, "quantity"),
        (("AAPL", "BUY", 10), {"term": "IMMEDIATE_OR_CANCEL"}, "term"),
        (
            ("AAPL", "BUY", 10),
            {"term": "FILL_OR_KILL", "price_type": "STOP", "stop_price": 1},
            "term",
        ),
        (("AAPL", "BUY", 10), {"term": "GTC"}, "term"),
        (("AAPL", "BUY", 10), {"price_type": "LIMIT", "limit_price": "10.001"}, "limit_price"),
        (("AAPL", "BUY", 10), {"price_type": "LIMIT", "limit_price": "0.00001"}, "limit_price"),
        (("AAPL", "BUY", 10), {"price_type": "LIMIT", "limit_price": -3}, "limit_price"),
        (("AAPL", "BUY", 10), {"price_type": "LIMIT", "limit_price": "NaN"}, "limit_price"),
        (("AAPL", "BUY", 10), {"price_type": "STOP", "stop_price": "1.005"}, "stop_price"),
        (("AAPL", "BUY", 10), {"session": "EXTENDED"}, "session"),
        (
            ("AAPL", "BUY", 10),
            {
                "session": "EXTENDED",
                "price_type": "LIMIT",
                "limit_price": 1,
                "term": "GOOD_UNTIL_CANCEL",
            },
            "session",
        ),
        (
            ("AAPL", "BUY", 10),
            {"price_type": "MARKET_ON_CLOSE", "term": "GOOD_UNTIL_CANCEL"},
            "term",
        ),
        (("AAPL", "BUY", 10), {"price_type": "TRAILING"}, "price_type"),
        (("AAPL", "HOLD", 10), {}, "action"),
        (("AAPL", "BUY_OPEN", 10), {}, "action"),
        (("IBM:2025:1:17:CALL:200", "BUY", 1), {}, "symbol"),
        (("", "BUY", 1), {}, "symbol"),
        (("AAPL", "BUY", 10), {"all_or_none": "yes"}, "all_or_none"),
        (("AAPL", "BUY", 10), {"client_order_id": "has space"}, "client_order_id"),
        (("AAPL", "BUY", 10), {"client_order_id": "A" * 21}, "client_order_id"),
    ],
)
def test_invalid_orders_name_the_field(
    args: tuple[Any, ...], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        EquityOrder(*args, **kwargs)
    assert info.value.field == field


def test_prices_are_decimals_and_floats_read_as_written() -> None:
    order = EquityOrder("AAPL", "BUY", 1, price_type="LIMIT", limit_price=187.1)
    assert order.limit_price == Decimal("187.1")
    assert order.to_request()["Order"][0]["limitPrice"] == "187.10"
    assert EquityOrder("AAPL", "BUY", Decimal("3.0")).quantity == 3
    with pytest.raises(ValidationError) as info:  # float noise is not silently rounded
        EquityOrder("AAPL", "BUY", 1, price_type="LIMIT", limit_price=0.1 + 0.2 - 0.2)
    assert info.value.field == "limit_price"


def test_builders_are_immutable_and_replace_checks_again() -> None:
    order = EquityOrder("AAPL", "BUY", 1, price_type="LIMIT", limit_price="10")
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.quantity = 5  # type: ignore[misc]
    bigger = order.replace(quantity=5)
    assert (order.quantity, bigger.quantity) == (1, 5)
    assert bigger.client_order_id != order.client_order_id
    assert order.replace(quantity=5, client_order_id="keepme").client_order_id == "keepme"
    with pytest.raises(ValidationError) as info:
        order.replace(price_type="MARKET")  # the limit price no longer fits
    assert info.value.field == "limit_price"


def test_to_request_is_stable_and_fresh() -> None:
    order = EquityOrder("AAPL", "BUY", 1)
    first = order.to_request()
    first["Order"][0]["Instrument"][0]["quantity"] = "999"
    assert order.to_request()["Order"][0]["Instrument"][0]["quantity"] == "1"
    assert order.to_request()["clientOrderId"] == order.client_order_id


def test_generated_client_order_ids() -> None:
    ids = [new_client_order_id() for _ in range(5000)] + [
        EquityOrder("AAPL", "BUY", 1).client_order_id for _ in range(100)
    ]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9]{1,20}", i) for i in ids)


def test_generated_ids_sort_by_creation_time() -> None:
    earlier = new_client_order_id()
    time.sleep(0.003)
    later = new_client_order_id()
    assert earlier[:9] < later[:9]

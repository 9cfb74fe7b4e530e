"""Multi-leg orders: SpreadOrder and the ready-made strategies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from etrade_sync import (
    OptionLeg,
    OptionSymbol,
    SpreadOrder,
    StockLeg,
    butterfly,
    buy_write,
    iron_condor,
    roll,
    straddle,
    strangle,
    vertical_spread,
)
from etrade_sync.errors import ValidationError

SOON = dt.date.today() + dt.timedelta(days=30)
LATER = dt.date.today() + dt.timedelta(days=60)


def legs_of(order: SpreadOrder) -> list[tuple[str, str, str, str]]:
    """(callPut, strike, action, quantity) per instrument of the request body."""
    (entry,) = order.to_request()["Order"]
    return [
        (
            leg["Product"].get("callPut", "STOCK"),
            leg["Product"].get("strikePrice", "-"),
            leg["orderAction"],
            leg["quantity"],
        )
        for leg in entry["Instrument"]
    ]


def test_vertical_spreads_know_debit_from_credit() -> None:
    bull_call = vertical_spread("IBM", SOON, "CALL", 190, 200, 2, limit_price="3.20")
    assert bull_call.price_type == "NET_DEBIT"
    assert legs_of(bull_call) == [
        ("CALL", "190", "BUY_OPEN", "2"),
        ("CALL", "200", "SELL_OPEN", "2"),
    ]
    bull_put = vertical_spread("IBM", SOON, "PUT", 190, 200, 1, limit_price="1.05")
    assert bull_put.price_type == "NET_CREDIT"
    closing = vertical_spread("IBM", SOON, "CALL", 200, 190, 2, opening=False, limit_price=3)
    assert [leg[2] for leg in legs_of(closing)] == ["BUY_CLOSE", "SELL_CLOSE"]
    assert closing.price_type == "NET_CREDIT"
    with pytest.raises(ValidationError) as info:
        vertical_spread("IBM", SOON, "CALL", 190, 200, 2, price_type="NET_CREDIT", limit_price=1)
    assert info.value.field == "price_type"
    body = bull_call.to_request()
    assert body["orderType"] == "SPREADS"
    assert body["Order"][0]["limitPrice"] == "3.20"
    assert body["Order"][0]["priceType"] == "NET_DEBIT"


def test_straddle_and_strangle() -> None:
    long_straddle = straddle("SPY", SOON, 450, 1, limit_price="12.40")
    assert legs_of(long_straddle) == [
        ("PUT", "450", "BUY_OPEN", "1"),
        ("CALL", "450", "BUY_OPEN", "1"),
    ]
    assert long_straddle.price_type == "NET_DEBIT"
    short_strangle = strangle("SPY", SOON, 430, 470, 3, side="SELL", limit_price="4.10")
    assert legs_of(short_strangle) == [
        ("PUT", "430", "SELL_OPEN", "3"),
        ("CALL", "470", "SELL_OPEN", "3"),
    ]
    assert short_strangle.price_type == "NET_CREDIT"
    with pytest.raises(ValidationError) as info:
        strangle("SPY", SOON, 470, 430, 1, limit_price=1)
    assert info.value.field == "put_strike"


def test_iron_condor() -> None:
    condor = iron_condor("SPY", SOON, 400, 410, 450, 460, 1, limit_price="1.25")
    assert condor.order_type == "IRON_CONDOR"
    assert condor.price_type == "NET_CREDIT"
    assert legs_of(condor) == [
        ("PUT", "400", "BUY_OPEN", "1"),
        ("PUT", "410", "SELL_OPEN", "1"),
        ("CALL", "450", "SELL_OPEN", "1"),
        ("CALL", "460", "BUY_OPEN", "1"),
    ]
    with pytest.raises(ValidationError) as info:
        iron_condor("SPY", SOON, 400, 450, 410, 460, 1, limit_price=1)
    assert info.value.field == "lower_call"


def test_butterfly_sells_two_bodies() -> None:
    fly = butterfly("AAPL", SOON, "CALL", 180, 190, 200, 2, limit_price="1.5")
    assert fly.order_type == "BUTTERFLY"
    assert legs_of(fly) == [
        ("CALL", "180", "BUY_OPEN", "2"),
        ("CALL", "190", "SELL_OPEN", "4"),
        ("CALL", "200", "BUY_OPEN", "2"),
    ]
    with pytest.raises(ValidationError) as info:
        butterfly("AAPL", SOON, "CALL", 180, 180, 200, 1, limit_price=1)
    assert info.value.field == "middle"


def test_buy_write_covers_every_call() -> None:
    order = buy_write("KO", SOON, 65, 3, limit_price="58.40")
    assert order.order_type == "BUY_WRITES"
    assert legs_of(order) == [("STOCK", "-", "BUY", "300"), ("CALL", "65", "SELL_OPEN", "3")]
    under_covered = [
        StockLeg("KO", "BUY", 250),
        OptionLeg(OptionSymbol("KO", SOON, "CALL", 65), "SELL_OPEN", 3),
    ]
    with pytest.raises(ValidationError) as info:
        SpreadOrder(under_covered, limit_price=50)
    assert info.value.field == "quantity"


def test_roll_closes_one_and_opens_another() -> None:
    old = OptionSymbol("IBM", SOON, "CALL", 200)
    new = OptionSymbol("IBM", LATER, "CALL", 210)
    order = roll(old.osi, new, 2, side="SELL", price_type="NET_CREDIT", limit_price="0.80")
    assert [leg[2] for leg in legs_of(order)] == ["BUY_CLOSE", "SELL_OPEN"]
    (entry,) = order.to_request()["Order"]
    assert [leg["Product"]["expiryMonth"] for leg in entry["Instrument"]] == [
        str(SOON.month),
        str(LATER.month),
    ]


def leg(strike: int, action: str = "BUY_OPEN", root: str = "IBM", days: int = 30) -> OptionLeg:
    return OptionLeg(
        OptionSymbol(root, dt.date.today() + dt.timedelta(days=days), "CALL", strike), action, 1
    )


@pytest.mark.parametrize(
    ("legs", "kwargs", "field"),
    [
        ([leg(190)], {"limit_price": 1}, "legs"),
        ([leg(s) for s in (180, 190, 200, 210, 220)], {"limit_price": 1}, "legs"),
        ([leg(190), leg(200, root="MSFT")], {"limit_price": 1}, "legs"),
        ([leg(190), leg(190, "SELL_OPEN")], {"limit_price": 1}, "legs"),
        ([leg(190), leg(200, days=-10)], {"limit_price": 1}, "expiry"),
        ([leg(190), leg(200)], {}, "limit_price"),
        ([leg(190), leg(200)], {"price_type": "NET_EVEN", "limit_price": 1}, "limit_price"),
        ([leg(190), leg(200)], {"price_type": "LIMIT", "limit_price": 1}, "price_type"),
        ([leg(190), leg(200)], {"limit_price": "1.005"}, "limit_price"),
        ([leg(190), leg(200)], {"limit_price": 1, "term": "IMMEDIATE_OR_CANCEL"}, "term"),
        ([leg(190), leg(200)], {"limit_price": 1, "session": "EXTENDED"}, "session"),
        ([leg(190), leg(200)], {"limit_price": 1, "strategy": "BUY_WRITES"}, "strategy"),
        ([leg(190), leg(200)], {"limit_price": 1, "strategy": "STRANGLE"}, "strategy"),
        (
            [StockLeg("IBM", "BUY", 100), leg(200)],
            {"limit_price": 1, "strategy": "SPREADS"},
            "legs",
        ),
        ("IBM 190/200", {"limit_price": 1}, "legs"),
    ],
)
def test_invalid_spreads_name_the_field(legs: Any, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        SpreadOrder(legs, **kwargs)
    assert info.value.field == field


def test_a_spread_keeps_its_values() -> None:
    order = SpreadOrder([leg(190), leg(200, "SELL_OPEN")], price_type="net_even")
    assert order.price_type == "NET_EVEN"
    assert order.limit_price is None
    assert order.underlier == "IBM"
    assert "limitPrice" not in order.to_request()["Order"][0]
    wider = order.replace(price_type="NET_DEBIT", limit_price=Decimal("2"))
    assert wider.limit_price == Decimal(2) and wider.legs == order.legs

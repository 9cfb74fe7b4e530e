"""OptionSymbol spellings and the single-leg OptionOrder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etrade_sync import OptionOrder, OptionSymbol
from etrade_sync.errors import ValidationError

SOON = dt.date.today() + dt.timedelta(days=30)


@pytest.mark.parametrize(
    "text",
    [
        "IBM:2018:8:17:CALL:200.000000",
        "IBM:2018:08:17:C:200",
        "IBM   180817C00200000",
        "IBM---180817C00200000",
        "ibm180817c00200000",
    ],
)
def test_every_spelling_parses_to_the_same_contract(text: str) -> None:
    contract = OptionSymbol.parse(text)
    assert contract == OptionSymbol("IBM", dt.date(2018, 8, 17), "CALL", 200)
    assert contract.etrade == "IBM:2018:8:17:CALL:200.000000"
    assert contract.osi == "IBM   180817C00200000"


def test_fractional_strikes_and_puts() -> None:
    contract = OptionSymbol.parse("PLTR--220218P00023500")
    assert (contract.underlier, contract.call_put, contract.strike) == (
        "PLTR",
        "PUT",
        Decimal("23.5"),
    )
    assert contract.etrade == "PLTR:2022:2:18:PUT:23.500000"
    assert contract.to_product() == {
        "securityType": "OPTN",
        "symbol": "PLTR",
        "callPut": "PUT",
        "expiryYear": "2022",
        "expiryMonth": "2",
        "expiryDay": "18",
        "strikePrice": "23.5",
    }


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("IBM", "symbol"),
        ("IBM:2018:2:30:CALL:200", "expiry"),
        ("IBM:2018:8:17:STRADDLE:200", "symbol"),
        ("IBM:2018:8:17:CALL:0", "strike"),
        ("IBM:2018:8:17:CALL:200.0001", "strike"),
        ("IBM   181317C00200000", "expiry"),
        ("", "symbol"),
    ],
)
def test_bad_spellings_are_refused(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        OptionSymbol.parse(text)
    assert info.value.field == field


roots = st.from_regex(r"[A-Z]{1,5}", fullmatch=True)
strikes = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999.999"), places=3)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@settings(max_examples=100, deadline=None)
@given(roots, dates, st.sampled_from(["CALL", "PUT"]), strikes)
def test_spellings_round_trip(root: str, expiry: dt.date, side: str, strike: Decimal) -> None:
    contract = OptionSymbol(root, expiry, side, strike)
    assert OptionSymbol.parse(contract.osi) == contract
    assert OptionSymbol.parse(contract.etrade) == contract
    assert len(contract.osi) == 21


def test_option_order_body() -> None:
    contract = OptionSymbol("IBM", SOON, "CALL", "200")
    order = OptionOrder(contract.osi, "buy_open", 2, price_type="LIMIT", limit_price="3.1")
    body = order.to_request()
    assert body["orderType"] == "OPTN"
    (entry,) = body["Order"]
    assert entry["limitPrice"] == "3.10"
    (leg,) = entry["Instrument"]
    assert leg["Product"] == contract.to_product()
    assert (leg["orderAction"], leg["quantity"]) == ("BUY_OPEN", "2")
    assert order.symbol == contract


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        ((OptionSymbol("IBM", dt.date(2020, 1, 17), "CALL", 200), "BUY_OPEN", 1), {}, "expiry"),
        (("IBM", "BUY_OPEN", 1), {}, "symbol"),
        ((OptionSymbol("IBM", SOON, "CALL", 200), "BUY", 1), {}, "action"),
        ((OptionSymbol("IBM", SOON, "CALL", 200), "BUY_OPEN", 0.5), {}, "quantity"),
        (
            (OptionSymbol("IBM", SOON, "CALL", 200), "BUY_OPEN", 1),
            {"price_type": "LIMIT", "limit_price": "0.015"},
            "limit_price",
        ),
        (
            (OptionSymbol("IBM", SOON, "CALL", 200), "BUY_OPEN", 1),
            {"price_type": "LIMIT"},
            "limit_price",
        ),
        (
            (OptionSymbol("IBM", SOON, "CALL", 200), "BUY_OPEN", 1),
            {"price_type": "LIMIT", "limit_price": 1, "session": "EXTENDED"},
            "session",
        ),
        ((OptionSymbol("IBM", SOON, "CALL", 200), "BUY_OPEN", 1), {"term": "FILL_OR_KILL"}, "term"),
        (
            (OptionSymbol("IBM", SOON, "CALL", 200), "BUY_OPEN", 1),
            {"price_type": "MARKET_ON_CLOSE"},
            "price_type",
        ),
    ],
)
def test_invalid_option_orders_name_the_field(
    args: tuple[Any, ...], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        OptionOrder(*args, **kwargs)
    assert info.value.field == field

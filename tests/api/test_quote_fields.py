"""Quotes read their fields on first use; what users see is unchanged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from decimal import Decimal
from typing import Any

from etrade_sync.models import Quote

ROW: dict[str, Any] = {
    "dateTimeUTC": 1584018398,
    "quoteStatus": "SOMETHING_NEW",
    "ahFlag": "false",
    "Product": {"symbol": "IBM", "securityType": "OPTN", "callPut": "CALL",
                "expiryYear": 2018, "expiryMonth": 8, "expiryDay": 17, "strikePrice": 200},
    "Option": {"ask": 1.25, "bid": 1.2, "lastTrade": 1.23, "openInterest": 17,
               "OptionGreeks": {"delta": 0.51, "gamma": 0.02}, "osiKey": "IBM180817C00200000",
               "extra": [0.1, {"nested": 2.5}]},
}  # fmt: skip


def test_fields_are_exact_aware_and_keep_unknown_values() -> None:
    quote = Quote.from_api(ROW)
    assert quote.raw is ROW
    assert quote.symbol == "IBM" and quote.security_type == "OPTN"
    assert quote.key == "IBM:2018:8:17:CALL:200.000000"
    assert quote.bid == Decimal("1.2") and quote.last == Decimal("1.23")
    assert quote.mid == Decimal("1.225")
    assert quote.open_interest == 17
    assert quote.status == "SOMETHING_NEW"
    assert quote.as_of == dt.datetime(2020, 3, 12, 13, 6, 38, tzinfo=dt.UTC)
    assert quote.after_hours is False
    assert quote.greeks is not None and quote.greeks.delta == Decimal("0.51")
    assert quote.detail_type == "Option"
    assert quote.volume is None and quote.fund_name is None


def test_detail_reads_every_number_as_decimal_without_copying() -> None:
    quote = Quote.from_api(ROW)
    assert quote.detail["ask"] == Decimal("1.25")
    assert quote.detail["OptionGreeks"]["delta"] == Decimal("0.51")
    assert quote.detail["extra"] == [Decimal("0.1"), {"nested": Decimal("2.5")}]
    assert set(quote.detail) == set(ROW["Option"])
    assert not any(isinstance(v, float) for v in quote.detail.values())
    assert isinstance(ROW["Option"]["ask"], float)  # the row itself is left as sent


def test_quotes_compare_copy_and_pickle_like_plain_dataclasses() -> None:
    a, b = Quote.from_api(ROW), Quote.from_api(ROW)
    assert a == b
    assert a.to_dict()["bid"] == Decimal("1.2")
    changed = dataclasses.replace(a, bid=Decimal("1.1"))
    assert changed.bid == Decimal("1.1") and changed.ask == a.ask
    again = pickle.loads(pickle.dumps(a))
    assert again == a and again.key == a.key
    assert repr(a).startswith("Quote(symbol='IBM'")


def test_odd_rows_give_none_not_errors() -> None:
    for row in ({}, {"Product": "x", "All": []}, {"All": {"bid": "n/a", "totalVolume": 1.5}}):
        quote = Quote.from_api(row)
        assert quote.bid is None and quote.volume is None and quote.symbol == ""
        assert quote.to_dict()["detail_type"] in {None, "All"}

"""Market: quotes, lookup, option chains and expiration dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from etrade_sync.simulator import SimClock, Simulator
from etrade_sync.simulator.testing import error_of

SYMBOLS = [f"S{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(60)]


def _quotes(api: Any, symbols: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.ok(f"/v1/market/quote/{symbols}.json", **params)["QuoteResponse"]
    return body


def test_quote_shape_and_price_relations(api: Any) -> None:
    body = _quotes(api, "AAPL,MSFT,BRK.B")
    assert "Messages" not in body
    for item in body["QuoteData"]:
        block = item["All"]
        assert block["bid"] < block["lastTrade"] < block["ask"]
        assert block["low52"] <= block["low"] <= block["high"] <= block["high52"]
        assert block["bidSize"] > 0 and block["askSize"] > 0 and block["totalVolume"] > 0
        assert block["companyName"]
        assert item["ahFlag"] in {"true", "false"}
        assert item["quoteStatus"] in {"REALTIME", "DELAYED", "CLOSING", "EH_REALTIME", "EH_CLOSED"}
        assert abs(item["dateTimeUTC"] - api.sim.clock.now()) < 5  # epoch seconds
        assert item["Product"]["securityType"] == "EQ"
    assert body["QuoteData"][0]["All"]["companyName"] == "APPLE INC COM"


def test_quotes_are_deterministic_and_follow_set_price(api: Any) -> None:
    first = _quotes(api, "ZYXW")["QuoteData"][0]["All"]["lastTrade"]
    assert _quotes(api, "ZYXW")["QuoteData"][0]["All"]["lastTrade"] == first
    api.sim.set_price("ZYXW", "12.34")
    block = _quotes(api, "ZYXW")["QuoteData"][0]["All"]
    assert block["lastTrade"] == 12.34 and block["bid"] < 12.34 < block["ask"]


def test_quote_times_follow_the_sim_clock(make_api: Any) -> None:
    clock = SimClock(datetime(2024, 7, 9, 15, 0, tzinfo=UTC))  # 11:00 EDT, market open
    with Simulator(clock=clock) as sim:
        item = make_api(sim).ok("/v1/market/quote/IBM.json")["QuoteResponse"]["QuoteData"][0]
        assert item["dateTimeUTC"] == int(clock.now())
        assert item["dateTime"] == "11:00:00 EDT 07-09-2024"
        assert (item["quoteStatus"], item["ahFlag"]) == ("REALTIME", "false")


def test_invalid_symbols_come_back_as_messages(api: Any) -> None:
    only_bad = api.get("/v1/market/quote/APPL.json")
    assert only_bad.status_code == 200
    assert only_bad.json() == {
        "QuoteResponse": {
            "Messages": {
                "Message": [
                    {"description": "APPL is an invalid symbol", "code": 1002, "type": "ERROR"}
                ]
            }
        }
    }
    mixed = _quotes(api, "AAPL,INVALID,TOOLONGX,MSFT")
    assert [q["Product"]["symbol"] for q in mixed["QuoteData"]] == ["AAPL", "MSFT"]
    described = [m["description"] for m in mixed["Messages"]["Message"]]
    assert described == ["INVALID is an invalid symbol", "TOOLONGX is an invalid symbol"]
    api.sim.invalid_symbols.add("MSFT")
    assert "QuoteData" not in _quotes(api, "MSFT")


def test_symbol_count_limits(api: Any) -> None:
    assert len(_quotes(api, ",".join(SYMBOLS[:25]))["QuoteData"]) == 25
    too_many = api.get(f"/v1/market/quote/{','.join(SYMBOLS[:26])}.json")
    assert (too_many.status_code, error_of(too_many.text)[0]) == (400, 1025)
    allowed = _quotes(api, ",".join(SYMBOLS[:50]), overrideSymbolCount="true")
    assert len(allowed["QuoteData"]) == 50
    fifty_one = api.get(
        f"/v1/market/quote/{','.join(SYMBOLS[:51])}.json", overrideSymbolCount="true"
    )
    assert (fifty_one.status_code, error_of(fifty_one.text)[0]) == (400, 1025)


@pytest.mark.parametrize(
    ("flag", "block", "field"),
    [
        ("ALL", "All", "marketCap"),
        ("FUNDAMENTAL", "Fundamental", "eps"),
        ("INTRADAY", "Intraday", "totalVolume"),
        ("OPTIONS", "Option", "askSize"),
        ("WEEK_52", "Week52", "high52"),
        ("MF_DETAIL", "MutualFund", "netAssetValue"),
    ],
)
def test_detail_flag_picks_the_block(api: Any, flag: str, block: str, field: str) -> None:
    item = _quotes(api, "KO", detailFlag=flag)["QuoteData"][0]
    assert block in item and field in item[block]
    others = {"All", "Fundamental", "Intraday", "Option", "Week52", "MutualFund"} - {block}
    assert not others & set(item)


def test_mutual_funds_always_answer_with_the_fund_block(api: Any) -> None:
    item = _quotes(api, "VFIAX", detailFlag="INTRADAY")["QuoteData"][0]
    assert "MutualFund" in item and item["Product"]["securityType"] == "MF"


def test_option_symbol_quote(api: Any) -> None:
    today = api.sim.clock.now_dt().date()
    expiry = date(today.year + 1, today.month, 17)
    symbol = f"IBM:{expiry.year}:{expiry.month}:{expiry.day}:CALL:200.000000"
    item = _quotes(api, symbol, detailFlag="OPTIONS")["QuoteData"][0]
    assert item["Product"] == {
        "symbol": "IBM",
        "securityType": "OPTN",
        "callPut": "CALL",
        "expiryYear": expiry.year,
        "expiryMonth": expiry.month,
        "expiryDay": expiry.day,
        "strikePrice": 200,
    }
    option = item["Option"]
    assert option["osiKey"] == f"IBM---{expiry:%y%m%d}C00200000"
    assert option["bid"] <= option["lastTrade"] <= option["ask"]
    assert 0 < option["OptionGreeks"]["delta"] < 1
    bad = api.ok("/v1/market/quote/IBM:2025:2:30:CALL:200.json")["QuoteResponse"]
    assert "Messages" in bad and "QuoteData" not in bad


def test_lookup(api: Any) -> None:
    by_name = api.ok("/v1/market/lookup/apple.json")["LookupResponse"]["Data"]
    assert {"symbol": "AAPL", "description": "APPLE INC COM", "type": "EQUITY"} in by_name
    by_prefix = [
        d["symbol"] for d in api.ok("/v1/market/lookup/GOO.json")["LookupResponse"]["Data"]
    ]
    assert by_prefix == ["GOOG", "GOOGL"]
    assert api.ok("/v1/market/lookup/qwertyuiop.json") == {"LookupResponse": {"Data": []}}


def test_option_expirations_are_upcoming_fridays(api: Any) -> None:
    today = api.sim.clock.now_dt().date()
    dates = api.ok("/v1/market/optionexpiredate.json", symbol="GOOG", expiryType="ALL")
    rows = dates["OptionExpireDateResponse"]["ExpirationDate"]
    days = [date(r["year"], r["month"], r["day"]) for r in rows]
    assert days == sorted(days) and len(days) == len(set(days))
    assert all(d >= today - timedelta(days=1) for d in days)
    assert all(d.weekday() == 4 for d in days)
    monthly = [d for d, r in zip(days, rows, strict=True) if r["expiryType"] == "MONTHLY"]
    assert len(monthly) == 12 and all(15 <= d.day <= 21 for d in monthly)
    assert any(r["expiryType"] == "WEEKLY" for r in rows)
    only_monthly = api.ok("/v1/market/optionexpiredate.json", symbol="GOOG", expiryType="MONTHLY")
    assert {
        r["expiryType"] for r in only_monthly["OptionExpireDateResponse"]["ExpirationDate"]
    } == {"MONTHLY"}
    assert api.get("/v1/market/optionexpiredate.json").status_code == 400


def test_option_chain_defaults_and_parameters(api: Any) -> None:
    assert api.get("/v1/market/optionchains.json").status_code == 400
    assert api.get("/v1/market/optionchains.json", symbol="APPL").status_code == 400
    body = api.ok("/v1/market/optionchains.json", symbol="AAPL")["OptionChainResponse"]
    pairs = body["OptionPair"]
    assert len(pairs) > 10
    call, put = pairs[0]["Call"], pairs[0]["Put"]
    assert call["optionType"] == "CALL" and put["optionType"] == "PUT"
    assert re.fullmatch(r"AAPL--\d{6}C\d{8}", call["osiKey"])
    assert set(call["OptionGreeks"]) >= {"delta", "gamma", "theta", "vega", "rho", "iv"}
    assert call["inTheMoney"] in {"y", "n"} and call["bid"] <= call["ask"]
    strikes = [p["Call"]["strikePrice"] for p in pairs]
    assert strikes == sorted(strikes)
    selected = body["SelectedED"]
    assert 15 <= selected["day"] <= 21  # the nearest monthly expiration by default
    assert body["nearPrice"] > 0 and body["quoteType"]

    narrow = api.ok(
        "/v1/market/optionchains.json",
        symbol="AAPL",
        noOfStrikes=3,
        chainType="PUT",
        strikePriceNear=150,
    )
    narrow_pairs = narrow["OptionChainResponse"]["OptionPair"]
    assert len(narrow_pairs) == 3
    assert all(set(p) == {"Put"} for p in narrow_pairs)
    assert [p["Put"]["strikePrice"] for p in narrow_pairs] == [145, 150, 155]

    month = api.ok(
        "/v1/market/optionchains.json",
        symbol="AAPL",
        expiryYear=selected["year"],
        expiryMonth=selected["month"],
        expiryDay=selected["day"],
        includeWeekly="true",
    )
    assert month["OptionChainResponse"]["SelectedED"] == selected
    mini = api.ok("/v1/market/optionchains.json", symbol="AAPL", optionCategory="MINI")
    assert mini["OptionChainResponse"]["OptionPair"] == []


def test_chain_quote_detail_links_resolve(api: Any) -> None:
    pair = api.ok("/v1/market/optionchains.json", symbol="MSFT", noOfStrikes=1)[
        "OptionChainResponse"
    ]["OptionPair"][0]
    link = pair["Call"]["quoteDetail"]
    path = link.split(api.sim.url, 1)[1]
    item = api.ok(path + ".json")["QuoteResponse"]["QuoteData"][0]
    assert item["All"]["osiKey"] == pair["Call"]["osiKey"]

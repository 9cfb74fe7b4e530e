"""client.market over the simulator (real sockets)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from etrade_sync import InvalidSymbolError, OptionSymbol
from etrade_sync.client import Client
from etrade_sync.errors import ValidationError
from etrade_sync.simulator import Simulator
from etrade_sync.simulator.market_data import COMPANIES

EQUITIES = [c.symbol for c in COMPANIES if c.kind == "EQUITY"]


def tickers(count: int) -> list[str]:
    """``count`` distinct tickers: the simulator's companies, then made-up ones."""
    made_up = (f"Q{a}{b}" for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJ")
    return (EQUITIES + [t for t in made_up if t not in EQUITIES])[:count]


def test_many_symbols_are_split_into_chunks_of_50(fast_client: Client, sim: Simulator) -> None:
    wanted = [*tickers(55), "APPL", "ZZZZZ"]
    sim.invalid_symbols = {"APPL", "ZZZZZ"}
    sim.log.clear()
    result = fast_client.market.quotes(wanted)
    records = sim.log.records("/v1/market/quote/*")
    assert [len(r.path.rsplit("/", 1)[1].split(",")) for r in records] == [50, len(wanted) - 50]
    assert records[0].query.get("overrideSymbolCount") == "true"
    assert "overrideSymbolCount" not in records[1].query
    assert set(result) == set(wanted) - {"APPL", "ZZZZZ"}
    assert set(result.errors) == {"APPL", "ZZZZZ"}
    assert result.errors["APPL"].code == 1002
    aapl = result["AAPL"]
    assert aapl.last == sim.quote("AAPL").last
    assert isinstance(aapl.bid, Decimal)


def test_small_requests_do_not_override_the_symbol_count(
    fast_client: Client, sim: Simulator
) -> None:
    sim.log.clear()
    fast_client.market.quotes(tickers(25))
    assert "overrideSymbolCount" not in sim.log.last("/v1/market/quote/*").query


def test_quote_raises_for_a_refused_symbol(fast_client: Client, sim: Simulator) -> None:
    sim.invalid_symbols = {"APPL"}
    with pytest.raises(InvalidSymbolError) as info:
        fast_client.market.quote("appl")
    assert info.value.symbol == "APPL"
    assert info.value.code == 1002
    assert "APPL" in str(info.value)


def test_detail_blocks_fill_their_fields(fast_client: Client) -> None:
    full = fast_client.market.quote("MSFT")
    assert full.detail_type == "All"
    assert full.exchange and full.pe is not None and full.market_cap is not None
    assert full.high_52_date is not None and full.last_trade_time is not None
    fundamental = fast_client.market.quote("MSFT", detail="fundamental")
    assert fundamental.detail_type == "Fundamental"
    assert fundamental.eps == full.eps
    assert fundamental.bid is None
    week = fast_client.market.quote("MSFT", detail="WEEK_52")
    assert week.perf_12_months is not None
    fund = fast_client.market.quote("VFIAX", detail="MF_DETAIL")
    assert fund.detail_type == "MutualFund"
    assert fund.net_asset_value is not None and fund.fund_family


def test_option_quotes_by_any_spelling(fast_client: Client) -> None:
    expiry = fast_client.market.option_expirations("IBM")[0].date
    contract = OptionSymbol("IBM", expiry, "CALL", 180)
    result = fast_client.market.quotes([contract.osi, "IBM"])
    assert set(result) == {contract.etrade, "IBM"}
    option = result[contract.etrade]
    assert option.security_type == "OPTN"
    assert option.product is not None and option.product.strike == Decimal(180)
    assert option.greeks is not None and option.greeks.delta is not None
    assert option.osi_key is not None
    assert OptionSymbol.parse(option.osi_key) == contract
    single = fast_client.market.quote(contract, detail="OPTIONS")
    assert single.detail_type == "Option"
    assert single.open_interest is not None


def test_lookup(fast_client: Client) -> None:
    found = fast_client.market.lookup("micro")
    assert any(r.symbol == "MSFT" for r in found)
    assert all(r.description for r in found)
    assert fast_client.market.lookup("no such company zzz") == []


def test_option_expirations(fast_client: Client) -> None:
    dates = fast_client.market.option_expirations("IBM")
    assert dates == sorted(dates, key=lambda e: e.date)
    assert all(isinstance(e.date, dt.date) for e in dates)
    monthly = fast_client.market.option_expirations("IBM", expiry_type="MONTHLY")
    assert monthly and {e.expiry_type for e in monthly} == {"MONTHLY"}
    assert {e.date for e in monthly} <= {e.date for e in dates}


def test_option_chain_parameters(fast_client: Client, sim: Simulator) -> None:
    expiry = fast_client.market.option_expirations("IBM", expiry_type="MONTHLY")[0].date
    chain = fast_client.market.option_chain(
        "ibm",
        expiry=expiry,
        strike_near=Decimal("180"),
        strikes=4,
        chain_type="CALL",
        include_weekly=True,
        skip_adjusted=True,
        category="STANDARD",
        price_type="ALL",
    )
    query = sim.log.last("/v1/market/optionchains*").query
    assert query["symbol"] == "IBM"
    assert (query["expiryYear"], query["expiryMonth"], query["expiryDay"]) == (
        str(expiry.year),
        str(expiry.month),
        str(expiry.day),
    )
    assert query["noOfStrikes"] == "4" and query["strikePriceNear"] == "180"
    assert query["includeWeekly"] == "true" and query["chainType"] == "CALL"
    assert chain.expiry == expiry
    assert len(chain.pairs) == 4
    assert chain.puts == []
    assert all(c.expiry == expiry and c.call_put == "CALL" for c in chain.calls)
    assert chain.strikes == sorted(chain.strikes)
    assert min(abs(s - 180) for s in chain.strikes) < 10


def test_option_chain_pairs_calls_and_puts(fast_client: Client) -> None:
    chain = fast_client.market.option_chain("AAPL", strikes=6)
    assert len(chain.calls) == len(chain.puts) == 6
    for pair in chain.pairs:
        assert pair.call is not None and pair.put is not None
        assert pair.call.strike == pair.put.strike
        assert pair.call.in_the_money != pair.put.in_the_money or pair.call.strike == (
            chain.near_price
        )
        contract = pair.call.option_symbol
        assert contract is not None and contract.strike == pair.strike


def test_expiry_parts_are_accepted(fast_client: Client, sim: Simulator) -> None:
    expiry = fast_client.market.option_expirations("IBM", expiry_type="MONTHLY")[1].date
    chain = fast_client.market.option_chain(
        "IBM", expiry_year=expiry.year, expiry_month=expiry.month, expiry_day=expiry.day
    )
    assert chain.expiry == expiry


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.market.quotes([]), "symbols"),
        (lambda c: c.market.quotes(["AAPL", "BAD SYMBOL"]), "symbols"),
        (lambda c: c.market.quotes("IBM:2018:13:40:CALL:200"), "symbols"),
        (lambda c: c.market.quotes("AAPL", detail="EVERYTHING"), "detail"),
        (lambda c: c.market.lookup("  "), "text"),
        (lambda c: c.market.option_chain("IBM", strikes=0), "strikes"),
        (lambda c: c.market.option_chain("IBM", chain_type="BOTH"), "chain_type"),
        (lambda c: c.market.option_chain("IBM", expiry="2025-01-17"), "expiry"),
        (
            lambda c: c.market.option_chain("IBM", expiry=dt.date(2030, 1, 18), expiry_year=2030),
            "expiry",
        ),
        (lambda c: c.market.option_chain("IBM", strike_near="abc"), "strike_near"),
        (lambda c: c.market.option_expirations("IBM", expiry_type="YEARLY"), "expiry_type"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    fast_client: Client, sim: Simulator, call: object, field: str
) -> None:
    sim.log.clear()
    with pytest.raises(ValidationError) as info:
        call(fast_client)  # type: ignore[operator]
    assert info.value.field == field
    assert len(sim.log) == 0

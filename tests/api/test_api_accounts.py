"""client.accounts over the simulator (real sockets)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from etrade_sync.client import Client
from etrade_sync.errors import ValidationError
from etrade_sync.simulator import Simulator


def test_list_returns_every_account(fast_client: Client, sim: Simulator) -> None:
    accounts = fast_client.accounts.list()
    assert {a.account_id_key for a in accounts} == {a.account_id_key for a in sim.accounts}
    closed = [a for a in accounts if a.is_closed]
    assert len(closed) == 1
    assert closed[0].closed_at is not None and closed[0].closed_at.tzinfo is not None


def test_balance_matches_the_account(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    balance = fast_client.accounts.balance(margin_key, real_time_nav=True)
    assert balance.cash_balance == sim.cash(margin_key)
    assert balance.account_mode == "MARGIN"
    assert balance.margin_buying_power is not None
    assert balance.margin_buying_power > balance.cash_buying_power  # type: ignore[operator]
    query = sim.log.last("/v1/accounts/*/balance*").query
    assert query["instType"] == "BROKERAGE"
    assert query["realTimeNAV"] == "true"


def test_portfolio_gathers_all_pages(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    held = sim.positions(margin_key)
    sim.log.clear()
    portfolio = fast_client.accounts.portfolio(margin_key, count=2, totals=True)
    assert len(portfolio.positions) == len(held) >= 3
    assert sim.log.hits("/v1/accounts/*/portfolio*") == math.ceil(len(held) / 2)
    assert {p.position_id for p in portfolio} == {p.position_id for p in held}
    assert portfolio.totals is not None
    total = sum((p.market_value or Decimal(0) for p in portfolio), Decimal(0))
    assert portfolio.totals.total_market_value == total


def test_portfolio_with_lots(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    portfolio = fast_client.accounts.portfolio(margin_key, lots=True)
    split = [p for p in portfolio if len(p.lots) > 1]
    assert split, "the simulator seeds one position held in two lots"
    for position in portfolio:
        assert position.lots
        assert sum((lot.quantity or Decimal(0) for lot in position.lots), Decimal(0)) == (
            position.quantity
        )
    lots_requests = sim.log.hits("/v1/accounts/*/portfolio/*")
    assert lots_requests == len(portfolio.positions)


def test_portfolio_of_an_account_without_positions(fast_client: Client, sim: Simulator) -> None:
    empty = [a.account_id_key for a in sim.accounts if not sim.positions(a.account_id_key)]
    if not empty:
        pytest.skip("every simulated account holds positions")
    portfolio = fast_client.accounts.portfolio(empty[0])
    assert portfolio.positions == ()


def test_portfolio_options_are_sent(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    portfolio = fast_client.accounts.portfolio(
        margin_key, view="quick", sort_by="symbol", sort_order="asc", market_session="REGULAR"
    )
    query = sim.log.last("/v1/accounts/*/portfolio*").query
    assert (query["view"], query["sortBy"], query["sortOrder"]) == ("QUICK", "SYMBOL", "ASC")
    symbols = [p.symbol for p in portfolio]
    assert symbols == sorted(symbols)


def test_transactions_iterate_every_page(
    fast_client: Client, sim: Simulator, margin_key: str
) -> None:
    sim.log.clear()
    txns = list(fast_client.accounts.transactions(margin_key, count=25))
    pages = sim.log.hits("/v1/accounts/*/transactions*")
    assert len(txns) > 50
    assert pages == math.ceil(len(txns) / 25)
    assert len({t.transaction_id for t in txns}) == len(txns)
    assert all(t.date is not None and t.date.tzinfo is not None for t in txns)


def test_transactions_date_range(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    every = list(fast_client.accounts.transactions(margin_key))
    dates = sorted(t.date for t in every if t.date)
    start, end = dates[len(dates) // 4].date(), dates[len(dates) // 2].date()
    some = list(fast_client.accounts.transactions(margin_key, start=start, end=end))
    assert 0 < len(some) < len(every)
    query = sim.log.last("/v1/accounts/*/transactions*").query
    assert query["startDate"] == start.strftime("%m%d%Y")
    eastern = dt.timezone(dt.timedelta(hours=-5))
    for txn in some:
        assert txn.date is not None
        assert start - dt.timedelta(days=1) <= txn.date.astimezone(eastern).date() <= end


def test_transactions_are_lazy(fast_client: Client, sim: Simulator, margin_key: str) -> None:
    sim.log.clear()
    iterator = fast_client.accounts.transactions(margin_key, count=10)
    assert sim.log.hits("/v1/accounts/*/transactions*") == 0
    first = next(iterator)
    assert first.transaction_id
    assert sim.log.hits("/v1/accounts/*/transactions*") == 1


def test_transaction_detail(fast_client: Client, margin_key: str) -> None:
    row = next(
        t for t in fast_client.accounts.transactions(margin_key) if t.type in {"Bought", "Sold"}
    )
    detail = fast_client.accounts.transaction(margin_key, row.transaction_id, store_id=row.store_id)
    assert detail.transaction_id == row.transaction_id
    assert detail.amount == row.amount
    assert detail.symbol == row.symbol
    assert detail.quantity == row.quantity


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, k: c.accounts.balance("not a key!"), "account_id_key"),
        (lambda c, k: list(c.accounts.transactions(k, count=51)), "count"),
        (lambda c, k: list(c.accounts.transactions(k, start="yesterday")), "start"),
        (
            lambda c, k: list(
                c.accounts.transactions(k, start=dt.date(2024, 2, 1), end=dt.date(2024, 1, 1))
            ),
            "start",
        ),
        (lambda c, k: c.accounts.portfolio(k, view="FANCY"), "view"),
        (lambda c, k: c.accounts.portfolio(k, sort_order="UP"), "sort_order"),
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

"""Accounts: list, balance, portfolio, position lots, transactions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from etrade_sync.simulator import SimClock, Simulator
from etrade_sync.simulator.testing import error_of

NEW_YORK = ZoneInfo("America/New_York")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_account_list_shape(api: Any) -> None:
    accounts = api.ok("/v1/accounts/list.json")["AccountListResponse"]["Accounts"]["Account"]
    assert len(accounts) == 3
    for account in accounts:
        assert re.fullmatch(r"\d{8}", account["accountId"])
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", account["accountIdKey"])
        assert account["institutionType"] == "BROKERAGE"
    by_status = {a["accountStatus"]: a for a in accounts}
    assert by_status["CLOSED"]["closedDate"] > 0
    modes = {
        (a["accountType"], a["accountMode"]) for a in accounts if a["accountStatus"] == "ACTIVE"
    }
    assert modes == {("INDIVIDUAL", "MARGIN"), ("IRA", "CASH")}
    assert [a.account_id_key for a in api.sim.accounts] == [a["accountIdKey"] for a in accounts]


def test_state_is_deterministic_per_seed() -> None:
    clock = SimClock(datetime(2024, 5, 1, 14, 0, tzinfo=UTC))
    with Simulator(seed=3, clock=clock) as one, Simulator(seed=3, clock=clock) as two:
        assert [a.account_id_key for a in one.accounts] == [a.account_id_key for a in two.accounts]
        assert one.quote("XYZ") == two.quote("XYZ")
        assert [t.transaction_id for t in one.accounts[0].transactions] == [
            t.transaction_id for t in two.accounts[0].transactions
        ]
    with Simulator(seed=4, clock=clock) as other:
        assert other.accounts[0].account_id_key != one.accounts[0].account_id_key


def test_starting_portfolios(sim: Simulator, margin_key: str, ira_key: str) -> None:
    margin = sim.account(margin_key)
    assert 90_000 < margin.cash < 110_000
    stocks = [p for p in margin.positions if p.security_type == "EQ"]
    assert 4 <= len(stocks) <= 6
    assert any(len(p.lots) == 2 for p in stocks)
    assert [p.security_type for p in margin.positions].count("OPTN") == 1
    ira = sim.account(ira_key)
    assert 20_000 < ira.cash < 30_000
    assert 1 <= len(ira.positions) <= 2
    assert 100 <= len(margin.transactions) <= 140


def test_balance_requires_brokerage_inst_type(api: Any, margin_key: str) -> None:
    path = f"/v1/accounts/{margin_key}/balance.json"
    missing = api.get(path)
    assert missing.status_code == 400 and error_of(missing.text) is not None
    wrong = api.get(path, instType="BANK")
    assert wrong.status_code == 400
    unknown = api.get("/v1/accounts/AAAAAAAAAAAAAAAAAAAAAA/balance.json", instType="BROKERAGE")
    assert (unknown.status_code, error_of(unknown.text)[0]) == (400, 102)


def test_balance_is_consistent_with_cash_and_portfolio(api: Any, margin_key: str) -> None:
    balance = api.ok(
        f"/v1/accounts/{margin_key}/balance.json", instType="BROKERAGE", realTimeNAV="true"
    )
    body = balance["BalanceResponse"]
    computed = body["Computed"]
    real = computed["RealTimeValues"]
    assert set(computed["OpenCalls"]) == {"minEquityCall", "fedCall", "cashCall", "houseCall"}
    assert body["accountMode"] == "MARGIN" and "Cash" in body and "Margin" in body
    assert Decimal(str(computed["cashBalance"])) == api.sim.cash(margin_key)
    portfolio = api.ok(f"/v1/accounts/{margin_key}/portfolio.json")
    positions = portfolio["PortfolioResponse"]["AccountPortfolio"][0]["Position"]
    total_mv = sum(Decimal(str(p["marketValue"])) for p in positions)
    assert abs(Decimal(str(real["netMv"])) - total_mv) < Decimal("0.05")
    expected_total = Decimal(str(computed["cashBalance"])) + Decimal(str(real["netMv"]))
    assert abs(Decimal(str(real["totalAccountValue"])) - expected_total) < Decimal("0.02")
    assert computed["marginBuyingPower"] > computed["cashBuyingPower"] > 0


def test_portfolio_default_quick_view_and_links(api: Any, margin_key: str) -> None:
    body = api.ok(f"/v1/accounts/{margin_key}/portfolio.json")["PortfolioResponse"]
    assert "Totals" not in body
    entry = body["AccountPortfolio"][0]
    assert entry["totalPages"] == 1 and "next" not in entry
    for position in entry["Position"]:
        assert set(position["Quick"]) >= {
            "lastTrade",
            "lastTradeTime",
            "change",
            "changePct",
            "volume",
        }
        assert position["dateAcquired"] > 10**12  # epoch milliseconds
        assert position["marketValue"] == pytest.approx(
            position["Quick"]["lastTrade"]
            * position["quantity"]
            * (100 if position["Product"]["securityType"] == "OPTN" else 1),
            abs=0.02,
        )
        lots = api.ok(_path(position["lotsDetails"]))["PositionLotsResponse"]["PositionLot"]
        assert sum(lot["remainingQty"] for lot in lots) == position["quantity"]
        quote = api.ok(_path(position["quoteDetails"]))
        assert (
            quote["QuoteResponse"]["QuoteData"][0]["Product"]["symbol"]
            == position["Product"]["symbol"]
        )
    option = next(p for p in entry["Position"] if p["Product"]["securityType"] == "OPTN")
    assert option["Product"]["callPut"] == "CALL" and option["osiKey"]


@pytest.mark.parametrize(
    ("view", "block"),
    [
        ("QUICK", "Quick"),
        ("COMPLETE", "Complete"),
        ("PERFORMANCE", "Performance"),
        ("FUNDAMENTAL", "Fundamental"),
        ("OPTIONSWATCH", "OptionsWatch"),
    ],
)
def test_portfolio_views(api: Any, margin_key: str, view: str, block: str) -> None:
    body = api.ok(f"/v1/accounts/{margin_key}/portfolio.json", view=view)["PortfolioResponse"]
    for position in body["AccountPortfolio"][0]["Position"]:
        assert block in position
        assert position[block]["lastTrade"] > 0


def test_portfolio_paging_sorting_totals_and_lots(api: Any, margin_key: str) -> None:
    everything = api.ok(f"/v1/accounts/{margin_key}/portfolio.json")
    all_ids = {
        p["positionId"] for p in everything["PortfolioResponse"]["AccountPortfolio"][0]["Position"]
    }
    page = api.ok(
        f"/v1/accounts/{margin_key}/portfolio.json",
        count=2,
        sortBy="SYMBOL",
        sortOrder="ASC",
        totalsRequired="true",
        lotsRequired="true",
    )
    seen: list[dict[str, Any]] = []
    pages = 0
    while True:
        pages += 1
        body = page["PortfolioResponse"]
        assert "Totals" in body
        entry = body["AccountPortfolio"][0]
        seen.extend(entry["Position"])
        assert all("positionLot" in p for p in entry["Position"])
        if "next" not in entry:
            break
        assert entry["nextPageNo"] == str(pages + 1)
        page = api.ok(_path(entry["next"]))
    assert pages == entry["totalPages"] == -(-len(all_ids) // 2)
    assert {p["positionId"] for p in seen} == all_ids
    symbols = [p["symbolDescription"] for p in seen]
    assert symbols == sorted(symbols)
    totals = body["Totals"]
    assert totals["totalMarketValue"] == pytest.approx(
        sum(p["marketValue"] for p in seen), abs=0.05
    )
    assert totals["cashBalance"] == pytest.approx(float(api.sim.cash(margin_key)))


def test_empty_portfolio_is_204(api: Any, closed_key: str) -> None:
    response = api.get(f"/v1/accounts/{closed_key}/portfolio.json")
    assert response.status_code == 204 and response.content == b""


def test_unknown_position_lots(api: Any, margin_key: str) -> None:
    response = api.get(f"/v1/accounts/{margin_key}/portfolio/123.json")
    assert response.status_code == 400 and error_of(response.text) is not None


def test_transactions_marker_paging_covers_everything(api: Any, margin_key: str) -> None:
    first = api.ok(f"/v1/accounts/{margin_key}/transactions.json", count=50)[
        "TransactionListResponse"
    ]
    total = first["totalCount"]
    assert total == len(api.sim.account(margin_key).transactions)
    ids: list[str] = []
    dates: list[int] = []
    body = first
    while True:
        assert body["transactionCount"] == len(body["Transaction"]) <= 50
        ids += [t["transactionId"] for t in body["Transaction"]]
        dates += [t["transactionDate"] for t in body["Transaction"]]
        assert body["moreTransactions"] is False  # as production answers, even mid-list
        if "marker" not in body:
            assert "next" not in body and "pageMarkers" not in body
            break
        assert body["pageMarkers"]
        assert body["next"].endswith(body["marker"]) or f"marker={body['marker']}" in body["next"]
        body = api.ok(_path(body["next"]))["TransactionListResponse"]
    assert len(ids) == len(set(ids)) == total
    assert dates == sorted(dates, reverse=True)
    ascending = api.ok(f"/v1/accounts/{margin_key}/transactions.json", sortOrder="ASC", count=5)
    asc_dates = [t["transactionDate"] for t in ascending["TransactionListResponse"]["Transaction"]]
    assert asc_dates == sorted(dates)[:5]


def test_transaction_date_filter_and_errors(api: Any, margin_key: str) -> None:
    now = api.sim.clock.now_dt().astimezone(NEW_YORK)
    start, end = now - timedelta(days=90), now - timedelta(days=30)
    fmt = "%m%d%Y"
    body = api.ok(
        f"/v1/accounts/{margin_key}/transactions.json",
        startDate=start.strftime(fmt),
        endDate=end.strftime(fmt),
        count=50,
    )["TransactionListResponse"]
    for txn in body["Transaction"]:
        day = datetime.fromtimestamp(txn["transactionDate"] / 1000, NEW_YORK).date()
        assert start.date() <= day <= end.date()
    path = f"/v1/accounts/{margin_key}/transactions.json"
    cases = [
        ({"count": "51"}, 2005),
        ({"count": "0"}, 2005),
        ({"startDate": "2024-01-01", "endDate": "01312024"}, 2004),
        ({"startDate": "02302024", "endDate": "03012024"}, 2004),
        ({"startDate": "03012024", "endDate": "02012024"}, 2002),
        ({"sortOrder": "SIDEWAYS"}, 2007),
        ({"marker": "nonsense"}, 2009),
    ]
    for params, code in cases:
        response = api.get(path, **params)
        assert response.status_code == 400, params
        assert error_of(response.text)[0] == code, params


def test_no_transactions_is_204(api: Any, closed_key: str, margin_key: str) -> None:
    assert api.get(f"/v1/accounts/{closed_key}/transactions.json").status_code == 204
    far = api.get(
        f"/v1/accounts/{margin_key}/transactions.json", startDate="01011990", endDate="12311990"
    )
    assert far.status_code == 204


def test_transaction_details_via_their_links(api: Any, ira_key: str) -> None:
    body = api.ok(f"/v1/accounts/{ira_key}/transactions.json", count=3)["TransactionListResponse"]
    for txn in body["Transaction"]:
        link = txn["detailsURI"]
        assert f"/transactions.json/{txn['transactionId']}" in link  # E*TRADE puts .json mid-path
        details = api.ok(_path(link))["TransactionDetailsResponse"]
        assert details["transactionId"] == txn["transactionId"]
        assert details["amount"] == txn["amount"]
        assert set(details["Category"]) >= {"categoryId", "categoryName"}
        assert details["Brokerage"]["transactionType"] == txn["transactionType"]
    xml = api.get(f"/v1/accounts/{ira_key}/transactions/{body['Transaction'][0]['transactionId']}")
    assert "<TransactionDetailsResponse>" in xml.text
    missing = api.get(f"/v1/accounts/{ira_key}/transactions/1.json")
    assert missing.status_code == 400

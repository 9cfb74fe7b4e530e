"""Bulk helpers reached from the client, for notebooks and cron jobs."""

from __future__ import annotations

import json
from collections.abc import Callable

from etrade_sync.client import Client
from etrade_sync.simulator import Simulator

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


def test_quotes_bulk_and_balances_all_from_the_client(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(rate_limits=UNLIMITED)
    symbols = [f"A{a}{b}" for a in "ABCDEFGHIJ" for b in "ABCDEFGHIJ"] + ["APPL"]
    result = client.market.quotes_bulk(symbols, collect_errors=True)
    assert len(result.results) == 100
    assert list(result.failures) == ["APPL"]
    assert sim.log.hits("/v1/market/quote/*") == 3  # 101 symbols in requests of 50
    balances = client.accounts.balances_all()
    open_keys = {a.account_id_key for a in sim.accounts if a.status != "CLOSED"}
    assert set(balances) == open_keys
    stats = json.loads(client.stats_json())
    assert stats["calls"]["endpoints"]["market.quote"]["count"] == 3

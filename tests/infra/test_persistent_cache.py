"""The opt-in persistent cache tier: shared by processes, same TTLs, nothing in clear."""

from __future__ import annotations

import multiprocessing
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from etrade_sync import EquityOrder
from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator
from tests.support import settings_for

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


def _client(sim: Simulator, tmp_path: Path, name: str, **overrides: Any) -> Client:
    overrides.setdefault("cache_dir", tmp_path / "cache")
    settings = settings_for(
        sim,
        token_file=tmp_path / f"{name}.json",
        journal_file=tmp_path / f"{name}.sqlite3",
        token_store="memory",
        rate_limits=UNLIMITED,
        **overrides,
    )
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
    client.auth.use_token(*sim.issue_access_token())
    return client


def test_a_second_client_reads_what_the_first_fetched_and_nothing_is_in_clear(
    sim: Simulator, tmp_path: Path
) -> None:
    first = _client(sim, tmp_path, "first")
    second = _client(sim, tmp_path, "second")
    account_key = first.accounts.list()[0].account_id_key
    quote = first.market.quotes(["AAPL"])["AAPL"]
    first.accounts.balance(account_key)
    assert sim.log.hits("/v1/market/quote/*") == 1
    assert second.market.quotes(["AAPL"])["AAPL"].raw == quote.raw
    assert second.accounts.list()[0].account_id_key == account_key
    second.accounts.balance(account_key)
    assert sim.log.hits("/v1/market/quote/*") == 1
    assert sim.log.hits("/v1/accounts/list*") == 1
    assert sim.log.hits("/v1/accounts/*/balance*") == 1
    assert second.stats()["cache"]["persistent"]["hits"] == 3

    alone = _client(sim, tmp_path, "alone", cache_dir=None)  # the tier is opt-in
    alone.market.quotes(["AAPL"])
    assert sim.log.hits("/v1/market/quote/*") == 2

    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    for clear in ("AAPL", account_key, sim.consumer_key, sim.consumer_secret, "accountId"):
        assert clear.encode() not in stored, clear
    for client in (first, second, alone):
        client.close()


def test_another_consumer_key_does_not_see_the_entries(sim: Simulator, tmp_path: Path) -> None:
    first = _client(sim, tmp_path, "first")
    first.market.quotes(["AAPL"])
    with Simulator() as other:
        stranger = _client(other, tmp_path, "stranger")
        stranger.market.quotes(["AAPL"])
        assert other.log.hits("/v1/market/quote/*") == 1
        stranger.close()
    first.close()


def test_a_value_from_disk_lives_only_for_the_rest_of_its_ttl(
    sim: Simulator, tmp_path: Path
) -> None:
    first = _client(sim, tmp_path, "first", quote_ttl=2.0)
    second = _client(sim, tmp_path, "second", quote_ttl=2.0)
    first.market.quotes(["IBM"])
    time.sleep(1.2)
    second.market.quotes(["IBM"])  # from disk, 1.2 s old: 0.8 s left
    assert sim.log.hits("/v1/market/quote/*") == 1
    time.sleep(1.0)
    second.market.quotes(["IBM"])  # 2.2 s after the fetch: gone everywhere
    assert sim.log.hits("/v1/market/quote/*") == 2
    first.close()
    second.close()


def test_an_order_drops_the_accounts_balances_for_every_process(
    sim: Simulator, tmp_path: Path
) -> None:
    trader = _client(sim, tmp_path, "trader")
    watcher = _client(sim, tmp_path, "watcher")
    key = trader.accounts.list()[0].account_id_key
    trader.accounts.balance(key)
    watcher.accounts.balance(key)  # from disk, now also in the watcher's memory
    assert sim.log.hits("/v1/accounts/*/balance*") == 1
    order = EquityOrder("IBM", "BUY", 1, price_type="LIMIT", limit_price=Decimal("1.00"))
    trader.orders.place(key, trader.orders.preview(key, order))
    watcher.accounts.balance(key)
    assert sim.log.hits("/v1/accounts/*/balance*") == 2
    trader.accounts.balance(key)
    assert sim.log.hits("/v1/accounts/*/balance*") == 2
    trader.close()
    watcher.close()


PROCESSES = 8


def _child(info: dict[str, str], token: tuple[str, str], tmp: str, start: Any, out: Any) -> None:
    from etrade_sync import Settings
    from etrade_sync.client import Client
    from etrade_sync.ratelimit import RateGate

    name = multiprocessing.current_process().name
    settings = Settings(
        consumer_key=info["consumer_key"],
        consumer_secret=info["consumer_secret"],
        base_url=info["url"],
        oauth_base_url=info["url"],
        token_store="memory",
        journal_file=f"{tmp}/journal-{name}.sqlite3",
        cache_dir=f"{tmp}/cache",
        quote_ttl=5.0,
    )
    with Client(settings, gate=RateGate(settings.resolved_rate_limits)) as client:
        client.auth.use_token(*token)
        start.wait(timeout=120)
        began = time.time()
        quote = client.market.quotes(["AAPL"])["AAPL"]
        out.put((began, time.time(), str(quote.raw)))


@pytest.mark.slow
def test_eight_processes_started_within_one_ttl_fetch_a_quote_once(
    sim: Simulator, tmp_path: Path
) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    info = {
        "url": sim.url,
        "consumer_key": sim.consumer_key,
        "consumer_secret": sim.consumer_secret,
    }
    children = [
        ctx.Process(
            target=_child,
            args=(info, sim.issue_access_token(), str(tmp_path), start, out),
            name=f"cache-child-{i}",
        )
        for i in range(PROCESSES)
    ]
    for child in children:
        child.start()
    results = [out.get(timeout=180) for _ in children]
    for child in children:
        child.join(30)
        assert child.exitcode == 0
    began = [r[0] for r in results]
    assert max(began) - min(began) < 5.0  # all started within one quote TTL
    assert len({r[2] for r in results}) == 1  # every process got the same quote
    assert sim.log.hits("/v1/market/quote/*") == 1


def test_clearing_the_cache_clears_the_tier_too(sim: Simulator, tmp_path: Path) -> None:
    first = _client(sim, tmp_path, "first")
    second = _client(sim, tmp_path, "second")
    first.market.quotes(["AAPL"])
    first.cache.clear()
    second.market.quotes(["AAPL"])
    assert sim.log.hits("/v1/market/quote/*") == 2
    first.close()
    second.close()

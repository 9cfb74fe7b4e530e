"""The caches as a user sees them over real sockets: ``clear()`` during a fetch means
the next read goes to E*TRADE, and a cache turned off still counts what it fetched."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from etrade_sync.client import Client
from etrade_sync.simulator import Fault, Simulator

QUOTES = "/v1/market/quote/*"


def _in_flight(sim: Simulator, call: Callable[[], object], glob: str) -> threading.Thread:
    """Start ``call`` in a thread; return once its request has reached the simulator."""
    worker = threading.Thread(target=call)
    worker.start()
    deadline = time.monotonic() + 10
    while sim.log.hits(path_glob=glob) == 0:
        assert time.monotonic() < deadline, "the request never arrived"
        time.sleep(0.01)
    return worker


@pytest.mark.parametrize("how", ["clear", "invalidate_account"])
def test_a_balance_fetched_across_a_clear_is_not_served_afterwards(
    sim: Simulator, make_client: Callable[..., Client], how: str
) -> None:
    client = make_client()
    key = client.accounts.list()[0].account_id_key
    path = f"/v1/accounts/{key}/balance"
    sim.faults.script(path, Fault.delay(0.5))
    worker = _in_flight(sim, lambda: client.accounts.balance(key), path)
    # an order is placed meanwhile: what the fetch brings back is already old
    if how == "clear":
        client.cache.clear()
    else:
        client.cache.invalidate_account(key)
    worker.join(10)
    client.accounts.balance(key)
    assert sim.log.hits(path_glob=path) == 2


def test_quotes_fetched_across_a_clear_are_not_served_afterwards(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    sim.faults.script(QUOTES, Fault.delay(0.5))
    worker = _in_flight(sim, lambda: client.market.quotes(["IBM"]), QUOTES)
    client.cache.clear()
    worker.join(10)
    client.market.quotes(["IBM"])
    assert sim.log.hits(path_glob=QUOTES) == 2
    # without a clear, the next read is a hit
    client.market.quotes(["IBM"])
    assert sim.log.hits(path_glob=QUOTES) == 2


def test_a_disabled_cache_counts_every_fetch_as_a_miss(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(quote_ttl=0, accounts_ttl=0)
    client.market.quotes(["AAPL", "MSFT"])
    client.market.quote("IBM")
    client.accounts.list()
    client.accounts.list()
    cache = client.stats()["cache"]
    assert (cache["quotes"]["hits"], cache["quotes"]["misses"]) == (0, 3)
    assert (cache["accounts"]["hits"], cache["accounts"]["misses"]) == (0, 2)
    assert sim.log.hits(path_glob=QUOTES) == 2
    assert sim.log.hits(path_glob="/v1/accounts/list") == 2


def test_debug_logs_say_miss_then_hit(
    make_client: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    client = make_client()
    caplog.set_level(logging.DEBUG, logger="etrade_sync")
    client.accounts.list()
    client.accounts.list()
    client.market.quotes(["IBM"])
    client.market.quotes(["IBM", "MSFT"])
    outcomes = [
        (r.cache_name, r.cache, r.hits, r.misses)
        for r in caplog.records
        if hasattr(r, "cache_name")
    ]
    assert outcomes == [
        ("accounts", "miss", 0, 1),
        ("accounts", "hit", 1, 0),
        ("quotes", "miss", 0, 1),
        ("quotes", "partial", 1, 1),
    ]

"""The lock-free hit path keeps the cache's promises, seen from the simulator's side."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal

from etrade_sync.cache import TTLResponseCache
from etrade_sync.client import Client
from etrade_sync.simulator import Fault, Simulator

SYMBOLS = [f"H{a}{b}" for a in "ABCDE" for b in "VWXYZ"]
QUOTES = "/v1/market/quote/*"


def test_sixty_four_threads_asking_at_once_cause_one_request(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(quote_ttl=60)
    sim.faults.script(QUOTES, Fault.delay(0.3))  # keep the first fetch in flight
    barrier = threading.Barrier(64)
    results: list[object] = [None] * 64

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = client.market.quotes(SYMBOLS)
        except Exception as exc:
            results[i] = exc

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(64)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(30)
    assert sim.log.hits(QUOTES) == 1
    for got in results:
        assert isinstance(got, dict) and list(got) == SYMBOLS
    assert client.cache.quotes.stats().hits == 63 * len(SYMBOLS)


def test_cached_quotes_expire_on_the_real_clock(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(quote_ttl=0.4)
    first = client.market.quotes(SYMBOLS)
    assert client.market.quotes(SYMBOLS) == first
    assert sim.log.hits(QUOTES) == 1
    time.sleep(0.5)
    client.market.quotes(SYMBOLS)
    assert sim.log.hits(QUOTES) == 2
    assert len(client.cache.quotes) == len(SYMBOLS)


def test_cached_quotes_are_still_decimal_and_aware(make_client: Callable[..., Client]) -> None:
    client = make_client(quote_ttl=60)
    client.market.quotes(SYMBOLS)
    for quote in client.market.quotes(SYMBOLS).values():  # from the cache
        assert isinstance(quote.last, Decimal) and isinstance(quote.bid, Decimal)
        assert quote.as_of is not None and quote.as_of.utcoffset() is not None
        assert not any(isinstance(v, float) for v in quote.detail.values())


def test_a_full_cache_drops_its_oldest_entries_first() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 60.0, maxsize=3)
    for key in "ABCD":
        cache.get_or_fetch(key, lambda key=key: key.lower())
    assert len(cache) == 3
    calls: list[str] = []
    assert cache.get_or_fetch("A", lambda: calls.append("A") or "a2") == "a2"
    assert cache.get_or_fetch("D", lambda: calls.append("D") or "d2") == "d"
    assert calls == ["A"]

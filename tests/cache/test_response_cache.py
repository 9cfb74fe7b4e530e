"""TTLResponseCache and CacheSet: one fetch per key, partial batches, expiry, invalidation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from etrade_sync import Settings
from etrade_sync.cache import CacheSet, TTLResponseCache


class FakeTimer:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """A fake upstream that counts calls and the keys each call asked for."""

    def __init__(self, delay: float = 0.0, fail_times: int = 0) -> None:
        self.delay = delay
        self.fail_times = fail_times
        self.calls: list[list[Any]] = []
        self.version = 1
        self._lock = threading.Lock()

    def _enter(self, keys: list[Any]) -> None:
        with self._lock:
            self.calls.append(list(keys))
            failing = self.fail_times > 0
            self.fail_times -= 1
        if self.delay:
            time.sleep(self.delay)
        if failing:
            raise ConnectionError("upstream failed")

    def one(self, key: Any) -> Callable[[], str]:
        def fetch() -> str:
            self._enter([key])
            return f"{key}@v{self.version}"

        return fetch

    def many(self, keys: list[Any]) -> Mapping[Any, str]:
        self._enter(keys)
        return {k: f"{k}@v{self.version}" for k in keys}


def run_threads(n: int, target: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_stampede_of_eight_threads_makes_one_request() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 5.0)
    upstream = Upstream(delay=0.2)
    results = run_threads(8, lambda: cache.get_or_fetch("AAPL", upstream.one("AAPL")))
    assert results == ["AAPL@v1"] * 8
    assert len(upstream.calls) == 1
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.size) == (7, 1, 1)
    assert stats.hit_rate == pytest.approx(7 / 8)


def test_waiters_share_the_failure_and_exceptions_are_not_cached() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("balances", 60.0)
    upstream = Upstream(delay=0.2, fail_times=1)
    results = run_threads(4, lambda: cache.get_or_fetch("acct", upstream.one("acct")))
    assert all(isinstance(r, ConnectionError) for r in results), results
    assert len(upstream.calls) == 1  # the waiters shared the failed call's error
    assert cache.get_or_fetch("acct", upstream.one("acct")) == "acct@v1"  # not remembered
    # a lone failure is not remembered either
    upstream.fail_times = 1
    with pytest.raises(ConnectionError):
        cache.get_or_fetch("other", upstream.one("other"))
    assert cache.get_or_fetch("other", upstream.one("other")) == "other@v1"


def test_ttl_expiry_on_an_injected_timer() -> None:
    timer = FakeTimer()
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 5.0, timer=timer)
    upstream = Upstream()
    assert cache.get_or_fetch("AAPL", upstream.one("AAPL")) == "AAPL@v1"
    upstream.version = 2
    timer.now += 4.999
    assert cache.get_or_fetch("AAPL", upstream.one("AAPL")) == "AAPL@v1"
    timer.now += 0.001
    assert cache.get_or_fetch("AAPL", upstream.one("AAPL")) == "AAPL@v2"
    assert len(upstream.calls) == 2
    timer.now += 10
    assert len(cache) == 0


def test_fresh_bypasses_and_refreshes() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("balances", 60.0)
    upstream = Upstream()
    cache.get_or_fetch("acct", upstream.one("acct"))
    upstream.version = 2
    assert cache.get_or_fetch("acct", upstream.one("acct"), fresh=True) == "acct@v2"
    assert cache.get_or_fetch("acct", upstream.one("acct")) == "acct@v2"
    assert len(upstream.calls) == 2


def test_zero_ttl_disables_the_cache() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 0)
    upstream = Upstream()
    for _ in range(3):
        cache.get_or_fetch("AAPL", upstream.one("AAPL"))
    cache.get_many(["A", "B"], upstream.many)
    cache.get_many(["A", "B"], upstream.many)
    assert len(upstream.calls) == 5
    assert cache.stats().hits == 0 and len(cache) == 0


def test_partial_hits_fetch_only_the_missing_keys_in_one_call() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 5.0)
    upstream = Upstream()
    symbols = [f"S{i:02d}" for i in range(60)]
    cache.get_many(symbols[:40], upstream.many)
    upstream.calls.clear()
    got = cache.get_many(symbols, upstream.many)
    assert list(got) == symbols
    assert upstream.calls == [symbols[40:]]
    assert cache.stats().hits == 40


def test_keys_the_fetcher_did_not_return_are_absent_and_not_cached() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 5.0)

    def fetch(keys: list[str]) -> dict[str, str]:
        return {k: k.lower() for k in keys if k != "BAD"}

    assert cache.get_many(["A", "BAD", "B"], fetch) == {"A": "a", "B": "b"}
    assert len(cache) == 2


def test_overlapping_batches_from_two_threads_fetch_each_key_once() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 5.0)
    upstream = Upstream(delay=0.3)
    first = [f"S{i:02d}" for i in range(0, 30)]
    second = [f"S{i:02d}" for i in range(20, 50)]
    out: dict[str, dict[str, str]] = {}
    a = threading.Thread(target=lambda: out.setdefault("a", cache.get_many(first, upstream.many)))
    a.start()
    time.sleep(0.1)  # the first batch is in flight
    out["b"] = cache.get_many(second, upstream.many)
    a.join()
    assert list(out["a"]) == first and list(out["b"]) == second
    assert upstream.calls == [first, [f"S{i:02d}" for i in range(30, 50)]]


def test_a_failed_batch_is_retried_by_the_thread_that_waited_for_it() -> None:
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 5.0)
    upstream = Upstream(delay=0.3, fail_times=1)
    errors: list[Exception] = []

    def first() -> None:
        try:
            cache.get_many(["A", "B"], upstream.many)
        except ConnectionError as exc:
            errors.append(exc)

    a = threading.Thread(target=first)
    a.start()
    time.sleep(0.1)
    got = cache.get_many(["B", "C"], upstream.many)
    a.join()
    assert got == {"B": "B@v1", "C": "C@v1"}
    assert len(errors) == 1
    assert upstream.calls == [["A", "B"], ["C"], ["B"]]


def test_invalidation_drops_entries_and_in_flight_results() -> None:
    cache: TTLResponseCache[tuple[str, bool], str] = TTLResponseCache("balances", 60.0)
    upstream = Upstream()
    for key in [("A", False), ("A", True), ("B", False)]:
        cache.get_or_fetch(key, upstream.one(key))
    assert cache.invalidate(("B", False)) is True
    assert cache.invalidate(("B", False)) is False
    assert cache.invalidate_where(lambda k: k[0] == "A") == 2
    assert len(cache) == 0

    # a fetch that started before the invalidation must not be stored
    slow = Upstream(delay=0.3)
    t = threading.Thread(target=lambda: cache.get_or_fetch(("A", False), slow.one("A")))
    t.start()
    time.sleep(0.1)
    cache.invalidate(("A", False))
    t.join()
    assert len(cache) == 0

    cache.get_or_fetch(("C", False), upstream.one("C"))
    cache.clear()
    assert len(cache) == 0


def test_cache_set_uses_the_settings_ttls_and_invalidates_an_account() -> None:
    timer = FakeTimer()
    settings = Settings(quote_ttl=5, balance_ttl=60, accounts_ttl=300, expirations_ttl=0)
    caches = CacheSet(settings, clock=timer)
    assert {c.name: c.ttl for c in caches.caches()} == {
        "quotes": 5.0,
        "balances": 60.0,
        "accounts": 300.0,
        "expirations": 0.0,
    }
    upstream = Upstream()
    for key in [("K1", False), ("K1", True), ("K2", False)]:
        caches.balances.get_or_fetch(key, upstream.one(key))
    caches.quotes.get_many([("AAPL", "ALL")], upstream.many)
    caches.invalidate_account("K1")
    stats = caches.stats()
    assert stats["balances"]["size"] == 1
    assert stats["quotes"]["size"] == 1
    assert set(stats) == {"quotes", "balances", "accounts", "expirations"}
    assert {"hits", "misses", "hit_rate", "size", "ttl_s"} <= set(stats["quotes"])
    caches.clear()
    assert caches.stats()["quotes"]["size"] == 0


def test_a_batch_expires_together_so_its_refresh_is_one_call() -> None:
    class SlowClock(FakeTimer):
        tick = 0.001  # storing a big batch takes a while

        def __call__(self) -> float:
            self.now += self.tick
            return self.now

    timer = SlowClock()
    cache: TTLResponseCache[str, str] = TTLResponseCache("quotes", 5.0, timer=timer)
    upstream = Upstream()
    symbols = [f"S{i:02d}" for i in range(50)]
    cache.get_many(symbols, upstream.many)
    timer.tick = 0.0
    timer.now += 4.9
    for _ in range(40):  # walk across the expiry instant in small steps
        timer.now += 0.005
        cache.get_many(symbols, upstream.many)
    assert upstream.calls == [symbols, symbols]

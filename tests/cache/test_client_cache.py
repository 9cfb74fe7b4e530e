"""The client's caches seen from outside: requests that reach the simulator, or do not."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from etrade_sync.api.accounts import AccountsAPI
from etrade_sync.api.market import MarketAPI
from etrade_sync.cache import CacheSet
from etrade_sync.client import Client
from etrade_sync.errors import ServerError
from etrade_sync.simulator import Fault, Simulator

FIFTY = [f"{a}{b}" for a in "ABCDEFGHIJ" for b in "VWXYZ"]
QUOTES = "/v1/market/quote/*"


def wired(*methods: Callable[..., Any]) -> pytest.MarkDecorator:
    """Skip until these endpoint methods read through the client's cache (``fresh=``)."""
    missing = [m.__qualname__ for m in methods if "fresh" not in inspect.signature(m).parameters]
    return pytest.mark.skipif(
        bool(missing), reason=f"not yet wired to client.cache: {', '.join(missing)}"
    )


quotes_wired = wired(MarketAPI.quotes)


class FakeTimer:
    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def poll(client: Client, threads: int, until: Callable[[], bool]) -> list[BaseException]:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while not until():
                assert len(client.market.quotes(FIFTY)) == 50
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    return errors


@quotes_wired
def test_sixteen_threads_on_a_fake_clock_make_one_request_per_ttl(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    timer = FakeTimer()
    client.cache = CacheSet(client.settings, clock=timer)
    done = threading.Event()

    def clock_driver() -> None:
        # 20 simulated seconds in steps of 0.25 s, while the threads poll
        for _ in range(80):
            time.sleep(0.01)
            timer.advance(0.25)
        done.set()

    driver = threading.Thread(target=clock_driver)
    driver.start()
    errors = poll(client, 16, done.is_set)
    driver.join()
    assert not errors, errors[:3]
    calls = sim.log.hits(QUOTES)
    assert 4 <= calls <= 5, calls  # t = 0, 5, 10, 15 (and 20 at the very end)
    stats = client.stats()["cache"]["quotes"]
    assert stats["hit_rate"] > 0.9


@pytest.mark.slow
@quotes_wired
def test_sixteen_threads_polling_for_twenty_seconds_make_at_most_five_requests(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(quote_ttl=5.0)
    deadline = time.monotonic() + 20.0
    errors = poll(client, 16, lambda: time.monotonic() >= deadline)
    assert not errors, errors[:3]
    calls = sim.log.hits(QUOTES)
    print(f"16 threads x 20 s on 50 symbols, 5 s TTL: {calls} quote requests")
    assert 4 <= calls <= 5
    assert sim.log.throttled == 0


@quotes_wired
def test_partial_hits_request_only_the_missing_symbols(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    sixty = [*FIFTY, *[f"K{c}" for c in "ABCDEFGHIJ"]]
    client.market.quotes(sixty[:40])
    sim.log.clear()
    result = client.market.quotes(sixty)
    assert list(result) == sixty
    assert sim.log.hits(QUOTES) == 1
    asked = sim.log.last(QUOTES).path.rsplit("/", 1)[1].split(",")
    assert asked == sixty[40:]


@quotes_wired
def test_stampede_of_eight_threads_sends_one_request(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    barrier = threading.Barrier(8)
    results: list[Any] = []

    def worker() -> None:
        barrier.wait()
        results.append(client.market.quote("AAPL").last)

    pool = [threading.Thread(target=worker) for _ in range(8)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(30)
    assert len(results) == 8 and len(set(results)) == 1
    assert sim.log.hits(QUOTES) == 1


@quotes_wired
def test_fresh_true_goes_to_e_trade_and_refreshes(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    before = client.market.quotes(["AAPL"])["AAPL"].last
    sim.set_price("AAPL", before + 7)
    assert client.market.quotes(["AAPL"])["AAPL"].last == before  # cached
    assert client.market.quotes(["AAPL"], fresh=True)["AAPL"].last == before + 7
    assert client.market.quotes(["AAPL"])["AAPL"].last == before + 7
    assert sim.log.hits(QUOTES) == 2


@quotes_wired
def test_detail_levels_are_cached_apart(sim: Simulator, make_client: Callable[..., Client]) -> None:
    client = make_client()
    client.market.quotes(["AAPL"], detail="ALL")
    client.market.quotes(["AAPL"], detail="INTRADAY")
    client.market.quotes(["AAPL"], detail="INTRADAY")
    assert sim.log.hits(QUOTES) == 2


@quotes_wired
def test_zero_ttl_turns_the_quote_cache_off(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(quote_ttl=0)
    for _ in range(3):
        client.market.quotes(["AAPL"])
    assert sim.log.hits(QUOTES) == 3


@quotes_wired
def test_failures_are_not_cached(sim: Simulator, make_client: Callable[..., Client]) -> None:
    client = make_client(max_retries=0)
    sim.faults.script(QUOTES, Fault.status(500))
    with pytest.raises(ServerError):
        client.market.quotes(["AAPL"])
    assert "AAPL" in client.market.quotes(["AAPL"])
    assert sim.log.hits(QUOTES) == 2


@wired(AccountsAPI.balance)
def test_balances_are_cached_until_an_account_changes(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    key = client.accounts.list()[0].account_id_key
    path = f"/v1/accounts/{key}/balance"
    first = client.accounts.balance(key)
    assert client.accounts.balance(key) == first
    assert sim.log.hits(path) == 1
    client.accounts.balance(key, real_time_nav=True)
    assert sim.log.hits(path) == 2  # cached apart
    client.accounts.balance(key, fresh=True)
    assert sim.log.hits(path) == 3
    client.cache.invalidate_account(key)  # what placing an order does
    client.accounts.balance(key)
    client.accounts.balance(key, real_time_nav=True)
    assert sim.log.hits(path) == 5


@wired(AccountsAPI.list, MarketAPI.option_expirations)
def test_account_list_and_option_expirations_are_cached(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    accounts = client.accounts.list()
    accounts.clear()  # the caller's copy; the cache keeps its own
    assert client.accounts.list()
    assert sim.log.hits("/v1/accounts/list") == 1
    client.accounts.list(fresh=True)
    assert sim.log.hits("/v1/accounts/list") == 2

    dates = client.market.option_expirations("AAPL")
    assert client.market.option_expirations("AAPL") == dates
    client.market.option_expirations("AAPL", expiry_type="MONTHLY")
    assert sim.log.hits("/v1/market/optionexpiredate") == 2


@quotes_wired
def test_stats_report_hits_and_misses(make_client: Callable[..., Client]) -> None:
    client = make_client()
    client.market.quotes(["AAPL", "MSFT"])
    client.market.quotes(["AAPL", "MSFT", "IBM"])
    quotes = client.stats()["cache"]["quotes"]
    assert (quotes["hits"], quotes["misses"], quotes["size"]) == (2, 3, 3)
    assert quotes["hit_rate"] == pytest.approx(0.4)


def test_client_reports_every_cache_in_stats(make_client: Callable[..., Client]) -> None:
    client = make_client(quote_ttl=2, balance_ttl=30)
    caches = client.stats()["cache"]
    assert set(caches) == {"quotes", "balances", "accounts", "expirations"}
    assert (caches["quotes"]["ttl_s"], caches["balances"]["ttl_s"]) == (2.0, 30.0)

"""Shared rate-gate backends: SQLite (one host) and Redis (many hosts)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from pyrate_limiter import Duration, Rate, RateItem

from etrade_sync import Settings
from etrade_sync.errors import ConfigurationError, RateGateError
from etrade_sync.ratelimit import RateGate
from etrade_sync.ratelimit.backends import RedisWindowBucket, make_bucket
from tests.servers import RedisServer

MARKET_3 = {"market": ((3, 1.0),)}


def gate(backend: str, namespace: str, rates: Any = MARKET_3) -> RateGate:
    return RateGate(rates, backend, namespace=namespace, timeout=30.0)


def take_now(g: RateGate, category: str = "market") -> bool:
    """Try for a permit without waiting."""
    try:
        g.acquire(category, timeout=0)
    except RateGateError:
        return False
    return True


def assert_shared(a: RateGate, b: RateGate) -> None:
    assert [take_now(a), take_now(b), take_now(a)] == [True, True, True]
    assert take_now(b) is False, "the second gate did not see the first gate's permits"
    assert take_now(a) is False


def sqlite_backend(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gate.db'}"


def test_sqlite_gates_share_one_budget(tmp_path: Path) -> None:
    backend = sqlite_backend(tmp_path)
    a, b = gate(backend, "key1"), gate(backend, "key1")
    assert_shared(a, b)
    # another consumer key has its own budget in the same file
    assert take_now(gate(backend, "key2")) is True
    a.close()
    b.close()


@pytest.mark.redis
def test_redis_gates_share_one_budget(redis_server: RedisServer, namespace: str) -> None:
    a, b = gate(redis_server.url, namespace), gate(redis_server.url, namespace)
    assert_shared(a, b)
    assert take_now(gate(redis_server.url, namespace + "x")) is True


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_waiting_threads_hold_an_exact_rolling_second(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, namespace: str
) -> None:
    if kind == "redis":
        request.applymarker(pytest.mark.redis)
        backend = request.getfixturevalue("redis_server").url
    else:
        backend = sqlite_backend(tmp_path)
    gates = [gate(backend, namespace, {"market": ((4, 1.0),)}) for _ in range(3)]
    stamps: list[float] = []
    lock = threading.Lock()

    def worker(g: RateGate) -> None:
        for _ in range(2):
            g.acquire("market")
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker, args=(g,)) for g in gates for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    stamps.sort()
    assert len(stamps) == 12
    most = max(sum(1 for s in stamps if t0 <= s < t0 + 1.0) for t0 in stamps)
    assert most <= 4
    # 12 permits at 4 per (padded) second: two windows after the first burst
    assert 2.0 <= stamps[-1] - stamps[0] < 3.5


@pytest.mark.redis
def test_redis_counts_items_stamped_out_of_order(redis_server: RedisServer, namespace: str) -> None:
    client = redis.Redis.from_url(redis_server.url)
    bucket = RedisWindowBucket([Rate(3, Duration.SECOND)], client, f"t:{namespace}")
    now = bucket.now()
    # three writers stamped late, then one stamped early: the server clock decides
    assert all(bucket.put(RateItem("market", now + 500)) for _ in range(3))
    assert bucket.put(RateItem("market", now + 100)) is False
    assert bucket.count() == 3
    assert 900 <= bucket.waiting(RateItem("market", now + 100)) <= 1100


@pytest.mark.redis
def test_redis_gate_survives_script_flush(redis_server: RedisServer, namespace: str) -> None:
    g = gate(redis_server.url, namespace)
    assert take_now(g)
    redis.Redis.from_url(redis_server.url).script_flush()
    assert take_now(g)
    assert take_now(g)
    assert take_now(g) is False


@pytest.mark.redis
def test_redis_restart_mid_run_keeps_the_gate_working(private_redis: RedisServer) -> None:
    g = gate(private_redis.url, "restart", {"market": ((20, 1.0),)})
    outcomes: list[str] = []
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                g.acquire("market", timeout=3)
                outcomes.append("ok")
            except RateGateError as exc:
                outcomes.append("down" if "Error" in str(exc) else f"other: {exc}")
                time.sleep(0.05)

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.5)
    private_redis.restart()  # the server forgets its scripts and its windows
    time.sleep(0.5)
    before = outcomes.count("ok")
    time.sleep(0.5)
    stop.set()
    thread.join(10)
    assert outcomes.count("ok") > before, "no permits after the restart"
    assert all(o in ("ok", "down") for o in outcomes), outcomes
    assert take_now(g)


@pytest.mark.redis
def test_gate_with_redis_down_raises_quickly(private_redis: RedisServer) -> None:
    url = private_redis.url.replace("redis://", "redis://:hunter2@")
    g = gate(url, "down")
    private_redis.stop()
    started = time.monotonic()
    with pytest.raises(RateGateError) as info:
        g.acquire("market")
    assert time.monotonic() - started < 2.0
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(g.stats())


@pytest.mark.redis
def test_gate_with_a_silent_redis_fails_within_seconds() -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        g = gate(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", "silent")
        started = time.monotonic()
        with pytest.raises(RateGateError, match="Timeout"):
            g.acquire("market")
        assert time.monotonic() - started < 6.0


def test_missing_redis_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import etrade_sync.ratelimit.backends as backends

    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setattr(backends, "_redis_clients", {})
    with pytest.raises(ConfigurationError, match=r"etrade_sync\[redis\]"):
        RateGate(MARKET_3, "redis://127.0.0.1:1/0", namespace="x")


def test_unusable_sqlite_path_names_the_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigurationError, match="is not a folder"):
        RateGate(MARKET_3, f"sqlite:///{blocker}/gate.db", namespace="x")


def test_unwritable_sqlite_file_raises_rate_gate_error(tmp_path: Path) -> None:
    folder = tmp_path / "gate.db"
    folder.mkdir()  # a folder where the database file should be
    with pytest.raises(RateGateError, match="could not be opened"):
        RateGate(MARKET_3, f"sqlite:///{folder}", namespace="x")


def test_backend_is_read_from_the_environment(tmp_path: Path) -> None:
    backend = sqlite_backend(tmp_path)
    settings = Settings.from_env(
        environ={"ETRADE_RATE_LIMIT_BACKEND": backend, "ETRADE_CONSUMER_KEY": "ck-env"},
        dotenv_path=None,
    )
    shared = RateGate.shared(settings)
    try:
        assert shared.stats()["backend"] == backend
        assert (tmp_path / "gate.db").exists()
    finally:
        shared.close()
        for key, value in list(RateGate._shared.items()):
            if value is shared:
                del RateGate._shared[key]


def test_make_bucket_rejects_unknown_schemes() -> None:
    with pytest.raises(ConfigurationError):
        make_bucket("memcached://x", "ns", "market", [Rate(1, 1000)])


def test_the_margin_is_absolute_configurable_and_keeps_long_windows_valid() -> None:
    from etrade_sync import Settings
    from etrade_sync.errors import ConfigurationError
    from etrade_sync.ratelimit import DEFAULT_MARGINS

    rates = {"market": ((4, 1.0), (14000, 3600.0)), "accounts": ((2, 1.0), (7000, 3600.0))}
    gate = RateGate(rates)
    assert gate.margin == DEFAULT_MARGINS["memory"]
    assert RateGate(rates, margin=0.02).windows()["market"] == [(4, 1.02), (14000, 3600.02)]
    # 2 per 1.2 s is sparser than 7,000/h: the hour is stretched to the same density
    assert RateGate(rates, margin=0.2).windows()["accounts"] == [(2, 1.2), (7000, 4200.0)]
    assert RateGate(rates, margin=0.2).describe()["accounts"] == "2/s, 7000/h"
    assert RateGate.shared(Settings(rate_limit_margin=0.015)).margin == 0.015
    with pytest.raises(ConfigurationError, match="rate_limit_margin"):
        Settings(rate_limit_margin=1.5)

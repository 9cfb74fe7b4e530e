"""Building blocks without sockets: clock, log windows, fault plans, rate windows, rules."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from etrade_sync.simulator import Fault, RequestLog, RequestRecord, SimClock
from etrade_sync.simulator.faults import FaultPlan
from etrade_sync.simulator.limits import RateEnforcer, category_for
from etrade_sync.simulator.order_rules import canonical
from etrade_sync.simulator.server import normalize_path
from etrade_sync.simulator.testing import error_of, oauth_problem
from etrade_sync.simulator.tokens import next_midnight_new_york


def test_clock_follows_real_time_until_moved() -> None:
    clock = SimClock()
    assert clock.is_real_time
    assert abs(clock.now() - time.time()) < 1
    clock.advance(3600)
    assert not clock.is_real_time
    held = clock.now()
    assert abs(held - time.time() - 3600) < 1
    assert clock.now() == held  # held still once moved
    clock.set(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert clock.now_dt() == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    clock.set(1_700_000_000)
    assert clock.now() == 1_700_000_000
    clock.follow_real_time()
    assert clock.is_real_time
    with pytest.raises(ValueError, match="aware"):
        SimClock(datetime(2024, 1, 1))
    offset = SimClock(datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=-5))))
    assert offset.now_dt() == datetime(2024, 1, 1, 17, tzinfo=UTC)


def test_next_midnight_new_york_is_dst_aware() -> None:
    def midnight(issued: datetime) -> datetime:
        return datetime.fromtimestamp(next_midnight_new_york(issued.timestamp()), UTC)

    assert midnight(datetime(2024, 7, 1, 12, tzinfo=UTC)) == datetime(2024, 7, 2, 4, tzinfo=UTC)
    assert midnight(datetime(2024, 1, 1, 12, tzinfo=UTC)) == datetime(2024, 1, 2, 5, tzinfo=UTC)
    assert midnight(datetime(2024, 3, 10, 12, tzinfo=UTC)) == datetime(2024, 3, 11, 4, tzinfo=UTC)
    exactly = datetime(2024, 7, 2, 4, tzinfo=UTC)
    assert midnight(exactly) == datetime(2024, 7, 3, 4, tzinfo=UTC)


def _record(t: float, throttled: bool = False, category: str = "market") -> RequestRecord:
    return RequestRecord(
        seq=0,
        time=t,
        wall_time=t,
        method="GET",
        path="/v1/market/quote/X",
        raw_path="/v1/market/quote/X",
        query={},
        category=category,
        connection_id=1,
        body="",
        throttled=throttled,
        nonce=f"n{t}",
        oauth_timestamp="1",
        consumer_key="ck",
    )


def test_max_in_window_uses_half_open_windows() -> None:
    log = RequestLog()
    for t in (0.0, 0.5, 0.99, 1.0, 1.5, 1.6):
        log.add(_record(t))
    log.add(_record(1.7, throttled=True))
    log.add(_record(1.2, category="orders"))
    assert log.max_in_window("market") == 4  # 1.0, 1.5, 1.6 with 0.5 or 0.99
    assert log.max_in_window("market", admitted_only=False) == 5
    assert log.max_in_window("market", window=0.1) == 2
    assert log.max_in_window("orders") == 1
    assert log.max_in_window("alerts") == 0


def test_duplicate_nonces_and_hits() -> None:
    log = RequestLog()
    log.add(_record(1.0))
    log.add(_record(1.0))
    log.add(_record(2.0))
    assert log.duplicate_nonces() == 1
    assert log.hits("/v1/market/*") == 3 and log.hits(method="POST") == 0
    with pytest.raises(LookupError):
        log.last("/nothing")


def test_fault_plan_order_method_and_exhaustion() -> None:
    plan = FaultPlan()
    plan.script("/v1/a/*", Fault.status(500), Fault.drop(), method="POST")
    plan.script("/v1/a/*", Fault.throttle())
    assert plan.take("GET", "/v1/a/x") == Fault.throttle()
    assert plan.take("GET", "/v1/a/x") is None
    assert plan.take("POST", "/v1/a/x") == Fault.status(500)
    assert plan.take("post", "/v1/a/x") == Fault.drop()
    assert plan.take("POST", "/v1/a/x") is None
    assert [name for _, _, name in plan.fired] == ["throttle", "status", "drop"]
    with pytest.raises(TypeError):
        plan.script("/x", "not a fault")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rate"):
        plan.random(1.5, [Fault.drop()])


def test_fault_constructors() -> None:
    assert Fault.too_many(5).headers == (("Retry-After", "5"),)
    assert Fault.commit_then_status().code == 503
    assert Fault.delay(0.25).seconds == 0.25
    assert Fault.oauth().problem == "token_rejected"
    assert Fault.commit_then_drop().processes_request and not Fault.drop().processes_request


def test_rate_enforcer_rolling_window_and_out_of_order_arrivals() -> None:
    gate = RateEnforcer({"orders": 2})
    assert gate.admit("ck", "orders", 10.0)
    assert gate.admit("ck", "orders", 10.5)
    assert not gate.admit("ck", "orders", 10.9)
    assert gate.admit("other-consumer", "orders", 10.9)
    assert gate.admit("ck", "orders", 11.0)  # 10.0 has left the window
    assert gate.admit("ck", "market", 11.0)  # no limit configured
    late = RateEnforcer({"orders": 2})
    assert late.admit("ck", "orders", 5.8)
    assert late.admit("ck", "orders", 6.5)
    assert not late.admit("ck", "orders", 5.6)  # [5.6, 6.6) would hold three


def test_categories_and_path_normalization() -> None:
    assert category_for("/v1/accounts/abc/orders/preview") == "orders"
    assert category_for("/v1/accounts/abc/orders") == "orders"
    assert category_for("/v1/accounts/abc/balance") == "accounts"
    assert category_for("/v1/accounts/list") == "accounts"
    assert category_for("/v1/market/quote/AAPL") == "market"
    assert category_for("/v1/user/alerts/1") == "alerts"
    assert category_for("/oauth/request_token") == "oauth"
    assert category_for("/e/t/etws/authorize") == "oauth"
    assert normalize_path("/v1/accounts/k/transactions.json/123?storeId=0") == (
        "/v1/accounts/k/transactions/123",
        "storeId=0",
        True,
    )
    assert normalize_path("/v1/market/quote/AAPL%2CBRK.B") == (
        "/v1/market/quote/AAPL,BRK.B",
        "",
        False,
    )


def test_canonical_compares_numbers_and_booleans_loosely() -> None:
    assert canonical({"a": "10.50", "b": "false", "c": ""}) == canonical({"a": 10.5, "b": False})
    assert canonical(["1", 1, Decimal("1.000")]) == [Decimal(1)] * 3
    assert canonical({"a": "10.5"}) != canonical({"a": "10.51"})
    assert canonical({"s": "AAPL"}) != canonical({"s": "aapl"})


def test_testing_helpers() -> None:
    assert oauth_problem("<p>oauth_problem=nonce_used</p>") == "nonce_used"
    assert oauth_problem("nothing") is None
    assert error_of('{"Error":{"code":101,"message":"m"}}') == (101, "m")
    assert error_of("<?xml version='1.0'?><Error><code>7</code><message>x</message></Error>") == (
        7,
        "x",
    )
    assert error_of('{"QuoteResponse":{}}') is None

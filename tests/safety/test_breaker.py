"""The circuit breaker fails fast after a run of server failures, then recovers."""

from __future__ import annotations

import pytest

from etrade_sync.errors import CircuitOpenError
from etrade_sync.transport.breaker import CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_and_half_opens_after_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(3, 30.0, clock=clock)
    for _ in range(2):
        breaker.before_call("x")
        breaker.record_failure("x")
    assert breaker.state == "closed"
    breaker.record_failure("x")
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError) as info:
        breaker.before_call("accounts.list")
    assert 29.0 <= info.value.retry_in <= 30.0
    assert "accounts.list" in str(info.value)
    clock.now += 30.0
    breaker.before_call("x")  # the one trial call
    with pytest.raises(CircuitOpenError):
        breaker.before_call("x")  # others wait for the trial
    breaker.record_success("x")
    assert breaker.state == "closed"
    breaker.before_call("x")
    assert breaker.stats()["times_opened"] == 1
    assert breaker.stats()["calls_refused"] == 2


def test_failed_trial_reopens_and_success_resets_the_count() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(2, 10.0, clock=clock)
    breaker.record_failure("x")
    breaker.record_success("x")
    breaker.record_failure("x")
    assert breaker.state == "closed"
    breaker.record_failure("x")
    assert breaker.state == "open"
    clock.now += 10.0
    breaker.before_call("x")
    breaker.record_failure("x")
    assert breaker.state == "open"
    assert breaker.stats()["times_opened"] == 2


def test_zero_threshold_disables() -> None:
    breaker = CircuitBreaker(0, 10.0)
    for _ in range(100):
        breaker.record_failure("x")
        breaker.before_call("x")
    assert breaker.state == "closed"

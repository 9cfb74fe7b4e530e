"""Soak: thousands of reads under injected faults end in data or a typed error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from etrade_sync.client import Client
from etrade_sync.errors import ETradeError
from etrade_sync.simulator import Fault, Simulator
from etrade_sync.transport import Call

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


@pytest.mark.slow
def test_2000_gets_with_20_percent_faults(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(
        rate_limits=UNLIMITED, throttle_pause=0.01, read_timeout=0.15, circuit_failures=0
    )
    sim.faults.random(
        0.2,
        [
            Fault.status(500),
            Fault.status(502),
            Fault.status(503),
            Fault.status(504),
            Fault.too_many(retry_after=0),
            Fault.throttle(),
            Fault.drop(),
            Fault.delay(0.02),
            Fault.delay(0.3),
        ],
        seed=3,
        path_glob="/v1/*",
    )
    paths = ["/v1/market/quote/AAPL", "/v1/market/quote/MSFT,IBM", "/v1/accounts/list"]
    outcomes: Counter[str] = Counter()
    for i in range(2000):
        path = paths[i % len(paths)]
        category = "market" if "market" in path else "accounts"
        call = Call("GET", path, name=f"soak.{category}", category=category, safe=True)
        try:
            data = client.transport.call_json(call)
        except ETradeError as exc:  # anything else fails the test
            outcomes[type(exc).__name__] += 1
        else:
            assert isinstance(data, dict)
            outcomes["ok"] += 1
    records = sim.log.records(path_glob="/v1/*")
    assert len(records) > 2000  # faults forced retries
    assert sim.log.duplicate_nonces() == 0
    assert len({r.nonce for r in records}) == len(records)
    assert sum(r.fault is not None for r in records) > 300
    assert outcomes["ok"] >= 1990, outcomes  # retries absorb nearly every fault
    stats = client.stats()["calls"]["totals"]
    assert stats["count"] == 2000
    assert stats["retries"] == len(records) - 2000

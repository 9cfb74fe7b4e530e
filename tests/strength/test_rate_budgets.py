"""Rate budgets as E*TRADE counts them, at a simulator that enforces its limits
(over them it answers the throttle page): clients of one consumer key share one
budget, alerts draw from a budget too, and another consumer key has its own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator
from etrade_sync.transport import Call
from tests.support import settings_for


@pytest.fixture
def enforcing() -> Iterator[Simulator]:
    with Simulator(enforce_rate_limits=True) as simulator:
        yield simulator


@pytest.fixture
def shared_client(tmp_path: Path) -> Iterator[Callable[..., Client]]:
    """Clients built without a gate of their own: they take ``RateGate.shared``."""
    made: list[Client] = []

    def factory(sim: Simulator, name: str, **overrides: Any) -> Client:
        # a wide margin: a loaded test machine must not turn scheduling jitter into a
        # throttle; a second budget or an unpaced category still shows at once
        overrides.setdefault("rate_limit_margin", 0.3)
        settings = settings_for(
            sim,
            token_file=tmp_path / f"{name}-tokens.json",
            journal_file=tmp_path / f"{name}-journal.sqlite3",
            **overrides,
        )
        client = Client(settings)
        client.auth.use_token(*sim.issue_access_token())
        made.append(client)
        return client

    yield factory
    gates = {id(c.gate): c.gate for c in made}
    for client in made:
        client.close()
    with RateGate._shared_lock:
        for key, gate in list(RateGate._shared.items()):
            if id(gate) in gates:
                del RateGate._shared[key]
    for gate in gates.values():
        gate.close()


def burst(calls: list[Callable[[], object]]) -> None:
    """Run every call at once, one thread each; re-raise the first failure."""
    failures: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            call()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if failures:
        raise failures[0]


def test_two_clients_of_one_key_stay_within_one_budget(
    enforcing: Simulator, shared_client: Callable[..., Client]
) -> None:
    a = shared_client(enforcing, "a")
    b = shared_client(enforcing, "b")
    burst([lambda c=c: c.market.quotes("IBM", fresh=True) for c in (a, b) for _ in range(5)])
    assert enforcing.log.hits(path_glob="/v1/market/quote/*") == 10
    assert enforcing.log.throttled == 0
    assert enforcing.log.max_in_window("market") <= 4


def test_alerts_are_paced_too(enforcing: Simulator, shared_client: Callable[..., Client]) -> None:
    client = shared_client(enforcing, "a")
    burst([client.alerts.list for _ in range(5)])
    statuses = [(r.status, r.throttled) for r in enforcing.log.records()]
    assert enforcing.log.throttled == 0, statuses
    assert enforcing.log.hits(path_glob="/v1/user/alerts*") == 5, statuses
    assert enforcing.log.max_in_window("alerts") <= 2


def test_alerts_and_accounts_share_the_accounts_budget(
    enforcing: Simulator, shared_client: Callable[..., Client]
) -> None:
    client = shared_client(enforcing, "a")
    accounts = Call("GET", "/v1/accounts/list", name="accounts.list", category="accounts",
                    safe=True)  # fmt: skip

    def list_accounts() -> object:
        return client.transport.call_json(accounts)  # the cache would answer a repeat

    burst([client.alerts.list, client.alerts.list, list_accounts, list_accounts])
    assert enforcing.log.throttled == 0
    accounts_and_alerts = sorted(
        r.time for r in enforcing.log.records() if r.category in ("accounts", "alerts")
    )
    assert len(accounts_and_alerts) == 4
    # 2/s for both together: the third permit is a window after the first
    assert accounts_and_alerts[2] - accounts_and_alerts[0] >= 0.9


def test_another_consumer_key_has_its_own_budget(
    tmp_path: Path, shared_client: Callable[..., Client]
) -> None:
    backend = f"sqlite:///{tmp_path / 'gate.db'}"
    with Simulator() as one, Simulator() as two:
        first = shared_client(one, "one", rate_limit_backend=backend)
        second = shared_client(two, "two", rate_limit_backend=backend)
        for _ in range(4):
            first.market.quotes("IBM", fresh=True)
        # the first key's window is full; the second key must not wait for it
        for _ in range(4):
            second.market.quotes("IBM", fresh=True)
        market = second.gate.stats()["categories"]["market"]
        assert market["permits"] == 4
        assert market["wait_max_s"] < 0.5

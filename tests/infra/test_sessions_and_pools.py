"""A caller-owned session shared by clients, and connection-pool figures in stats()."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from etrade_sync.client import Client
from etrade_sync.errors import ConfigurationError
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Fault, Simulator
from etrade_sync.transport import Call
from tests.support import settings_for

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


def _client(sim: Simulator, tmp_path: Path, name: str, **kwargs: object) -> Client:
    settings = settings_for(
        sim,
        token_file=tmp_path / f"{name}.json",
        journal_file=tmp_path / f"{name}.sqlite3",
        token_store="memory",
        rate_limits=UNLIMITED,
    )
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits), **kwargs)  # type: ignore[arg-type]
    client.auth.use_token(*sim.issue_access_token())
    return client


def test_two_clients_on_one_caller_owned_session_share_one_connection(
    sim: Simulator, tmp_path: Path
) -> None:
    session = requests.Session()
    session.headers["X-Caller"] = "mine"
    before = sim.log.connections_opened
    first = _client(sim, tmp_path, "first", session=session)
    second = _client(sim, tmp_path, "second", session=session)
    assert first.accounts.list()
    assert second.market.quotes(["AAPL"])
    assert first.market.quotes(["MSFT"])
    first.close()  # leaves the caller's session open
    assert second.accounts.list(fresh=True)

    records = sim.log.records()
    assert [r.status for r in records] == [200] * 4
    assert len({r.token for r in records}) == 2  # each client signed with its own token
    assert sim.log.connections_opened - before == 1
    assert len({r.connection_id for r in records}) == 1
    assert all(r.headers.get("X-Caller") == "mine" for r in records)
    assert session.auth is None  # signing is per request
    assert second.stats()["pool"][_host(sim)]["created"] == 1
    second.close()
    session.close()


def _host(sim: Simulator) -> str:
    return f"http://127.0.0.1:{sim.port}"


def test_a_session_without_certificate_checks_is_refused(sim: Simulator, tmp_path: Path) -> None:
    session = requests.Session()
    session.verify = False
    with pytest.raises(ConfigurationError, match="verify=False"):
        _client(sim, tmp_path, "insecure", session=session)


def test_pool_figures_change_as_threads_use_the_pool(sim: Simulator, tmp_path: Path) -> None:
    client = _client(sim, tmp_path, "pool")
    assert client.stats()["pool"] == {}
    threads_n = 24  # the pool keeps 20: 4 more are opened, then thrown away
    sim.faults.script("/v1/market/quote/*", *[Fault.delay(0.6)] * threads_n)
    call = Call("GET", "/v1/market/quote/AAPL", "market.quote", "market", safe=True)
    start = threading.Barrier(threads_n)

    def worker() -> None:
        start.wait()
        client.transport.call_json(call)

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    busy = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        busy = client.stats()["pool"].get(_host(sim), {})
        if busy.get("in_use") == threads_n:
            break
        time.sleep(0.01)
    for thread in threads:
        thread.join(30)

    assert busy["in_use"] == threads_n and busy["open"] == threads_n
    after = client.stats()["pool"][_host(sim)]
    assert after["in_use"] == 0
    assert after["created"] == threads_n
    assert after["requests"] == threads_n
    assert after["idle"] == 20 == after["maxsize"]
    assert after["blocked"] == threads_n - 20
    assert after["full"] == threads_n - 20
    client.transport.call_json(call)  # one more: an idle connection is reused
    again = client.stats()["pool"][_host(sim)]
    assert again["created"] == threads_n and again["requests"] == threads_n + 1
    client.close()

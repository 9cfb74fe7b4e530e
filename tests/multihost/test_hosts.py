"""Many hosts, one trader: "hosts" are processes with a HOME and state folders of
their own that share only Redis (token store and rate gate) and PostgreSQL (order
journal), against the simulator enforcing E*TRADE's limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync.simulator import SimClock, Simulator
from tests.auth.conftest import START
from tests.multihost.fleet import Fleet
from tests.servers import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.redis]

MARKET_LIMIT = 4
SWEEP_SECONDS = 10.0


@pytest.fixture
def held_sim() -> Iterator[Simulator]:
    """A simulator enforcing E*TRADE's limits, its token clock held at ``START``."""
    with Simulator(clock=SimClock(START), enforce_rate_limits=True) as simulator:
        yield simulator


def _fleet(
    sim: Simulator, root: Path, redis_url: str, hosts: int, per_host: int, key: str = ""
) -> Fleet:
    shared = {"ETRADE_TOKEN_STORE": redis_url, "ETRADE_RATE_LIMIT_BACKEND": redis_url}
    key = key or Fernet.generate_key().decode()
    return Fleet(sim, root, key, hosts=hosts, per_host=per_host, shared=shared,
                 clock=START.isoformat())  # fmt: skip


def test_four_hosts_one_login_one_renew_one_gate(
    held_sim: Simulator, redis_server: RedisServer, tmp_path: Path
) -> None:
    fleet = _fleet(held_sim, tmp_path, redis_server.url, hosts=4, per_host=2)
    try:
        login = fleet.on(1)[0].ask(do="login")
        assert login["ok"], login
        answers = fleet.all(do="accounts")
        assert all(a["ok"] for a in answers), answers
        assert held_sim.log.hits(path_glob="/oauth/request_token") == 1
        assert held_sim.log.hits(path_glob="/oauth/access_token") == 1

        held_sim.clock.advance(2 * 3600 + 60)  # idle at the simulator; the hosts don't know
        answers = fleet.all(do="accounts")
        assert all(a["ok"] for a in answers), answers
        renews = held_sim.log.hits(path_glob="/oauth/renew_access_token")
        print(f"8 processes on 4 hosts after one login: 8/8 ok; after idle: {renews} renew "
              f"({held_sim.log.throttled} throttle answers retried)")  # fmt: skip
        assert held_sim.renew_count == 1 and renews == 1
        assert held_sim.log.hits(path_glob="/oauth/request_token") == 1

        held_sim.log.clear()
        fleet.all(do="loop", seconds=SWEEP_SECONDS, symbols=["AAPL", "MSFT"])
        _check_sweep(held_sim, fleet)
        assert not [f for f in fleet.state_files() if "token" in f.name], fleet.state_files()
    finally:
        fleet.close()


def _check_sweep(sim: Simulator, fleet: Fleet) -> None:
    arrivals = sorted(r.time for r in sim.log.records(category="market"))
    duration = arrivals[-1] - arrivals[0]
    used = len(arrivals) / (MARKET_LIMIT * duration)
    peak = sim.log.max_in_window("market")
    print(
        f"sweep, 8 processes on 4 hosts: {len(arrivals)} market calls in {duration:.2f} s "
        f"= {used:.1%} of 4/s, max {peak} in a rolling second, {sim.log.throttled} throttled"
    )
    assert sim.log.throttled == 0
    assert peak <= MARKET_LIMIT
    assert duration >= SWEEP_SECONDS - 1.5
    assert used >= 0.9, f"only {used:.0%} of the limit used"


def test_redis_killed_and_restarted_mid_run(
    held_sim: Simulator, persistent_redis: RedisServer, tmp_path: Path
) -> None:
    fleet = _fleet(held_sim, tmp_path, persistent_redis.url, hosts=2, per_host=2)
    try:
        assert fleet.on(1)[0].ask(do="login")["ok"]
        outage = (2.0, 5.0)  # seconds into the run
        started = time.time()
        kill = threading.Timer(outage[0], persistent_redis.stop)
        restart = threading.Timer(outage[1], persistent_redis.start)
        kill.start()
        restart.start()
        answers = fleet.all(do="loop", what="accounts", seconds=9.0, pause=0.1, events=True)
        kill.join()
        restart.join()
        down = (started + outage[0], started + outage[1] + 0.5)
        for a in answers:
            kinds = {kind for _, kind in a["events"]}
            assert kinds <= {"ok", "RateGateError", "TokenStoreUnavailableError"}, kinds
            before = [k for t, k in a["events"] if t < down[0]]
            after = [k for t, k in a["events"] if t > down[1] + 0.5]
            assert before and set(before) == {"ok"}, before
            assert after and set(after) == {"ok"}, after  # work resumed
        errors = sum(sum(a["errors"].values()) for a in answers)
        assert errors > 0  # the outage was seen, as typed errors
        print(f"Redis down {outage[1] - outage[0]:.0f} s: {errors} typed errors "
              f"({answers[0]['errors']} on one process), every process resumed")  # fmt: skip
        # with AOF the login survived the restart: a new host needs no login
        late = _fleet(held_sim, tmp_path / "late", persistent_redis.url, 1, 1, key=fleet.key)
        try:
            assert late.all(do="accounts")[0]["ok"]
        finally:
            late.close()
        assert held_sim.log.hits(path_glob="/oauth/request_token") == 1
    finally:
        fleet.close()

"""Many hosts, one trader: "hosts" are processes with a HOME and state folders of
their own that share only Redis (token store and rate gate) and PostgreSQL (order
journal), against the simulator enforcing E*TRADE's limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync.orders.postgres_journal import PostgresJournal
from etrade_sync.simulator import Fault, SimClock, Simulator
from tests.auth.conftest import START
from tests.multihost.fleet import Fleet
from tests.servers import PostgresServer, RedisServer, later

pytestmark = [pytest.mark.slow, pytest.mark.redis]

PLACE = "/v1/accounts/*/orders/place"
MARKET_LIMIT = 4
SWEEP_SECONDS = 10.0


@pytest.fixture
def held_sim() -> Iterator[Simulator]:
    """A simulator enforcing E*TRADE's limits, its token clock held at ``START``."""
    with Simulator(clock=SimClock(START), enforce_rate_limits=True) as simulator:
        yield simulator


def _fleet(
    sim: Simulator,
    root: Path,
    redis_url: str,
    hosts: int,
    per_host: int,
    *,
    key: str = "",
    journal_url: str = "",
    clock: str | None = START.isoformat(),
) -> Fleet:
    shared = {"ETRADE_TOKEN_STORE": redis_url, "ETRADE_RATE_LIMIT_BACKEND": redis_url}
    if journal_url:
        shared["ETRADE_JOURNAL_URL"] = journal_url
    key = key or Fernet.generate_key().decode()
    return Fleet(sim, root, key, hosts=hosts, per_host=per_host, shared=shared, clock=clock)


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
        outage = (3.5, 6.5)  # seconds into the run
        started = time.time()
        kill = later(outage[0], persistent_redis.stop)
        restart = later(outage[1], persistent_redis.start)
        answers = fleet.all(do="loop", what="accounts", seconds=11.0, pause=0.1, events=True)
        kill.join()
        restart.join()
        down = (started + outage[0], started + outage[1])
        before = [k for a in answers for t, k in a["events"] if t < down[0]]
        assert before and set(before) == {"ok"}, before
        for a in answers:
            kinds = {kind for _, kind in a["events"]}
            assert kinds <= {"ok", "RateGateError", "TokenStoreUnavailableError"}, kinds
            after = [k for t, k in a["events"] if t > down[1] + 1.0]
            assert after and set(after) == {"ok"}, after  # work resumed on every process
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


@pytest.mark.postgres
def test_a_lost_reply_on_host_a_is_resolved_on_b_and_refused_on_c(
    redis_server: RedisServer, postgres_url: str, tmp_path: Path
) -> None:
    with Simulator(enforce_rate_limits=True) as sim:
        fleet = _fleet(sim, tmp_path, redis_server.url, 3, 1, journal_url=postgres_url,
                       clock=None)  # fmt: skip
        a, b, c = (fleet.on(h)[0] for h in (1, 2, 3))
        try:
            assert a.ask(do="login")["ok"]
            preview = a.ask(do="preview", client_order_id="MULTIHOST1")["preview"]
            sim.faults.script(PLACE, Fault.commit_then_drop())
            lost = a.ask(do="place", preview=preview)
            assert lost["error"] == "OrderOutcomeUnknownError", lost
            book = [o for o in sim.orders(sim.accounts[0].account_id_key)
                    if o.client_order_id == "MULTIHOST1"]  # fmt: skip
            assert len(book) == 1
            found = b.ask(do="resolve", client_order_id="MULTIHOST1")
            assert found == {"ok": True, "order_id": book[0].order_id}, found
            places = sim.log.hits(PLACE)
            repeat = c.ask(do="place", preview=preview)  # the job, re-run on host3
            assert repeat["error"] == "OrderIntentExistsError", repeat
            assert sim.log.hits(PLACE) == places == 1
            print(f"place lost on host1, resolve on host2 -> order {found['order_id']}; "
                  f"repeat on host3 refused locally, place requests at the simulator: "
                  f"{sim.log.hits(PLACE)}")  # fmt: skip
        finally:
            fleet.close()


@pytest.mark.postgres
def test_postgres_stopped_and_started_mid_run(
    redis_server: RedisServer, private_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = private_postgres.create_database()
    with Simulator(enforce_rate_limits=True) as sim:
        fleet = _fleet(sim, tmp_path, redis_server.url, 3, 1, journal_url=url, clock=None)
        looping, third = fleet.processes[:2], fleet.processes[2]
        try:
            assert fleet.on(1)[0].ask(do="login")["ok"]
            for i, p in enumerate(looping):
                p.send(do="place_loop", seconds=12.0, prefix=f"PG{i}N")
            time.sleep(3.0)
            private_postgres.stop()
            while_down = third.ask(do="place", client_order_id="PGDOWN")
            time.sleep(3.0)
            private_postgres.start()
            after = third.ask(do="place", client_order_id="PGUP")
            results = [r for p in looping for r in p.receive()["results"]]
        finally:
            fleet.close()
        assert while_down["error"] == "JournalError" and "NOT sent" in while_down["message"]
        assert after["ok"], after
        results.append((0, "PGUP", "ok", after["order_id"]))
        kinds = [r[2] for r in results]
        assert set(kinds) <= {"ok", "JournalError"}, kinds
        assert kinds.count("ok") >= 4
        account = sim.accounts[0].account_id_key
        book = {o.client_order_id: o.order_id for o in sim.orders(account)}
        placed = {cid: oid for _, cid, kind, oid in results if kind == "ok"}
        assert book == placed  # nothing sent without a journal entry, nothing lost
        journal = PostgresJournal(url, api_host=f"http://127.0.0.1:{sim.port}")
        entries = journal.entries(limit=1000)
        journal.close()
        assert {e.client_order_id: e.order_id for e in entries} == placed
        assert all(e.status == "done" for e in entries)
        print(f"PostgreSQL down ~3 s: {kinds.count('JournalError') + 1} places refused with "
              f"JournalError (not sent), {len(placed)} placed and journalled done "
              f"(outcomes written after the restart included), 0 unresolved")  # fmt: skip

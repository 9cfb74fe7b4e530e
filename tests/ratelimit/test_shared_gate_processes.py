"""Four processes, one consumer key: the shared gate holds E*TRADE's market limit.

Each child is a separate interpreter (spawn) with its own Client, pointed at the
parent's simulator, which enforces 4 market requests per rolling second and answers
over-limit requests with E*TRADE's HTTP 400 rate-limit page.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest

from etrade_sync.simulator import Simulator

PROCESSES = 4
RUN_SECONDS = 10.0
MARKET_LIMIT = 4


def _child(
    sim_info: dict[str, str],
    backend: str,
    token: tuple[str, str],
    tmp: str,
    start: Any,
    out: Any,
    seconds: float = RUN_SECONDS,
) -> None:
    from etrade_sync import Settings
    from etrade_sync.client import Client

    settings = Settings(
        consumer_key=sim_info["consumer_key"],
        consumer_secret=sim_info["consumer_secret"],
        base_url=sim_info["url"],
        oauth_base_url=sim_info["url"],
        rate_limit_backend=backend,
        quote_ttl=0,  # every call must reach the server
        token_file=f"{tmp}/tokens-{multiprocessing.current_process().name}.json",
        max_retries=0,  # a throttle answer would surface instead of being retried
    )
    calls = errors = 0
    with Client(settings) as client:
        client.auth.use_token(*token)
        start.wait()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                client.market.quotes(["AAPL"])
                calls += 1
            except Exception as exc:
                errors += 1
                out.put(("error", repr(exc)))
    out.put(("done", calls, errors))


def run_children(
    sim: Simulator, backend: str, tmp_path: Path, seconds: float = RUN_SECONDS
) -> list[tuple[Any, ...]]:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES + 1)
    out = ctx.Queue()
    info = {
        "url": sim.url,
        "consumer_key": sim.consumer_key,
        "consumer_secret": sim.consumer_secret,
    }
    children = [
        ctx.Process(
            target=_child,
            args=(info, backend, sim.issue_access_token(), str(tmp_path), start, out, seconds),
            name=f"gate-child-{i}",
        )
        for i in range(PROCESSES)
    ]
    for child in children:
        child.start()
    sim.log.clear()  # count only the run (children call nothing before the barrier)
    start.wait(timeout=60)
    reports: list[tuple[Any, ...]] = []
    while sum(1 for r in reports if r[0] == "done") < PROCESSES:
        reports.append(out.get(timeout=seconds + 30))
    for child in children:
        child.join(30)
        assert child.exitcode == 0
    return reports


def check_run(
    sim: Simulator, reports: list[tuple[Any, ...]], label: str, seconds: float = RUN_SECONDS
) -> None:
    errors = [r for r in reports if r[0] == "error"]
    assert not errors, errors[:3]
    done = [r for r in reports if r[0] == "done"]
    assert all(r[1] > 0 for r in done), f"a process never got a permit: {done}"

    arrivals = sorted(r.time for r in sim.log.records(category="market"))
    assert sim.log.throttled == 0
    assert sim.log.max_in_window("market") <= MARKET_LIMIT
    duration = arrivals[-1] - arrivals[0]
    assert duration >= seconds - 1.5
    used = len(arrivals) / (MARKET_LIMIT * duration)
    ceiling = MARKET_LIMIT * (int(duration) + 1)  # what a rolling second allows in that span
    print(
        f"{label}: {len(arrivals)} requests in {duration:.2f} s (the limit allows {ceiling}) "
        f"= {used:.1%} of 4/s, "
        f"max {sim.log.max_in_window('market')} in a rolling second, "
        f"{sim.log.throttled} throttled, per process {[r[1] for r in done]}"
    )
    assert len(arrivals) >= 0.9 * MARKET_LIMIT * duration, f"only {used:.0%} of the limit used"


@pytest.mark.slow
def test_four_processes_share_a_sqlite_gate(tmp_path: Path) -> None:
    with Simulator(enforce_rate_limits=True) as sim:
        reports = run_children(sim, f"sqlite:///{tmp_path / 'gate.db'}", tmp_path)
        check_run(sim, reports, "sqlite")


@pytest.mark.slow
@pytest.mark.redis
def test_four_processes_share_a_redis_gate(redis_server: Any, tmp_path: Path) -> None:
    with Simulator(enforce_rate_limits=True) as sim:
        reports = run_children(sim, redis_server.url, tmp_path)
        check_run(sim, reports, "redis")


def _repeat(backend: str, tmp_path: Path, runs: int = 3, seconds: float = 4.0) -> None:
    """Several short runs, each against a fresh simulator counting arrivals: never throttled."""
    for run in range(runs):
        with Simulator(enforce_rate_limits=True) as sim:
            reports = run_children(sim, backend, tmp_path, seconds)
            check_run(sim, reports, f"{backend.split(':')[0]} run {run + 1}", seconds)


@pytest.mark.slow
def test_repeated_runs_on_a_sqlite_gate_are_never_throttled(tmp_path: Path) -> None:
    _repeat(f"sqlite:///{tmp_path / 'gate.db'}", tmp_path)


@pytest.mark.slow
@pytest.mark.redis
def test_repeated_runs_on_a_redis_gate_are_never_throttled(
    redis_server: Any, tmp_path: Path
) -> None:
    _repeat(redis_server.url, tmp_path)

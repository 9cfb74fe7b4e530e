"""client.market.watch(): pace at the simulator, impossible paces, stops, shared budget."""

from __future__ import annotations

import itertools
import os
import signal
import string
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from etrade_sync.client import Client
from etrade_sync.errors import ValidationError
from etrade_sync.simulator import SimClock, Simulator
from tests.clock import SIM_START
from tests.support import settings_for

QUOTE_PATH = "/v1/market/quote/*"


def symbols(count: int) -> list[str]:
    letters = itertools.product(string.ascii_uppercase, repeat=3)
    return ["".join(c) for c in itertools.islice(letters, count)]


def quote_arrivals(sim: Simulator) -> list[float]:
    return sorted(r.time for r in sim.log.records(category="market"))


def test_polls_arrive_no_faster_than_the_pace(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    started = time.monotonic()
    polls = list(client.market.watch(["AAPL", "MSFT"], every=0.4, max_polls=5))
    elapsed = time.monotonic() - started
    assert len(polls) == 5
    assert all(set(p) == {"AAPL", "MSFT"} for p in polls)
    arrivals = quote_arrivals(sim)
    assert len(arrivals) == 5  # one request per poll: every 0.4 s is below the 5 s cache
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= 0.35, gaps  # never faster than asked
    assert elapsed < 4 * 0.4 + 2.0  # and no drift worth a poll


def test_a_pace_at_or_above_the_cache_lifetime_is_served_through_the_cache(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(quote_ttl=0.3)
    client.market.quotes(["AAPL"])  # another caller warmed the cache just now
    polls = list(client.market.watch(["AAPL"], every=0.3, max_polls=2))
    assert len(polls) == 2
    assert len(quote_arrivals(sim)) == 2  # the first poll came from the cache


def test_an_impossible_pace_is_refused_with_the_fastest_that_fits(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    with pytest.raises(ValidationError, match=r"3 request\(s\).*every=0\.78 s") as refused:
        client.market.watch(symbols(120), every=0.5)  # 6 requests a second at 4/s, 14000/h
    assert "120 symbols" in str(refused.value)
    assert sim.log.hits(QUOTE_PATH) == 0  # refused before any request
    client.market.watch(symbols(120), every=0.78).close()  # the pace it named fits
    unlimited = make_client(rate_limits={"market": "unlimited"})
    unlimited.market.watch(symbols(120), every=0.01).close()


@pytest.mark.parametrize("bad", [0, -1, True, "5"])
def test_a_pace_that_is_not_a_positive_number_is_refused(
    make_client: Callable[..., Client], bad: object
) -> None:
    with pytest.raises(ValidationError, match="every must be a positive number"):
        make_client().market.watch(["AAPL"], every=bad)  # type: ignore[arg-type]


def test_close_from_another_thread_ends_a_waiting_watch_at_once(
    make_client: Callable[..., Client],
) -> None:
    client = make_client()
    watch = client.market.watch(["AAPL"], every=30)
    first = next(watch)
    assert "AAPL" in first
    threading.Timer(0.3, watch.close).start()
    started = time.monotonic()
    assert list(watch) == []  # the 30 s wait ends when closed
    assert time.monotonic() - started < 2
    assert watch.closed


def test_a_deadline_ends_the_watch(make_client: Callable[..., Client]) -> None:
    client = make_client()
    started = time.monotonic()
    polls = list(client.market.watch(["AAPL"], every=0.4, until=1.0))
    elapsed = time.monotonic() - started
    assert 2 <= len(polls) <= 3  # polls at 0, 0.4, 0.8 s
    assert 0.9 <= elapsed < 2.0


def test_changed_only_yields_the_symbols_whose_quote_moved(tmp_path: Path) -> None:
    with Simulator(seed=5, clock=SimClock(SIM_START)) as held:
        client = Client(settings_for(held, token_file=tmp_path / "t.json"))
        client.auth.use_token(*held.issue_access_token())
        watch = client.market.watch(["AAPL", "MSFT"], every=0.3, changed_only=True)
        assert set(next(watch)) == {"AAPL", "MSFT"}  # the first poll holds them all
        held.set_price("MSFT", "123.45")
        moved = next(watch)
        assert set(moved) == {"MSFT"}
        assert str(moved["MSFT"].last) == "123.45"
        threading.Timer(0.7, watch.close).start()
        assert list(watch) == []  # nothing moved: no empty results
        client.close()


@pytest.mark.slow
def test_two_watches_share_the_market_budget(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    sim.enforce_rate_limits = True
    client = make_client()
    # each alone fits (2 requests every 0.6 s = 3.3/s); together they ask for 6.7/s
    watches = [
        client.market.watch(symbols(100), every=0.6, until=4.0),
        client.market.watch(symbols(200)[100:], every=0.6, until=4.0),
    ]
    counts = [0, 0]

    def run(i: int) -> None:
        for _ in watches[i]:
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sim.log.throttled == 0
    assert sim.log.max_in_window("market") <= 4
    assert min(counts) >= 3, counts  # both made progress
    # the gate slowed them to the shared limit instead of letting them burst
    assert sim.log.hits(QUOTE_PATH) <= 4 * 4.0 + 4


def test_ctrl_c_ends_the_loop_and_the_code_after_it_runs(tmp_path: Path) -> None:
    script = tmp_path / "watcher.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from etrade_sync.client import Client
            from etrade_sync.simulator import Simulator
            from tests.support import settings_for

            with Simulator() as sim:
                client = Client(settings_for(sim, token_file=sys.argv[1] + "/t.json",
                                             journal_file=sys.argv[1] + "/j.sqlite3"))
                client.auth.use_token(*sim.issue_access_token())
                for quotes in client.market.watch(["AAPL"], every=2):
                    print("poll", flush=True)
                print("stopped cleanly", flush=True)
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "poll"
    time.sleep(0.5)  # Ctrl-C lands while the watch waits 2 s for its next turn
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopped cleanly" in out
    assert "Traceback" not in err

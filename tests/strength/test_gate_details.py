"""The rate gate's smaller promises: a permit's wait is reported with the request,
closing a gate lets go of its database, and a category with three windows works."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from etrade_sync.client import Client
from etrade_sync.errors import RateGateError
from etrade_sync.ratelimit import RateGate


def test_the_wait_for_a_permit_is_logged_with_the_request(
    make_client: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(rate_limits={"market": "1/s"})
    caplog.set_level(logging.DEBUG, logger="etrade_sync")
    client.market.quotes("IBM", fresh=True)
    client.market.quotes("IBM", fresh=True)  # waits about a second for its permit
    waits = [r.gate_wait_ms for r in caplog.records if hasattr(r, "gate_wait_ms")]
    assert len(waits) >= 2
    assert waits[-1] >= 500


def _open_files(path: Path) -> int:
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.exists():
        pytest.skip("needs /proc to count open files")
    count = 0
    for fd in fd_dir.iterdir():
        try:
            if os.path.realpath(fd).startswith(str(path)):
                count += 1
        except OSError:
            continue
    return count


def test_closing_a_sqlite_gate_lets_go_of_its_database(tmp_path: Path) -> None:
    db = tmp_path / "gate.db"
    gate = RateGate({"market": ((3, 1.0),)}, f"sqlite:///{db}", namespace="close")
    gate.acquire("market")
    assert _open_files(db) > 0
    gate.close()
    assert _open_files(db) == 0


def test_a_category_with_three_windows_enforces_the_shortest() -> None:
    # the minute is the sparsest window here; the hour must not be made denser than it
    gate = RateGate({"market": ((2, 1.0), (60, 60.0), (7000, 3600.0))}, margin=0.2)
    (second, minute, hour) = gate.windows()["market"]
    assert hour[0] / hour[1] <= minute[0] / minute[1] <= second[0] / second[1]
    gate.acquire("market", timeout=0)
    gate.acquire("market", timeout=0)
    with pytest.raises(RateGateError):
        gate.acquire("market", timeout=0)


def test_a_gate_built_by_hand_gives_up_when_the_default_client_does() -> None:
    # Client(settings, gate=RateGate(...)) must not wait longer for a permit than the
    # gate the client builds itself (Settings.gate_timeout)
    from etrade_sync import Settings

    by_hand = RateGate({"market": ((4, 1.0),)})
    assert by_hand.timeout == Settings().gate_timeout

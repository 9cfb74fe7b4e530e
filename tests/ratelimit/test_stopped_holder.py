"""A process that holds the SQLite gate lock and is stopped (SIGSTOP, Ctrl-Z, a
debugger) costs the others at most gate_timeout, then RateGateError; killed, it
frees the lock at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etrade_sync.errors import RateGateError
from etrade_sync.ratelimit import RateGate

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP is POSIX")

HOLDER = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(120)
"""
TIMEOUT = 1.0


def rates() -> dict[str, tuple[tuple[int, float], ...] | None]:
    return {"market": ((100, 1.0),), "accounts": None, "orders": None}


class Holder:
    """A real process holding the gate's lock file, then stopped."""

    def __init__(self, lock_file: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(lock_file)], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "held"
        os.kill(self.proc.pid, signal.SIGSTOP)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def backend(tmp_path: Path) -> tuple[str, Path]:
    return f"sqlite:///{tmp_path / 'gate.db'}", tmp_path / "gate.db.lock"


def _gate(url: str) -> RateGate:
    return RateGate(rates(), url, namespace="stopped", timeout=TIMEOUT)


def test_stopped_holder_at_construction_costs_at_most_the_gate_timeout(
    backend: tuple[str, Path],
) -> None:
    url, lock_file = backend
    holder = Holder(lock_file)
    try:
        started = time.monotonic()
        with pytest.raises(RateGateError) as info:
            _gate(url)
        elapsed = time.monotonic() - started
        assert TIMEOUT - 0.1 <= elapsed < TIMEOUT + 1.0
        assert "held by another process" in str(info.value)
    finally:
        holder.kill()
    started = time.monotonic()
    gate = _gate(url)  # the killed holder freed the lock at once
    gate.acquire("market")
    assert time.monotonic() - started < 1.0
    gate.close()


def test_stopped_holder_at_acquire_costs_at_most_the_gate_timeout(
    backend: tuple[str, Path],
) -> None:
    url, lock_file = backend
    gate = _gate(url)
    gate.acquire("market")
    holder = Holder(lock_file)
    try:
        started = time.monotonic()
        with pytest.raises(RateGateError) as info:
            gate.acquire("market")
        elapsed = time.monotonic() - started
        assert TIMEOUT - 0.1 <= elapsed < TIMEOUT + 1.0
        assert "held by another process" in str(info.value)
    finally:
        holder.kill()
    started = time.monotonic()
    gate.acquire("market")
    assert time.monotonic() - started < 1.0
    gate.close()

"""Many processes, one token file: one renew for all, and writes that survive SIGKILL."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from etrade_sync.auth.filestore import EncryptedFileStore
from etrade_sync.simulator import Simulator
from tests.auth import workers
from tests.auth.helpers import auth_client, auth_settings, login

pytestmark = pytest.mark.slow

PROCESSES = 8


def test_eight_idle_processes_renew_exactly_once(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    first = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    login(first)
    first.close()
    held_sim.clock.advance(2 * 3600 + 300)  # every process wakes up to an idle token
    now = held_sim.clock.now_dt()

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    args = (held_sim.url, held_sim.consumer_key, held_sim.consumer_secret, str(token_path),
            key, now.isoformat(), barrier, results)  # fmt: skip
    procs = [ctx.Process(target=workers.call_after_idle, args=args) for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=90) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)

    assert outcomes == [("ok", len(held_sim.accounts))] * PROCESSES, outcomes
    assert held_sim.renew_count == 1
    assert held_sim.log.hits(path_glob="/oauth/renew_access_token") == 1
    api = held_sim.log.records(path_glob="/v1/accounts/list")
    assert [r.status for r in api] == [200] * PROCESSES
    stored = EncryptedFileStore(token_path, key, namespace=_namespace(held_sim)).load()
    assert stored is not None and stored.renewed_at == now and stored.last_used == now


def _namespace(sim: Simulator) -> str:
    import hashlib

    return "sandbox:" + hashlib.sha256(sim.consumer_key.encode()).hexdigest()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_writers_killed_mid_save_leave_a_readable_file(token_path: Path, key: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    token_path.parent.mkdir(mode=0o700)
    writers = []
    for _ in range(3):
        ready = ctx.Event()
        proc = ctx.Process(target=workers.save_forever, args=(str(token_path), key, ready))
        proc.start()
        writers.append((proc, ready))
    for _, ready in writers:
        assert ready.wait(timeout=60)
    rng = random.Random(7)
    for proc, _ in writers:
        time.sleep(rng.uniform(0.01, 0.15))
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=10)
        assert proc.exitcode == -signal.SIGKILL

        store = EncryptedFileStore(token_path, key, namespace="sandbox:kill-test")
        token = store.load()  # whole and decryptable after every kill
        assert token is not None and token.token == "tok+en/" * 4
        assert token.last_used > token.issued_at

    store = EncryptedFileStore(token_path, key, namespace="sandbox:kill-test")
    before = store.load()
    assert before is not None
    with store.locked(timeout=5):  # no lock was left held by the dead writers
        store.save(before.used(before.last_used + timedelta(seconds=1)))
    assert not list(token_path.parent.glob(".tokens.json.*.tmp"))  # leftovers swept

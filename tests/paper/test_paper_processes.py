"""Several processes trade on one paper book at once: every fill is booked once and
the book adds up."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from etrade_sync.paper import PaperStore
from etrade_sync.simulator import Simulator
from tests.paper.conftest import book_requests

pytestmark = pytest.mark.slow

WORKER = """
import sys
from etrade_sync import EquityOrder, Settings
from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate

url, key, secret, token, token_secret, folder, n = sys.argv[1:]
s = Settings(consumer_key=key, consumer_secret=secret, base_url=url, oauth_base_url=url,
             environment="paper", token_store="memory", quote_ttl=0,
             journal_file=folder + "/journal.sqlite3", rate_limits={"market": "unlimited"})
with Client(s, gate=RateGate(s.resolved_rate_limits)) as client:
    client.auth.use_token(token, token_secret)
    for i in range(int(n)):
        order = EquityOrder("IBM", "BUY", 1)
        client.orders.place("PAPER1", client.orders.preview("PAPER1", order))
        client.orders.list("PAPER1")
"""

PROCESSES = 3
ORDERS = 8


def test_processes_share_one_paper_book(sim: Simulator, tmp_path: Path) -> None:
    sim.set_price("IBM", "100.00")
    PaperStore(tmp_path / "paper.sqlite3").reset(Decimal("50000"), accounts=1, now_ms=0)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                sim.url,
                sim.consumer_key,
                sim.consumer_secret,
                *sim.issue_access_token(),
                str(tmp_path),
                str(ORDERS),
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err
    store = PaperStore(tmp_path / "paper.sqlite3")
    fills = store.fills()
    (account,) = store.accounts()
    assert len(fills) == PROCESSES * ORDERS
    assert len({f.order_id for f in fills}) == len(fills)
    assert all(o.status == "EXECUTED" for o in store.orders())
    assert store.positions("PAPER1")["IBM"][0] == PROCESSES * ORDERS
    assert account.cash == Decimal("50000") - sum(f.price for f in fills)
    assert book_requests(sim) == []

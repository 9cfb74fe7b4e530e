"""The order journal records intents before sending and outcomes after."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

from etrade_sync.journal import OrderJournal, Status


def _write_many(path: str, worker: int) -> None:
    journal = OrderJournal(path)
    for i in range(25):
        entry = journal.record_intent("place", "KEY", {"n": i}, client_order_id=f"W{worker}N{i}")
        journal.record_outcome(entry, Status.DONE, order_id=worker * 1000 + i)


def test_intent_then_outcome_round_trip(tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "j" / "journal.sqlite3")
    body = {"PlaceOrderRequest": {"clientOrderId": "ABC", "orderType": "EQ"}}
    entry = journal.record_intent("place", "acctKey", body, client_order_id="ABC")
    found = journal.find("acctKey", "ABC")
    assert found is not None
    assert found.status == Status.PENDING
    assert found.body == body
    journal.record_outcome(entry, Status.UNKNOWN, error="ConnectionError: reset")
    assert [e.id for e in journal.unresolved()] == [entry]
    journal.record_outcome(entry, Status.DONE, order_id=77)
    done = journal.find("acctKey", "ABC")
    assert done is not None
    assert (done.status, done.order_id) == (Status.DONE, 77)
    assert journal.unresolved() == []
    assert journal.claimed_order_ids("acctKey") == {77}
    mode = stat.S_IMODE((tmp_path / "j" / "journal.sqlite3").stat().st_mode)
    assert mode == 0o600


def test_many_processes_write_one_journal(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.sqlite3")
    OrderJournal(path).entries()
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_write_many, args=(path, w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    entries = OrderJournal(path).entries(limit=1000)
    assert len(entries) == 100
    assert all(e.status == Status.DONE for e in entries)
    assert len({e.client_order_id for e in entries}) == 100

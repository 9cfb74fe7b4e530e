"""The order journal: one intent per key, a status history, an atomic guard."""

from __future__ import annotations

import multiprocessing
import stat
import threading
from pathlib import Path

import pytest

from etrade_sync.errors import OrderIntentExistsError
from etrade_sync.orders import OrderJournal, Status

HOST = "http://127.0.0.1:1"
BODY = {"PlaceOrderRequest": {"clientOrderId": "ABC", "orderType": "EQ"}}


def _race(path: str, worker: int, threads: int, results: object) -> None:
    journal = OrderJournal(path, api_host=HOST)
    won: list[int] = []

    def one() -> None:
        try:
            journal.begin("place", "KEY", "place:RACE", BODY, client_order_id="RACE")
            won.append(1)
        except OrderIntentExistsError:
            pass

    pool = [threading.Thread(target=one) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put(len(won))  # type: ignore[attr-defined]


def test_intent_history_and_outcome_round_trip(tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "j" / "journal.sqlite3", api_host=HOST)
    entry = journal.begin("place", "acctKey", "place:ABC", BODY, client_order_id="ABC")
    found = journal.find("acctKey", "ABC")
    assert found is not None
    assert (found.status, found.body, found.attempts) == (Status.PENDING, BODY, 1)
    journal.record(entry.id, Status.UNKNOWN, error="ConnectionError: reset")
    assert [e.id for e in journal.unresolved()] == [entry.id]
    journal.record(entry.id, Status.DONE, order_id=77, evidence="answer")
    done = journal.find("acctKey", "ABC")
    assert done is not None
    assert (done.status, done.order_id) == (Status.DONE, 77)
    assert journal.unresolved() == []
    assert journal.proven_order_ids("acctKey") == {77: entry.id}
    assert [h.status for h in journal.history(entry.id)] == ["pending", "unknown", "done"]
    mode = stat.S_IMODE((tmp_path / "j" / "journal.sqlite3").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("status", [Status.PENDING, Status.UNKNOWN, Status.DONE])
def test_a_pending_unknown_or_done_intent_is_refused(tmp_path: Path, status: str) -> None:
    journal = OrderJournal(tmp_path / "journal.sqlite3", api_host=HOST)
    entry = journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    if status != Status.PENDING:
        journal.record(entry.id, status, order_id=5 if status == Status.DONE else None)
    with pytest.raises(OrderIntentExistsError) as info:
        journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    assert info.value.status == status
    assert info.value.command == "etrade-sync resolve ACCOUNT ABC"
    assert f"status {status!r}" in str(info.value)


@pytest.mark.parametrize("status", [Status.REJECTED, Status.NOT_PLACED])
def test_a_refused_or_not_placed_intent_may_be_sent_again(tmp_path: Path, status: str) -> None:
    journal = OrderJournal(tmp_path / "journal.sqlite3", api_host=HOST)
    entry = journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    journal.record(entry.id, status)
    again = journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    assert (again.id, again.status, again.attempts) == (entry.id, Status.PENDING, 2)
    assert [h.status for h in journal.history(entry.id)] == ["pending", status, "pending"]


def test_hosts_and_environments_never_meet(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    sim = OrderJournal(path, api_host=HOST)
    entry = sim.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    sim.record(entry.id, Status.DONE, order_id=1, evidence="answer")
    other = OrderJournal(path, api_host="https://api.etrade.com:443", environment="production")
    assert other.find("K", "ABC") is None
    assert other.proven_order_ids("K") == {}
    other.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")  # not refused


def test_sixty_four_racers_in_four_processes_one_wins(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.sqlite3")
    OrderJournal(path, api_host=HOST).entries()
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_race, args=(path, w, 16, results)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert sum(results.get(timeout=5) for _ in workers) == 1
    entries = OrderJournal(path, api_host=HOST).entries(limit=100)
    assert [(e.client_order_id, e.status) for e in entries] == [("RACE", Status.PENDING)]

"""The order journal: one intent per key, a status history, an atomic guard; every
test runs against both stores (SQLite and PostgreSQL, see conftest.py)."""

from __future__ import annotations

import multiprocessing
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from etrade_sync.errors import JournalError, OrderIntentExistsError
from etrade_sync.orders import OrderJournal, Status
from tests.safety.journals import HOST, OpenJournal, open_journal_at
from tests.servers import PostgresServer, later

BODY = {"PlaceOrderRequest": {"clientOrderId": "ABC", "orderType": "EQ"}}


def _race(where: str, worker: int, threads: int, results: object) -> None:
    journal = open_journal_at(where)
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


def test_intent_history_and_outcome_round_trip(journal_store: OpenJournal) -> None:
    journal = journal_store()
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
    assert all(h.at.tzinfo is not None for h in journal.history(entry.id))


def test_sqlite_journal_file_is_private(tmp_path: Path) -> None:
    OrderJournal(tmp_path / "j" / "journal.sqlite3", api_host=HOST).entries()
    mode = stat.S_IMODE((tmp_path / "j" / "journal.sqlite3").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("status", [Status.PENDING, Status.UNKNOWN, Status.DONE])
def test_a_pending_unknown_or_done_intent_is_refused(
    journal_store: OpenJournal, status: str
) -> None:
    journal = journal_store()
    entry = journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    if status != Status.PENDING:
        journal.record(entry.id, status, order_id=5 if status == Status.DONE else None)
    with pytest.raises(OrderIntentExistsError) as info:
        journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    assert info.value.status == status
    assert info.value.command == "etrade-sync resolve ACCOUNT ABC"
    assert f"status {status!r}" in str(info.value)


@pytest.mark.parametrize("status", [Status.REJECTED, Status.NOT_PLACED])
def test_a_refused_or_not_placed_intent_may_be_sent_again(
    journal_store: OpenJournal, status: str
) -> None:
    journal = journal_store()
    entry = journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    journal.record(entry.id, status)
    again = journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    assert (again.id, again.status, again.attempts) == (entry.id, Status.PENDING, 2)
    assert [h.status for h in journal.history(entry.id)] == ["pending", status, "pending"]


def test_hosts_and_environments_never_meet(journal_store: OpenJournal) -> None:
    sim = journal_store()
    entry = sim.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    sim.record(entry.id, Status.DONE, order_id=1, evidence="answer")
    other = journal_store(api_host="https://api.etrade.com:443", environment="production")
    assert other.find("K", "ABC") is None
    assert other.proven_order_ids("K") == {}
    other.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")  # not refused


def test_sixty_four_racers_in_four_processes_one_wins(
    journal_store: OpenJournal, journal_location: str
) -> None:
    journal_store().entries()
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_race, args=(journal_location, w, 16, results)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert sum(results.get(timeout=5) for _ in workers) == 1
    entries = journal_store().entries(limit=100)
    assert [(e.client_order_id, e.status) for e in entries] == [("RACE", Status.PENDING)]


def test_reading_back_by_id_key_status_and_time(journal_store: OpenJournal) -> None:
    journal = journal_store()
    a = journal.begin("place", "acct", "place:A", BODY, client_order_id="A")
    b = journal.begin("place", "acct", "place:B", BODY, client_order_id="B")
    c = journal.begin("cancel", "other", "cancel:5", {}, target_order_id=5)
    journal.record(b.id, Status.UNKNOWN, error="read timed out")
    journal.record(c.id, Status.DONE, order_id=5, evidence="answer")
    assert journal.get(a.id) == journal.find("acct", "A")
    assert journal.find("acct", "missing") is None
    assert journal.find_key("other", "cancel:5") is not None
    assert [e.id for e in journal.unresolved()] == [a.id, b.id]
    assert [e.id for e in journal.entries(account_id_key="acct")] == [b.id, a.id]
    assert [e.id for e in journal.entries(status=Status.DONE)] == [c.id]
    assert len(journal.entries(limit=2)) == 2
    since = datetime.now(UTC) - timedelta(minutes=1)
    assert [e.id for e in journal.intents("acct", since=since)] == [a.id, b.id]
    assert journal.intents("acct", since=datetime.now(UTC) + timedelta(minutes=1)) == []
    unknown = journal.get(b.id)
    assert unknown is not None and unknown.sent_at is not None and unknown.error


@pytest.mark.postgres
def test_postgres_down_refuses_new_intents_and_an_outcome_waits_for_it(
    private_postgres: PostgresServer,
) -> None:
    url = private_postgres.create_database().replace("postgres@", "postgres:hunter2@")
    journal = open_journal_at(url)
    journal.record_patience = 20.0
    entry = journal.begin("place", "acct", "place:D", BODY, client_order_id="D")
    private_postgres.stop()
    with pytest.raises(JournalError, match=r"place NOT sent.*cannot be reached") as down:
        journal.begin("place", "acct", "place:E", BODY, client_order_id="E")
    assert "hunter2" not in str(down.value) and "127.0.0.1" in str(down.value)
    with pytest.raises(JournalError):
        journal.find("acct", "D")
    restart = later(1.0, private_postgres.start)
    journal.record(entry.id, Status.DONE, order_id=9, evidence="answer")  # waits for it
    restart.join()
    found = journal.find("acct", "D")
    assert found is not None and (found.status, found.order_id) == (Status.DONE, 9)
    assert journal.find("acct", "E") is None
    journal.close()


_V1_SCHEMA = """
CREATE TABLE intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    environment TEXT NOT NULL, account_id_key TEXT NOT NULL, operation TEXT NOT NULL,
    client_order_id TEXT, target_order_id INTEGER, order_id INTEGER, status TEXT NOT NULL,
    body TEXT NOT NULL, error TEXT, host TEXT NOT NULL, pid INTEGER NOT NULL
);
"""


def test_a_v1_journal_keeps_guarding_after_the_upgrade(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(_V1_SCHEMA)
        rows = [  # the review's poisoned history: unknown, then a refused repeat
            ("place", "ABC", None, None, "unknown"),
            ("place", "ABC", None, None, "rejected"),
            ("place_change", "XYZ", 7, 8, "done"),
        ]
        for op, cid, target, oid, status in rows:
            conn.execute(
                "INSERT INTO intents (created_at, updated_at, environment, account_id_key, "
                "operation, client_order_id, target_order_id, order_id, status, body, host, "
                "pid) VALUES ('2026-01-02T15:00:00+00:00', '2026-01-02T15:00:01+00:00', "
                "'sandbox', 'K', ?, ?, ?, ?, ?, '{}', 'h', 1)",
                (op, cid, target, oid, status),
            )
    journal = OrderJournal(path, api_host="https://apisb.etrade.com:443")
    found = journal.find("K", "ABC")
    assert found is not None and found.status == Status.UNKNOWN
    with pytest.raises(OrderIntentExistsError):
        journal.begin("place", "K", "place:ABC", BODY, client_order_id="ABC")
    change = journal.find("K", "XYZ")
    assert change is not None
    assert (change.operation, change.intent_key, change.order_id) == ("change", "change:7:XYZ", 8)
    assert OrderJournal(path, api_host="https://apisb.etrade.com:443").find("K", "ABC") == found

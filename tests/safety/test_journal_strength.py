"""What the journal keeps must read back the same way later: bodies holding decimals
and dates are journaled (an order is never sent unjournaled), and the status and
evidence strings on disk are a file format, readable by every later version."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from etrade_sync.errors import OrderIntentExistsError
from etrade_sync.orders import OrderJournal, Status
from tests.safety.journals import HOST, OpenJournal

ACCOUNT = "acctKey"


def test_a_body_with_decimals_and_dates_is_journaled(journal_store: OpenJournal) -> None:
    journal = journal_store()
    body = {
        "PlaceOrderRequest": {
            "clientOrderId": "DEC1",
            "Order": [{"limitPrice": Decimal("187.25"), "expiry": dt.date(2026, 1, 16),
                       "at": dt.datetime(2026, 1, 2, 15, 0, tzinfo=dt.UTC)}],
        }
    }  # fmt: skip
    entry = journal.begin("place", ACCOUNT, "place:DEC1", body, client_order_id="DEC1")
    found = journal.find(ACCOUNT, "DEC1")
    assert found is not None and found.id == entry.id
    (order,) = found.body["PlaceOrderRequest"]["Order"]
    assert order["limitPrice"] == "187.25"  # the exact decimal, as text
    assert order["expiry"] == "2026-01-16"
    assert order["at"].startswith("2026-01-02")
    with pytest.raises(OrderIntentExistsError):  # and it guards like any other
        journal.begin("place", ACCOUNT, "place:DEC1", body, client_order_id="DEC1")


def _write_rows(path: Path, rows: list[tuple[str, str | None, int | None]]) -> None:
    """Intents as an earlier version of this journal wrote them, in raw SQL."""
    OrderJournal(path, api_host=HOST).entries()  # the tables
    with sqlite3.connect(path) as conn:
        for n, (status, evidence, order_id) in enumerate(rows):
            conn.execute(
                "INSERT INTO order_intents (api_host, environment, account_id_key, intent_key,"
                " operation, client_order_id, target_order_id, order_id, status, evidence, "
                "body, error, attempts, created_at, updated_at, sent_at, host, pid) VALUES "
                "(?, 'sandbox', ?, ?, 'place', ?, NULL, ?, ?, ?, '{}', NULL, 1, "
                "'2026-01-02T15:00:00+00:00', '2026-01-02T15:00:01+00:00', "
                "'2026-01-02T15:00:00+00:00', 'h', 1)",
                (HOST, ACCOUNT, f"place:C{n}", f"C{n}", order_id, status, evidence),
            )


def test_stored_status_strings_keep_their_meaning(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    rows: list[tuple[str, str | None, int | None]] = [
        ("pending", None, None),
        ("unknown", None, None),
        ("done", "answer", 501),
        ("rejected", None, None),
        ("not_placed", "order_list", None),
        ("done", "order_list", 502),
    ]
    _write_rows(path, rows)
    journal = OrderJournal(path, api_host=HOST)
    # pending, unknown and done still block a repeat; rejected and not placed do not
    for n in (0, 1, 2, 5):
        with pytest.raises(OrderIntentExistsError):
            journal.begin("place", ACCOUNT, f"place:C{n}", {}, client_order_id=f"C{n}")
    for n in (3, 4):
        journal.begin("place", ACCOUNT, f"place:C{n}", {}, client_order_id=f"C{n}")
    assert sorted(e.client_order_id or "" for e in journal.unresolved()) == [
        "C0", "C1", "C3", "C4"
    ]  # fmt: skip
    # only E*TRADE's own answer proves an order id; a match in the list does not
    assert set(journal.proven_order_ids(ACCOUNT)) == {501}
    assert [e.client_order_id for e in journal.entries(status=Status.DONE)] == ["C5", "C2"]


def test_the_strings_written_today_are_the_ones_read_back(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = OrderJournal(path, api_host=HOST)
    for n, (status, evidence) in enumerate(
        [(Status.UNKNOWN, None), (Status.DONE, "answer"), (Status.NOT_PLACED, "order_list"),
         (Status.REJECTED, None)]
    ):  # fmt: skip
        entry = journal.begin("place", ACCOUNT, f"place:W{n}", {}, client_order_id=f"W{n}")
        journal.record(entry.id, status, order_id=600 + n if status == Status.DONE else None,
                       evidence=evidence)  # fmt: skip
    with sqlite3.connect(path) as conn:
        on_disk = conn.execute(
            "SELECT client_order_id, status, evidence FROM order_intents ORDER BY id"
        ).fetchall()
    assert on_disk == [
        ("W0", "unknown", None),
        ("W1", "done", "answer"),
        ("W2", "not_placed", "order_list"),
        ("W3", "rejected", None),
    ]


def test_entries_filter_by_account_and_status_newest_first(journal_store: OpenJournal) -> None:
    journal = journal_store()
    a = journal.begin("place", "one", "place:A", {}, client_order_id="A")
    b = journal.begin("place", "two", "place:B", {}, client_order_id="B")
    c = journal.begin("place", "one", "place:C", {}, client_order_id="C")
    journal.record(a.id, Status.DONE, order_id=1, evidence="answer")
    journal.record(b.id, Status.DONE, order_id=2, evidence="answer")
    assert [e.id for e in journal.entries(account_id_key="one")] == [a.id, c.id]
    assert [e.id for e in journal.entries(status=Status.PENDING)] == [c.id]
    assert [e.id for e in journal.entries(account_id_key="one", status=Status.DONE)] == [a.id]
    assert [e.id for e in journal.entries(account_id_key="three")] == []
    assert [e.id for e in journal.entries(limit=1)] == [b.id]


def test_entries_lists_the_newest_fifty_unless_asked_for_more(tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "journal.sqlite3", api_host=HOST)
    made = [
        journal.begin("place", ACCOUNT, f"place:N{n}", {}, client_order_id=f"N{n}").id
        for n in range(51)
    ]
    assert [e.id for e in journal.entries()] == made[::-1][:50]
    assert len(journal.entries(limit=60)) == 51


def test_claimed_order_ids_are_the_ids_etrade_answered(tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "journal.sqlite3", api_host=HOST)
    answered = journal.begin("place", ACCOUNT, "place:A1", {}, client_order_id="A1")
    listed = journal.begin("place", ACCOUNT, "place:L1", {}, client_order_id="L1")
    journal.record(answered.id, Status.DONE, order_id=901, evidence="answer")
    journal.record(listed.id, Status.DONE, order_id=902, evidence="order_list")
    assert journal.claimed_order_ids(ACCOUNT) == {901}

"""
etrade_sync.journal
~~~~~~~~~~~~~~~~~~~

This module provides :class:`OrderJournal`: every order intent (place, change,
cancel) is written to a SQLite file *before* it is sent, and its outcome after,
so a crashed cron job can see what it did and an unknown outcome can be resolved
later. The file is in WAL mode, shared safely by many processes, mode 0600, and
holds no secrets: only account keys, client order ids, the order body and the
outcome.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["JournalEntry", "OrderJournal", "Status"]


class Status:
    """Journal states of an order intent."""

    PENDING = "pending"  #: written, not yet answered
    DONE = "done"  #: E*TRADE confirmed it (placed, changed or cancelled)
    REJECTED = "rejected"  #: E*TRADE refused it: nothing happened
    UNKNOWN = "unknown"  #: sent, no definite answer: resolve before resending
    NOT_PLACED = "not_placed"  #: resolved: E*TRADE has no such order

    OPEN = frozenset({PENDING, UNKNOWN})


_SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    environment TEXT NOT NULL,
    account_id_key TEXT NOT NULL,
    operation TEXT NOT NULL,
    client_order_id TEXT,
    target_order_id INTEGER,
    order_id INTEGER,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    error TEXT,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS intents_by_client_id ON intents (account_id_key, client_order_id);
CREATE INDEX IF NOT EXISTS intents_by_status ON intents (status);
"""


@dataclass(frozen=True)
class JournalEntry:
    """One row of the journal."""

    id: int
    created_at: datetime
    updated_at: datetime
    environment: str
    account_id_key: str
    operation: str
    client_order_id: str | None
    target_order_id: int | None
    order_id: int | None
    status: str
    body: Mapping[str, Any]
    error: str | None
    host: str
    pid: int

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["created_at"] = self.created_at.isoformat()
        out["updated_at"] = self.updated_at.isoformat()
        out["body"] = dict(self.body)
        return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class OrderJournal:
    """The SQLite order journal at ``path`` (created on first use)."""

    def __init__(self, path: str | os.PathLike[str], *, environment: str = "sandbox") -> None:
        self.path = Path(path)
        self.environment = environment
        self._init_lock = threading.Lock()
        self._ready = False

    def _ensure(self) -> None:
        with self._init_lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                conn.commit()
            self._ready = True

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self._ensure()
        conn = sqlite3.connect(self.path, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            with conn:
                yield conn
        finally:
            conn.close()

    # -- writing -------------------------------------------------------------------

    def record_intent(
        self,
        operation: str,
        account_id_key: str,
        body: Mapping[str, Any],
        *,
        client_order_id: str | None = None,
        target_order_id: int | None = None,
    ) -> int:
        """Write an intent before it is sent; return its id."""
        now = _now()
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO intents (created_at, updated_at, environment, account_id_key, "
                "operation, client_order_id, target_order_id, status, body, host, pid) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now,
                    now,
                    self.environment,
                    account_id_key,
                    operation,
                    client_order_id,
                    target_order_id,
                    Status.PENDING,
                    json.dumps(body, default=str, sort_keys=True),
                    socket.gethostname(),
                    os.getpid(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def record_outcome(
        self,
        entry_id: int,
        status: str,
        *,
        order_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """Write what became of an intent."""
        with self._connect() as conn:
            conn.execute(
                "UPDATE intents SET status = ?, order_id = COALESCE(?, order_id), error = ?, "
                "updated_at = ? WHERE id = ?",
                (status, order_id, error[:500] if error else None, _now(), entry_id),
            )

    # -- reading -------------------------------------------------------------------

    def find(self, account_id_key: str, client_order_id: str) -> JournalEntry | None:
        """The latest place/change intent with this client order id in this account."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT * FROM intents WHERE account_id_key = ? AND client_order_id = ? "
                "AND operation != 'cancel' ORDER BY id DESC LIMIT 1",
                (account_id_key, client_order_id),
            ).fetchone()
        return _entry(row) if row is not None else None

    def claimed_order_ids(self, account_id_key: str) -> set[int]:
        """Order ids already matched to an intent in this account."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT order_id FROM intents WHERE account_id_key = ? AND order_id IS NOT NULL "
                "AND operation != 'cancel'",
                (account_id_key,),
            ).fetchall()
        return {int(row[0]) for row in rows}

    def entries(
        self,
        *,
        account_id_key: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[JournalEntry]:
        """The newest entries first, optionally filtered."""
        clauses: list[str] = []
        args: list[Any] = []
        if account_id_key is not None:
            clauses.append("account_id_key = ?")
            args.append(account_id_key)
        if status is not None:
            clauses.append("status = ?")
            args.append(status)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT * FROM intents {where} ORDER BY id DESC LIMIT ?",  # noqa: S608
                (*args, int(limit)),
            ).fetchall()
        return [_entry(row) for row in rows]

    def unresolved(self) -> list[JournalEntry]:
        """Intents still pending or of unknown outcome, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM intents WHERE status IN (?, ?) ORDER BY id",
                tuple(sorted(Status.OPEN)),
            ).fetchall()
        return [_entry(row) for row in rows]


def _entry(row: sqlite3.Row) -> JournalEntry:
    return JournalEntry(
        id=row["id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        environment=row["environment"],
        account_id_key=row["account_id_key"],
        operation=row["operation"],
        client_order_id=row["client_order_id"],
        target_order_id=row["target_order_id"],
        order_id=row["order_id"],
        status=row["status"],
        body=json.loads(row["body"]),
        error=row["error"],
        host=row["host"],
        pid=row["pid"],
    )

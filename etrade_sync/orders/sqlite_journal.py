"""
etrade_sync.orders.sqlite_journal
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`SQLiteJournal`, the order journal in one SQLite file
(WAL mode, mode 0600, no secrets), implementing
:class:`~etrade_sync.orders.journal.JournalStore`. ``begin`` runs its check and
insert inside one ``BEGIN IMMEDIATE`` transaction under the unique constraint, so
it is atomic across threads and processes. The statements use portable SQL only.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .journal import Evidence, JournalEntry, JournalEvent, Scope, Status, intent_exists
from .migrate import upgrade_v1

__all__ = ["OrderJournal", "SQLiteJournal"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS order_intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    api_host TEXT NOT NULL,
    environment TEXT NOT NULL,
    account_id_key TEXT NOT NULL,
    intent_key TEXT NOT NULL,
    operation TEXT NOT NULL,
    client_order_id TEXT,
    target_order_id BIGINT,
    order_id BIGINT,
    status TEXT NOT NULL,
    evidence TEXT,
    body TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    UNIQUE (api_host, environment, account_id_key, intent_key)
)""",
    """CREATE TABLE IF NOT EXISTS order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    intent_id INTEGER NOT NULL REFERENCES order_intents (id),
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    order_id BIGINT,
    evidence TEXT,
    detail TEXT
)""",
    "CREATE INDEX IF NOT EXISTS order_intents_by_cid "
    "ON order_intents (api_host, environment, account_id_key, client_order_id)",
    "CREATE INDEX IF NOT EXISTS order_intents_by_status ON order_intents (status)",
    "CREATE INDEX IF NOT EXISTS order_events_by_intent ON order_events (intent_id)",
)

_COLUMNS = (
    "id, api_host, environment, account_id_key, intent_key, operation, client_order_id, "
    "target_order_id, order_id, status, evidence, body, error, attempts, created_at, "
    "updated_at, sent_at, host, pid"
)


class SQLiteJournal:
    """The SQLite order journal at ``path`` (created on first use), for one :class:`Scope`."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        environment: str = "sandbox",
        api_host: str = "",
    ) -> None:
        self.path = Path(path)
        self.scope = Scope(api_host=api_host, environment=environment)
        self._init_lock = threading.Lock()
        self._ready = False

    @property
    def environment(self) -> str:
        return self.scope.environment

    def _ensure(self) -> None:
        with self._init_lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                for statement in _SCHEMA:
                    conn.execute(statement)
                upgrade_v1(conn)
                conn.commit()
            self._ready = True

    @contextlib.contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        self._ensure()
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            # BEGIN IMMEDIATE takes the write lock up front, so a check-then-write
            # is one atomic step across threads and processes.
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    # -- writing -------------------------------------------------------------------

    def begin(
        self,
        operation: str,
        account_id_key: str,
        intent_key: str,
        body: Mapping[str, Any],
        *,
        client_order_id: str | None = None,
        target_order_id: int | None = None,
    ) -> JournalEntry:
        """Start an intent, or raise OrderIntentExistsError when it is already
        pending, unknown or done. Atomic across threads and processes."""
        now = _now()
        scope = self.scope
        text = json.dumps(body, default=str, sort_keys=True)
        with self._connect(write=True) as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM order_intents WHERE api_host = ? AND environment = ? "  # noqa: S608
                "AND account_id_key = ? AND intent_key = ?",
                (scope.api_host, scope.environment, account_id_key, intent_key),
            ).fetchone()
            if row is None:
                cursor = conn.execute(
                    "INSERT INTO order_intents (api_host, environment, account_id_key, "
                    "intent_key, operation, client_order_id, target_order_id, status, body, "
                    "attempts, created_at, updated_at, sent_at, host, pid) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                    (
                        scope.api_host,
                        scope.environment,
                        account_id_key,
                        intent_key,
                        operation,
                        client_order_id,
                        target_order_id,
                        Status.PENDING,
                        text,
                        now,
                        now,
                        now,
                        socket.gethostname(),
                        os.getpid(),
                    ),
                )
                entry_id = int(cursor.lastrowid or 0)
            else:
                existing = _entry(row)
                if existing.status not in Status.REOPENABLE:
                    raise intent_exists(existing)
                entry_id = existing.id
                conn.execute(
                    "UPDATE order_intents SET status = ?, body = ?, order_id = NULL, "
                    "evidence = NULL, error = NULL, attempts = attempts + 1, updated_at = ?, "
                    "sent_at = ?, host = ?, pid = ? WHERE id = ?",
                    (Status.PENDING, text, now, now, socket.gethostname(), os.getpid(), entry_id),
                )
            _event(conn, entry_id, now, Status.PENDING, None, None, f"{operation} sent")
            found = conn.execute(
                f"SELECT {_COLUMNS} FROM order_intents WHERE id = ?",  # noqa: S608
                (entry_id,),
            ).fetchone()
        return _entry(found)

    def record(
        self,
        entry_id: int,
        status: str,
        *,
        order_id: int | None = None,
        evidence: str | None = None,
        error: str | None = None,
    ) -> None:
        """Write what became of an intent (current state and one history event)."""
        now = _now()
        detail = error[:500] if error else None
        with self._connect(write=True) as conn:
            # an unknown outcome moves the "last send" mark: the settle time of
            # resolve counts from the moment the sender gave up on an answer
            conn.execute(
                "UPDATE order_intents SET status = ?, order_id = COALESCE(?, order_id), "
                "evidence = ?, error = ?, updated_at = ?, "
                "sent_at = CASE WHEN ? = 'unknown' THEN ? ELSE sent_at END WHERE id = ?",
                (status, order_id, evidence, detail, now, status, now, entry_id),
            )
            _event(conn, entry_id, now, status, order_id, evidence, detail)

    # backwards-compatible name of :meth:`record`
    def record_outcome(
        self, entry_id: int, status: str, *, order_id: int | None = None, error: str | None = None
    ) -> None:
        self.record(entry_id, status, order_id=order_id, error=error)

    # -- reading -------------------------------------------------------------------

    def _select(self, where: str, args: tuple[Any, ...], tail: str = "") -> list[JournalEntry]:
        scope = self.scope
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM order_intents WHERE api_host = ? AND environment = ? "  # noqa: S608
                f"{'AND ' + where if where else ''} {tail}",
                (scope.api_host, scope.environment, *args),
            ).fetchall()
        return [_entry(row) for row in rows]

    def get(self, entry_id: int) -> JournalEntry | None:
        found = self._select("id = ?", (entry_id,))
        return found[0] if found else None

    def find(self, account_id_key: str, client_order_id: str) -> JournalEntry | None:
        """The latest place or change intent with this clientOrderId in this account."""
        found = self._select(
            "account_id_key = ? AND client_order_id = ? AND operation <> 'cancel'",
            (account_id_key, client_order_id),
            "ORDER BY created_at DESC, id DESC",
        )
        return found[0] if found else None

    def find_key(self, account_id_key: str, intent_key: str) -> JournalEntry | None:
        found = self._select("account_id_key = ? AND intent_key = ?", (account_id_key, intent_key))
        return found[0] if found else None

    def history(self, entry_id: int) -> list[JournalEvent]:
        """The intent's status history, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT at, status, order_id, evidence, detail FROM order_events "
                "WHERE intent_id = ? ORDER BY id",
                (entry_id,),
            ).fetchall()
        return [
            JournalEvent(
                datetime.fromisoformat(r["at"]),
                r["status"],
                r["order_id"],
                r["evidence"],
                r["detail"],
            )
            for r in rows
        ]

    def intents(self, account_id_key: str, *, since: datetime) -> list[JournalEntry]:
        """Every intent of this account updated since ``since``, oldest first."""
        return self._select(
            "account_id_key = ? AND updated_at >= ?",
            (account_id_key, since.astimezone(UTC).isoformat(timespec="microseconds")),
            "ORDER BY created_at, id",
        )

    def proven_order_ids(self, account_id_key: str) -> dict[int, int]:
        """Order ids that E*TRADE's own answer gave to an intent: order id -> entry id."""
        found = self._select(
            "account_id_key = ? AND order_id IS NOT NULL AND evidence = ? "
            "AND operation <> 'cancel'",
            (account_id_key, Evidence.ANSWER),
        )
        return {int(e.order_id): e.id for e in found if e.order_id is not None}

    def claimed_order_ids(self, account_id_key: str) -> set[int]:
        """Order ids E*TRADE's answers gave to intents in this account."""
        return set(self.proven_order_ids(account_id_key))

    def entries(
        self,
        *,
        account_id_key: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[JournalEntry]:
        """The newest intents first, optionally filtered."""
        clauses: list[str] = []
        args: list[Any] = []
        if account_id_key is not None:
            clauses.append("account_id_key = ?")
            args.append(account_id_key)
        if status is not None:
            clauses.append("status = ?")
            args.append(status)
        return self._select(
            " AND ".join(clauses),
            tuple(args),
            f"ORDER BY updated_at DESC, id DESC LIMIT {int(limit)}",
        )

    def unresolved(self) -> list[JournalEntry]:
        """Intents still pending or of unknown outcome, oldest first."""
        return self._select(
            "status IN (?, ?)", tuple(sorted(Status.OPEN)), "ORDER BY created_at, id"
        )


#: The name this class had before the journal moved into :mod:`etrade_sync.orders`.
OrderJournal = SQLiteJournal


def _event(
    conn: sqlite3.Connection,
    entry_id: int,
    at: str,
    status: str,
    order_id: int | None,
    evidence: str | None,
    detail: str | None,
) -> None:
    conn.execute(
        "INSERT INTO order_events (intent_id, at, status, order_id, evidence, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (entry_id, at, status, order_id, evidence, detail),
    )


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _entry(row: sqlite3.Row) -> JournalEntry:
    return JournalEntry(
        id=row["id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        sent_at=_parse_time(row["sent_at"]),
        api_host=row["api_host"],
        environment=row["environment"],
        account_id_key=row["account_id_key"],
        operation=row["operation"],
        intent_key=row["intent_key"],
        client_order_id=row["client_order_id"],
        target_order_id=row["target_order_id"],
        order_id=row["order_id"],
        status=row["status"],
        evidence=row["evidence"],
        body=json.loads(row["body"]),
        error=row["error"],
        attempts=row["attempts"],
        host=row["host"],
        pid=row["pid"],
    )

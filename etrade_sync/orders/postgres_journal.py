"""
etrade_sync.orders.postgres_journal
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`PostgresJournal`, the order journal in a PostgreSQL
database shared by every host of a trader (``ETRADE_JOURNAL_URL=postgresql://...``),
implementing :class:`~etrade_sync.orders.journal.JournalStore` with the same two
tables as the SQLite journal (``order_intents`` with the unique constraint on
(api_host, environment, account_id_key, intent_key), and ``order_events``, the
status history). Times are ``timestamptz``, the order body ``jsonb``.

:meth:`PostgresJournal.begin` is one transaction: ``INSERT ... ON CONFLICT DO
NOTHING`` under the unique constraint, then, for an existing intent, ``SELECT ...
FOR UPDATE`` and a re-open only from ``rejected`` or ``not_placed``. Of N hosts
starting the same intent exactly one gets to send it.

A database that cannot be reached raises :class:`~etrade_sync.errors.JournalError`
(before a send: the order is not sent). Writing an outcome after a send is retried
for ``record_patience`` seconds, so a database restart loses no outcome. Needs
psycopg 3: ``pip install 'etrade_sync[postgres]'``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from ..errors import ConfigurationError, JournalError
from ..observe.redact import redact_url
from .journal import Evidence, JournalEntry, JournalEvent, Scope, Status, intent_exists
from .postgres_schema import COLUMNS, SCHEMA, SCHEMA_LOCK, add_event, entry_of

__all__ = ["PostgresJournal"]


def _body_text(body: Any) -> str:
    """The body as JSON, decimals and dates as text: what the SQLite store writes."""
    return json.dumps(body, default=str, sort_keys=True)


T = TypeVar("T")


class _Unreachable(JournalError):
    """The database cannot be reached (worth waiting for), as opposed to refusing."""


class PostgresJournal:
    """The order journal in the PostgreSQL database at ``url``, for one :class:`Scope`.

    One connection per journal, used by one thread at a time and opened again
    after a failure. ``record_patience`` is how long an outcome write keeps trying
    while the database is unreachable.
    """

    def __init__(
        self,
        url: str,
        *,
        environment: str = "sandbox",
        api_host: str = "",
        connect_timeout: float = 5.0,
        record_patience: float = 30.0,
    ) -> None:
        self.url = url
        self.scope = Scope(api_host=api_host, environment=environment)
        self.connect_timeout = connect_timeout
        self.record_patience = record_patience
        self._lock = threading.RLock()
        self._conn: Any = None
        self._ready = False

    @property
    def environment(self) -> str:
        return self.scope.environment

    @property
    def path(self) -> str:
        """Where the journal is, for messages (no password)."""
        return redact_url(self.url)

    def describe(self) -> str:
        return f"PostgreSQL {self.path}"

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- connection ----------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A cursor inside one transaction; JournalError when the database is out of reach."""
        psycopg = _psycopg()
        with self._lock:
            try:
                conn = self._connection(psycopg)
                with conn.transaction(), conn.cursor() as cur:
                    yield cur
            except psycopg.OperationalError as exc:
                self._drop()
                raise _Unreachable(
                    f"the order journal {self.describe()} cannot be reached "
                    f"({_first_line(exc)}); start PostgreSQL there or fix ETRADE_JOURNAL_URL"
                ) from None
            except psycopg.Error as exc:
                self._drop()
                raise JournalError(
                    f"the order journal {self.describe()} failed: {type(exc).__name__}: "
                    f"{_first_line(exc)}"
                ) from None

    def _connection(self, psycopg: Any) -> Any:
        """The open connection, checked (a server restart drops it), or a new one."""
        conn = self._conn
        if conn is not None and not conn.closed:
            try:
                conn.execute("SELECT 1")
                return conn
            except psycopg.OperationalError:
                self._drop()
        conn = psycopg.connect(
            self.url,
            autocommit=True,  # transactions are explicit: conn.transaction()
            connect_timeout=max(1, int(self.connect_timeout)),
            application_name="etrade_sync",
            options="-c timezone=UTC",
        )
        self._conn = conn
        if not self._ready:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                for statement in SCHEMA:
                    cur.execute(statement)
            self._ready = True
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken
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
        pending, unknown or done. One transaction under the unique constraint."""
        try:
            return self._begin(operation, account_id_key, intent_key, body,
                               client_order_id, target_order_id)  # fmt: skip
        except JournalError as exc:
            raise JournalError(f"{operation} NOT sent: {exc}") from None

    def _begin(
        self,
        operation: str,
        account_id_key: str,
        intent_key: str,
        body: Mapping[str, Any],
        client_order_id: str | None,
        target_order_id: int | None,
    ) -> JournalEntry:
        jsonb = _psycopg().types.json.Jsonb
        now = datetime.now(UTC)
        scope = self.scope
        me = (socket.gethostname(), os.getpid())
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO order_intents (api_host, environment, account_id_key, "
                "intent_key, operation, client_order_id, target_order_id, status, body, "
                "attempts, created_at, updated_at, sent_at, host, pid) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 1, %s, %s, %s, %s, %s) "
                "ON CONFLICT (api_host, environment, account_id_key, intent_key) DO NOTHING "
                "RETURNING id",
                (scope.api_host, scope.environment, account_id_key, intent_key, operation,
                 client_order_id, target_order_id, Status.PENDING,
                 jsonb(dict(body), dumps=_body_text), now, now, now, *me),
            )  # fmt: skip
            inserted = cur.fetchone()
            if inserted is not None:
                entry_id = int(inserted[0])
            else:
                cur.execute(
                    f"SELECT {COLUMNS} FROM order_intents WHERE api_host = %s "  # noqa: S608
                    "AND environment = %s AND account_id_key = %s AND intent_key = %s "
                    "FOR UPDATE",
                    (scope.api_host, scope.environment, account_id_key, intent_key),
                )
                existing = entry_of(cur.fetchone())
                if existing.status not in Status.REOPENABLE:
                    raise intent_exists(existing)
                entry_id = existing.id
                cur.execute(
                    "UPDATE order_intents SET status = %s, body = %s, order_id = NULL, "
                    "evidence = NULL, error = NULL, attempts = attempts + 1, updated_at = %s, "
                    "sent_at = %s, host = %s, pid = %s WHERE id = %s",
                    (Status.PENDING, jsonb(dict(body), dumps=_body_text), now, now, *me, entry_id),
                )
            add_event(cur, entry_id, now, Status.PENDING, None, None, f"{operation} sent")
            cur.execute(f"SELECT {COLUMNS} FROM order_intents WHERE id = %s", (entry_id,))  # noqa: S608
            return entry_of(cur.fetchone())

    def record(
        self,
        entry_id: int,
        status: str,
        *,
        order_id: int | None = None,
        evidence: str | None = None,
        error: str | None = None,
    ) -> None:
        """Write what became of an intent (current state and one history event);
        retried for ``record_patience`` seconds while the database is unreachable."""
        detail = error[:500] if error else None

        def write() -> None:
            now = datetime.now(UTC)
            sent = ", sent_at = %s" if status == Status.UNKNOWN else ""
            args: tuple[Any, ...] = (status, order_id, evidence, detail, now)
            if sent:
                args += (now,)
            statement = (
                "UPDATE order_intents SET status = %s, order_id = COALESCE(%s, order_id), "  # noqa: S608
                f"evidence = %s, error = %s, updated_at = %s{sent} WHERE id = %s"
            )
            with self._transaction() as cur:
                cur.execute(statement, (*args, entry_id))
                add_event(cur, entry_id, now, status, order_id, evidence, detail)

        try:
            self._patiently(write)
        except JournalError as exc:
            raise JournalError(
                f"the outcome {status!r} of order intent {entry_id} could not be written "
                f"({exc}); the journal still shows the intent as open, so a repeat stays "
                f"refused and client.orders.resolve() can find out what happened"
            ) from None

    def record_outcome(
        self, entry_id: int, status: str, *, order_id: int | None = None, error: str | None = None
    ) -> None:
        """The older name of :meth:`record`."""
        self.record(entry_id, status, order_id=order_id, error=error)

    def _patiently(self, operation: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.record_patience
        pause = 0.1
        while True:
            try:
                return operation()
            except _Unreachable:
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    # -- reading -------------------------------------------------------------------

    def _select(self, where: str, args: tuple[Any, ...], tail: str = "") -> list[JournalEntry]:
        scope = self.scope
        with self._transaction() as cur:
            cur.execute(
                f"SELECT {COLUMNS} FROM order_intents WHERE api_host = %s "  # noqa: S608
                f"AND environment = %s {'AND ' + where if where else ''} {tail}",
                (scope.api_host, scope.environment, *args),
            )
            rows = cur.fetchall()
        return [entry_of(row) for row in rows]

    def get(self, entry_id: int) -> JournalEntry | None:
        found = self._select("id = %s", (entry_id,))
        return found[0] if found else None

    def find(self, account_id_key: str, client_order_id: str) -> JournalEntry | None:
        """The latest place or change intent with this clientOrderId in this account."""
        found = self._select(
            "account_id_key = %s AND client_order_id = %s AND operation <> 'cancel'",
            (account_id_key, client_order_id),
            "ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        return found[0] if found else None

    def find_key(self, account_id_key: str, intent_key: str) -> JournalEntry | None:
        found = self._select(
            "account_id_key = %s AND intent_key = %s", (account_id_key, intent_key)
        )
        return found[0] if found else None

    def history(self, entry_id: int) -> list[JournalEvent]:
        """The intent's status history, oldest first."""
        with self._transaction() as cur:
            cur.execute(
                "SELECT at, status, order_id, evidence, detail FROM order_events "
                "WHERE intent_id = %s ORDER BY id",
                (entry_id,),
            )
            rows = cur.fetchall()
        return [JournalEvent(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def intents(self, account_id_key: str, *, since: datetime) -> list[JournalEntry]:
        """Every intent of this account updated since ``since``, oldest first."""
        return self._select(
            "account_id_key = %s AND updated_at >= %s",
            (account_id_key, since),
            "ORDER BY created_at, id",
        )

    def proven_order_ids(self, account_id_key: str) -> dict[int, int]:
        """Order ids that E*TRADE's own answer gave to an intent: order id -> entry id."""
        found = self._select(
            "account_id_key = %s AND order_id IS NOT NULL AND evidence = %s "
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
            clauses.append("account_id_key = %s")
            args.append(account_id_key)
        if status is not None:
            clauses.append("status = %s")
            args.append(status)
        return self._select(
            " AND ".join(clauses),
            (*args, int(limit)),
            "ORDER BY updated_at DESC, id DESC LIMIT %s",
        )

    def unresolved(self) -> list[JournalEntry]:
        """Intents still pending or of unknown outcome, oldest first."""
        return self._select(
            "status IN (%s, %s)", tuple(sorted(Status.OPEN)), "ORDER BY created_at, id"
        )

    def __repr__(self) -> str:
        return f"PostgresJournal({self.path!r}, {self.scope.environment!r})"


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg.types.json
    except ImportError:
        raise ConfigurationError(
            "journal_url=postgresql://... needs psycopg 3: pip install 'etrade_sync[postgres]'",
            name="journal_url",
        ) from None
    return psycopg


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]

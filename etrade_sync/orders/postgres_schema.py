"""
etrade_sync.orders.postgres_schema
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the tables of the PostgreSQL order journal (the SQLite
journal's two tables with PostgreSQL types: ``bigserial`` ids, ``timestamptz``
times, a ``jsonb`` body) and the row helpers of
:class:`~etrade_sync.orders.postgres_journal.PostgresJournal`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import JournalError
from .journal import JournalEntry

__all__ = ["COLUMNS", "SCHEMA", "SCHEMA_LOCK", "add_event", "entry_of"]

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS order_intents (
    id BIGSERIAL PRIMARY KEY,
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
    body JSONB NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    UNIQUE (api_host, environment, account_id_key, intent_key)
)""",
    """CREATE TABLE IF NOT EXISTS order_events (
    id BIGSERIAL PRIMARY KEY,
    intent_id BIGINT NOT NULL REFERENCES order_intents (id),
    at TIMESTAMPTZ NOT NULL,
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

COLUMNS = (
    "id, api_host, environment, account_id_key, intent_key, operation, client_order_id, "
    "target_order_id, order_id, status, evidence, body, error, attempts, created_at, "
    "updated_at, sent_at, host, pid"
)

#: Serialises the schema set-up of concurrent first users (any 64-bit number).
SCHEMA_LOCK = 0x65747261646531


def add_event(
    cur: Any,
    entry_id: int,
    at: datetime,
    status: str,
    order_id: int | None,
    evidence: str | None,
    detail: str | None,
) -> None:
    cur.execute(
        "INSERT INTO order_events (intent_id, at, status, order_id, evidence, detail) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (entry_id, at, status, order_id, evidence, detail),
    )


_FIELDS = tuple(name.strip() for name in COLUMNS.split(","))


def entry_of(row: Any) -> JournalEntry:
    """A row of ``SELECT {COLUMNS}`` (psycopg gives aware datetimes and the body as a dict)."""
    if row is None:
        raise JournalError("the order journal lost a row it had just found")
    return JournalEntry(**dict(zip(_FIELDS, row, strict=True)))

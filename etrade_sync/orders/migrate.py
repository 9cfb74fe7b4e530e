"""
etrade_sync.orders.migrate
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`upgrade_v1`: a journal file written before the journal
became one intent per (API host, environment, account, key) keeps its rows in a
table ``intents``. They are copied once into ``order_intents`` under the default
API host of their environment (the only key they had), so an intent left pending
or unknown still blocks a repeat after the upgrade; of several rows for one key the
strongest state wins (done, unknown, pending, not placed, rejected). The old table
is kept, renamed ``intents_v1``. SQLite only.
"""

from __future__ import annotations

import sqlite3

__all__ = ["upgrade_v1"]

_DEFAULT_HOSTS = {
    "sandbox": "https://apisb.etrade.com:443",
    "production": "https://api.etrade.com:443",
}

_COPY = """
INSERT OR IGNORE INTO order_intents (api_host, environment, account_id_key, intent_key,
    operation, client_order_id, target_order_id, order_id, status, evidence, body, error,
    attempts, created_at, updated_at, sent_at, host, pid)
SELECT
    CASE environment WHEN 'production' THEN ? ELSE ? END,
    environment, account_id_key,
    CASE operation
        WHEN 'cancel' THEN 'cancel:' || COALESCE(target_order_id, '')
        WHEN 'place_change' THEN 'change:' || COALESCE(target_order_id, '') || ':'
            || COALESCE(client_order_id, '')
        ELSE 'place:' || COALESCE(client_order_id, '')
    END,
    CASE operation WHEN 'place_change' THEN 'change' ELSE operation END,
    client_order_id, target_order_id, order_id, status, NULL, body, error, 1,
    created_at, updated_at, updated_at, host, pid
FROM intents
ORDER BY CASE status WHEN 'done' THEN 0 WHEN 'unknown' THEN 1 WHEN 'pending' THEN 2
    WHEN 'not_placed' THEN 3 ELSE 4 END, id
"""


def upgrade_v1(conn: sqlite3.Connection) -> int:
    """Copy a v1 ``intents`` table into ``order_intents``; return the rows copied.

    Takes the write lock first, so of several processes opening the file at once one
    copies and the others find the old table already renamed. The caller commits.
    """
    if not conn.in_transaction:
        conn.execute("BEGIN IMMEDIATE")
    found = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'intents'"
    ).fetchone()
    if found is None:
        return 0
    before = conn.total_changes
    conn.execute(_COPY, (_DEFAULT_HOSTS["production"], _DEFAULT_HOSTS["sandbox"]))
    copied = conn.total_changes - before
    conn.execute(
        "INSERT INTO order_events (intent_id, at, status, order_id, evidence, detail) "
        "SELECT id, updated_at, status, order_id, NULL, 'copied from the v1 journal' "
        "FROM order_intents WHERE id NOT IN (SELECT intent_id FROM order_events)"
    )
    conn.execute("ALTER TABLE intents RENAME TO intents_v1")
    return copied

"""Opening either order-journal store: SQLite (a file, one host) and PostgreSQL
(a real server, every host). The fixtures are in ``conftest.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from etrade_sync.orders import JournalStore, SQLiteJournal

HOST = "http://127.0.0.1:1"

__all__ = ["HOST", "OpenJournal", "open_journal_at"]

#: ``open(environment=..., api_host=...)`` -> a journal on the test's one database.
OpenJournal = Callable[..., JournalStore]


def open_journal_at(where: str, *, environment: str = "sandbox", api_host: str = HOST) -> Any:
    """The journal at ``where``: a ``postgresql://`` URL or a SQLite file path."""
    if where.startswith("postgresql://"):
        from etrade_sync.orders.postgres_journal import PostgresJournal

        return PostgresJournal(where, environment=environment, api_host=api_host)
    return SQLiteJournal(where, environment=environment, api_host=api_host)

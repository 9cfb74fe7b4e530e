"""
etrade_sync.orders.location
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`open_journal`: which journal a client uses. The
journal's scope is the API host (scheme, host and port) and the environment, so
intents sent to different hosts never meet. A client whose API host is a loopback
address (the built-in simulator) and that names no ``journal_file`` gets a
private temporary journal, removed when the client closes, so simulator runs never
write into the user's default journal nor see each other's order ids.
"""

from __future__ import annotations

import ipaddress
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Settings
from .journal import JournalStore
from .sqlite_journal import SQLiteJournal

__all__ = ["api_host", "is_loopback", "open_journal"]


def api_host(settings: Settings) -> str:
    """``scheme://host:port`` of the API the settings point at."""
    parts = urlsplit(settings.api_base)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def is_loopback(settings: Settings) -> bool:
    """True when the API host is a loopback address (the local simulator)."""
    host = urlsplit(settings.api_base).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_journal(settings: Settings) -> tuple[JournalStore, Callable[[], None]]:
    """The journal for ``settings`` and a function that releases it: PostgreSQL when
    ``journal_url`` is set (every host), else the SQLite file (one host)."""
    scope = {"environment": settings.environment, "api_host": api_host(settings)}
    if settings.journal_url:
        from .postgres_journal import PostgresJournal

        shared = PostgresJournal(
            settings.journal_url,
            environment=settings.environment,
            api_host=api_host(settings),
            connect_timeout=settings.connect_timeout,
        )
        return shared, shared.close
    if settings.journal_file is None and is_loopback(settings):
        folder = Path(tempfile.mkdtemp(prefix="etrade_sync-journal-"))
        journal = SQLiteJournal(folder / "journal.sqlite3", **scope)
        return journal, lambda: shutil.rmtree(folder, ignore_errors=True)
    return SQLiteJournal(settings.journal_path, **scope), lambda: None

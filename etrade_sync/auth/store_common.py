"""
etrade_sync.auth.store_common
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides what every token store shares: :class:`TokenStoreError`, the
default lock timeout, and the thread and file lock sections that turn a lock
timeout into that error. The stores import it; it imports no store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import ETradeError

__all__ = ["LOCK_TIMEOUT", "TokenStoreError", "file_section", "thread_section"]

#: How long a store waits for its lock by default (a renew holds it for one request).
LOCK_TIMEOUT = 60.0


class TokenStoreError(ETradeError):
    """The token store could not be read, written or locked."""


@contextmanager
def thread_section(lock: threading.RLock, timeout: float, *, waiting_for: str) -> Iterator[None]:
    """``lock`` held for the block; TokenStoreError naming ``waiting_for`` on timeout."""
    if not lock.acquire(timeout=timeout):
        raise TokenStoreError(f"timed out after {timeout:.0f} s waiting for {waiting_for}")
    try:
        yield
    finally:
        lock.release()


@contextmanager
def file_section(lock: Any, timeout: float, *, waiting_for: str) -> Iterator[None]:
    """The :class:`filelock.FileLock` ``lock`` held for the block; TokenStoreError on timeout."""
    from filelock import Timeout

    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise TokenStoreError(
            f"timed out after {timeout:.0f} s waiting for {waiting_for}"
        ) from None
    try:
        yield
    finally:
        lock.release()

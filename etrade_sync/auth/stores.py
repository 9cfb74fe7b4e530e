"""
etrade_sync.auth.stores
~~~~~~~~~~~~~~~~~~~~~~~

This module provides the :class:`TokenStore` protocol, where the daily access
token lives between processes, with :class:`MemoryTokenStore` and
:func:`token_store_for`, which picks the store a :class:`~etrade_sync.Settings`
asks for: the encrypted file (default), the OS keyring, or Redis (every host).

A store holds one token: that of one environment and consumer key. Its
:meth:`~TokenStore.locked` section is what makes "read, decide, renew, save"
atomic across threads and processes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..observe.redact import redact_url
from .store_common import LOCK_TIMEOUT, TokenStoreError, thread_section
from .token import AccessToken

if TYPE_CHECKING:
    from ..config import Settings

__all__ = [
    "LOCK_TIMEOUT",
    "MemoryTokenStore",
    "TokenStore",
    "TokenStoreError",
    "login_command",
    "namespace_for",
    "token_store_for",
]


@runtime_checkable
class TokenStore(Protocol):
    """Where one access token is kept.

    ``load`` needs no lock (writes are atomic). ``save`` and ``clear`` take the
    lock themselves; wrap a read-modify-write in ``with store.locked():`` (the lock
    is re-entrant for the thread holding it).
    """

    @property
    def writable(self) -> bool:
        """False when ``save`` would fail for want of configuration (e.g. no key)."""

    def load(self) -> AccessToken | None:
        """The stored token, or ``None``."""

    def save(self, token: AccessToken) -> None:
        """Store ``token`` (replacing the previous one)."""

    def clear(self) -> None:
        """Forget the stored token."""

    def locked(self, timeout: float = LOCK_TIMEOUT) -> AbstractContextManager[None]:
        """An exclusive section across threads and processes sharing this store."""

    def describe(self) -> str:
        """Where the token is kept, for messages (no secrets)."""


def namespace_for(settings: Settings) -> str:
    """``<environment>:<sha256 of the consumer key>``: one store entry per key and host.
    Paper trading reads live quotes with the production login, so it shares its entry."""
    digest = hashlib.sha256((settings.consumer_key or "").encode("utf-8")).hexdigest()
    environment = "production" if settings.environment == "paper" else settings.environment
    return f"{environment}:{digest}"


class MemoryTokenStore:
    """Keeps the token in this process only; share one instance between clients."""

    def __init__(self, token: AccessToken | None = None) -> None:
        self._token = token
        self._lock = threading.RLock()

    @property
    def writable(self) -> bool:
        return True

    def load(self) -> AccessToken | None:
        with self._lock:
            return self._token

    def save(self, token: AccessToken) -> None:
        with self._lock:
            self._token = token

    def clear(self) -> None:
        with self._lock:
            self._token = None

    def locked(self, timeout: float = LOCK_TIMEOUT) -> AbstractContextManager[None]:
        return thread_section(self._lock, timeout, waiting_for="the token lock")

    def describe(self) -> str:
        return "memory (this process only)"

    def __repr__(self) -> str:
        return f"MemoryTokenStore(token={'set' if self._token else None})"


def token_store_for(settings: Settings) -> TokenStore:
    """The store ``settings`` asks for (``token_store``): file, keyring, memory or Redis."""
    kind = settings.token_store
    if kind.startswith(("redis://", "rediss://")):
        from .redis_store import RedisTokenStore

        # a stalled holder's lock expires after one renew request's worth of time
        ttl = settings.connect_timeout + settings.read_timeout + 15.0
        return RedisTokenStore(
            kind, settings.token_key, namespace=namespace_for(settings), lock_ttl=ttl
        )
    if kind == "keyring":
        from .keyring_store import KeyringTokenStore

        return KeyringTokenStore(namespace_for(settings))
    if kind == "memory":
        return MemoryTokenStore()
    from .filestore import EncryptedFileStore

    return EncryptedFileStore(
        settings.token_path, settings.token_key, namespace=namespace_for(settings)
    )


def login_command(settings: Settings, store: TokenStore) -> str:
    """The exact command that logs in again for ``settings`` and ``store``."""
    if isinstance(store, MemoryTokenStore):
        return "client.auth.login()"
    import shlex

    parts = ["etrade-sync", "login"]
    if settings.environment in ("production", "paper"):
        parts += ["--env", "production"]
    if settings.token_store != os.environ.get("ETRADE_TOKEN_STORE", "file"):
        parts += ["--store", shlex.quote(redact_url(settings.token_store))]
    env_file = os.environ.get("ETRADE_TOKEN_FILE")
    if settings.token_file is not None and (
        env_file is None or Path(env_file).expanduser() != settings.token_path
    ):
        parts += ["--token-file", shlex.quote(str(settings.token_path))]
    return " ".join(parts)

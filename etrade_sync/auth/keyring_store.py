"""
etrade_sync.auth.keyring_store
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`KeyringTokenStore`, which keeps the access token in
the operating system's credential store (macOS Keychain, Windows Credential
Locker, Secret Service) through the optional ``keyring`` package
(``pip install 'etrade_sync[keyring]'``). No token key is needed: the keyring
does the encryption. A lock file in the data directory serialises renewals
between processes, as for the file store.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..config import default_data_dir
from ..errors import ConfigurationError
from .store_common import LOCK_TIMEOUT, TokenStoreError, file_section, thread_section
from .token import AccessToken

__all__ = ["SERVICE", "KeyringTokenStore"]

#: The keyring service name; entries are named ``<environment>:<sha256 of key>``.
SERVICE = "etrade_sync"


def _keyring() -> Any:
    try:
        import keyring
    except ImportError:
        raise ConfigurationError(
            "token_store='keyring' needs the keyring package: pip install 'etrade_sync[keyring]'",
            name="token_store",
        ) from None
    return keyring


class KeyringTokenStore:
    """The access token in the OS keyring, one entry per environment and consumer key."""

    def __init__(
        self,
        namespace: str,
        *,
        service: str = SERVICE,
        lock_file: str | Path | None = None,
    ) -> None:
        self.namespace = namespace
        self.service = service
        self._lock_path = Path(lock_file) if lock_file else default_data_dir() / "keyring.lock"
        self._thread_lock = threading.RLock()
        self._file_lock: Any = None

    @property
    def writable(self) -> bool:
        return True

    def _call(self, what: str, *args: str) -> Any:
        keyring = _keyring()
        try:
            return getattr(keyring, what)(self.service, self.namespace, *args)
        except keyring.errors.PasswordDeleteError:
            return None
        except keyring.errors.NoKeyringError:
            raise ConfigurationError(
                "ETRADE_TOKEN_STORE=keyring, but this machine has no OS keyring (no "
                "keyring backend); set one up, or keep the token in the encrypted file "
                "(ETRADE_TOKEN_STORE=file and ETRADE_TOKEN_KEY)",
                name="token_store",
            ) from None
        except keyring.errors.KeyringError as exc:
            raise TokenStoreError(
                f"the OS keyring refused {what.replace('_', ' ')} ({type(exc).__name__}); "
                f"configure a keyring backend or use the encrypted file store "
                f"(ETRADE_TOKEN_STORE=file)"
            ) from None

    def load(self) -> AccessToken | None:
        raw = self._call("get_password")
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            if data.get("namespace") != self.namespace:
                raise ValueError("entry belongs to another namespace")
            return AccessToken.from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TokenStoreError(f"the token in the keyring is damaged: {exc}") from None

    def save(self, token: AccessToken) -> None:
        with self.locked():
            self._call("set_password", json.dumps({"namespace": self.namespace, **token.to_dict()}))

    def clear(self) -> None:
        with self.locked():
            self._call("delete_password")

    def locked(self, timeout: float = LOCK_TIMEOUT) -> AbstractContextManager[None]:
        return self._section(timeout)

    @contextlib.contextmanager
    def _section(self, timeout: float) -> Iterator[None]:
        from filelock import FileLock

        with thread_section(self._thread_lock, timeout, waiting_for="the token lock"):
            if self._file_lock is None:
                self._lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._file_lock = FileLock(str(self._lock_path), mode=0o600)
            with file_section(self._file_lock, timeout, waiting_for=str(self._lock_path)):
                yield

    def describe(self) -> str:
        return f"OS keyring (service {self.service!r})"

    def __repr__(self) -> str:
        return f"KeyringTokenStore(service={self.service!r})"

"""
etrade_sync.auth.filestore
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`EncryptedFileStore`, the default token store: one
JSON file, mode 0600 in a 0700 directory, shared by every process on the machine.

The file holds a header (format, version, the scrypt salt and parameters used
for passphrases) and one Fernet-encrypted entry per ``environment:sha256(consumer
key)``, so sandbox and production logins can live side by side, under the same
key or different ones. Writes go to a temporary file in the same directory which
is fsynced and renamed over the old one, so a reader, or a process killed half
way, only ever sees a whole file. A :class:`filelock.FileLock` next to the file
serialises writers and the read-renew-save sections.

Like ssh with its keys, the store refuses a token file, or a directory holding
it, that another user could write (group- or world-writable, or owned by someone
else): whoever can write there can swap the login. The error gives the ``chmod``
command that fixes it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken

from ..crypto.keys import KEY_VARIABLE, KdfParams, TokenCipher, missing_key_error, parse_keys
from ..errors import ConfigurationError
from .store_common import LOCK_TIMEOUT, TokenStoreError, file_section, thread_section
from .token import AccessToken

__all__ = ["FORMAT", "EncryptedFileStore"]

log = logging.getLogger("etrade_sync")

FORMAT = "etrade_sync.tokens"
VERSION = 1


@dataclass(frozen=True)
class _Document:
    kdf: KdfParams
    entries: dict[str, str]


class EncryptedFileStore:
    """The access token, encrypted in a file shared by all processes.

    ``key`` is the value of ``ETRADE_TOKEN_KEY``: Fernet keys or passphrases,
    comma-separated, newest first. Without a key the store can still tell that
    nothing is saved, but refuses to read or write a token.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        key: str | None,
        *,
        namespace: str,
    ) -> None:
        self.path = Path(path).expanduser()
        self.namespace = namespace
        self._keys = parse_keys(key)
        self._thread_lock = threading.RLock()
        self._file_lock: Any = None
        self._ciphers: dict[KdfParams, TokenCipher] = {}

    # -- TokenStore ------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        return bool(self._keys)

    def load(self) -> AccessToken | None:
        document = self._read()
        if document is None:
            return None
        blob = document.entries.get(self.namespace)
        if blob is None:
            return None
        if not self._keys:
            raise missing_key_error(str(self.path))
        try:
            plaintext = self._cipher(document.kdf).decrypt(blob)
        except InvalidToken:
            raise self._wrong_key() from None
        try:
            data = json.loads(plaintext)
            if data.get("namespace") != self.namespace:
                raise ValueError("entry belongs to another namespace")
            return AccessToken.from_dict(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenStoreError(f"the saved token in {self.path} is damaged: {exc}") from None

    def save(self, token: AccessToken) -> None:
        if not self._keys:
            raise missing_key_error(str(self.path))
        payload = json.dumps({"namespace": self.namespace, **token.to_dict()}).encode("utf-8")
        with self.locked():
            document = self._read() or _Document(KdfParams.fresh(), {})
            cipher = self._cipher(document.kdf)
            entries: dict[str, str] = {}
            for name, blob in document.entries.items():
                if name != self.namespace:
                    entries[name] = cipher.rotate(blob) or blob
            entries[self.namespace] = cipher.encrypt(payload)
            self._write(_Document(document.kdf, entries))

    def clear(self) -> None:
        first = self._read()
        if first is None or self.namespace not in first.entries:
            return
        with self.locked():
            document = self._read()
            if document is None or self.namespace not in document.entries:
                return
            entries = {k: v for k, v in document.entries.items() if k != self.namespace}
            self._write(_Document(document.kdf, entries))

    def locked(self, timeout: float = LOCK_TIMEOUT) -> AbstractContextManager[None]:
        return self._section(timeout)

    def describe(self) -> str:
        return f"encrypted file {self.path}"

    # -- internals -------------------------------------------------------------------

    @contextlib.contextmanager
    def _section(self, timeout: float) -> Iterator[None]:
        with thread_section(self._thread_lock, timeout, waiting_for=str(self.path)):
            from filelock import FileLock

            if self._file_lock is None:
                self._ensure_dir()
                lock_path = self.path.with_name(self.path.name + ".lock")
                self._file_lock = FileLock(str(lock_path), mode=0o600)
            held = f"the lock on {self.path} (another process is holding it)"
            with file_section(self._file_lock, timeout, waiting_for=held):
                yield

    def _cipher(self, kdf: KdfParams) -> TokenCipher:
        cipher = self._ciphers.get(kdf)
        if cipher is None:
            cipher = self._ciphers[kdf] = TokenCipher(self._keys, kdf)
        return cipher

    def _wrong_key(self) -> ConfigurationError:
        environment = self.namespace.partition(":")[0]
        return ConfigurationError(
            f"{KEY_VARIABLE} does not open the saved {environment} access token in "
            f"{self.path}: it was saved under another key. Set {KEY_VARIABLE} to that key "
            f"(to change keys, list the new one first: NEW,OLD), or run `etrade-sync login` "
            f"to replace the saved token.",
            name="token_key",
        )

    def _check_permissions(self) -> None:
        """Refuse a file or directory others can write (POSIX only), as ssh does."""
        if os.name != "posix":
            return
        for target, mode in ((self.path.parent, "700"), (self.path, "600")):
            try:
                info = target.stat()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise TokenStoreError(f"cannot inspect {target}: {exc.strerror or exc}") from None
            owner_ok = info.st_uid in (os.getuid(), 0)
            if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or not owner_ok:
                what = "directory" if target.is_dir() else "file"
                why = (
                    f"is writable by others (mode {stat.S_IMODE(info.st_mode):04o})"
                    if owner_ok
                    else "belongs to another user"
                )
                fix = f"chmod {mode} {target}" if owner_ok else f"chown $(id -u) {target}"
                raise ConfigurationError(
                    f"refusing the token {what} {target}: it {why}, so another user could "
                    f"replace your E*TRADE login. Fix it with: {fix}",
                    name="token_file",
                )

    def _read(self) -> _Document | None:
        self._check_permissions()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("no etrade_sync header")
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')!r} is not supported")
            entries = data.get("entries")
            if not isinstance(entries, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
            ):
                raise ValueError("bad entries")
            return _Document(KdfParams.from_dict(data.get("kdf")), dict(entries))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(
                f"{self.path} is not an etrade_sync token file ({exc}); point "
                f"ETRADE_TOKEN_FILE elsewhere or delete it",
                name="token_file",
            ) from None

    def _ensure_dir(self) -> None:
        parent = self.path.parent
        if not parent.is_dir():
            parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._check_permissions()

    def _write(self, document: _Document) -> None:
        self._ensure_dir()
        body = {
            "format": FORMAT,
            "version": VERSION,
            "kdf": document.kdf.to_dict(),
            "entries": document.entries,
        }
        data = (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("ascii")
        parent = self.path.parent
        self._remove_leftovers()
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(parent)

    def _remove_leftovers(self) -> None:
        """Delete temporary files of writers that died (safe: we hold the lock)."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
                log.info("removed %s left by an interrupted write", stale.name)

    def __repr__(self) -> str:
        return f"EncryptedFileStore({str(self.path)!r}, keys={len(self._keys)})"


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    if os.name != "posix":  # pragma: no cover - Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

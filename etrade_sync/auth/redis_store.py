"""
etrade_sync.auth.redis_store
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`RedisTokenStore`, the token store shared by every
host of a trader (``ETRADE_TOKEN_STORE=redis://host:port/db``, or ``rediss://``
for TLS): one daily login and one renew for all of them.

The token is encrypted exactly as in the file store: Fernet under the keys of
``ETRADE_TOKEN_KEY`` (newest first, :class:`~cryptography.fernet.MultiFernet`),
passphrases stretched with scrypt over a salt kept in Redis beside the entries.
Redis only ever sees ciphertext. Keys (``etrade_sync:token:<environment>:<sha256
of the consumer key>``):

- ``...`` a hash with ``blob`` (the encrypted token) and ``fence``;
- ``...:lock`` the section lock: a random holder id with an expiry (``lock_ttl``);
- ``...:fence`` a counter, incremented with every lock taken.

:meth:`RedisTokenStore.locked` is single-flight across hosts. Taking the lock
returns the next fence number; a save or clear inside the section is one Lua
script that writes only while the lock still names this holder and no higher
fence has written the entry. A host that stalls past the lock's expiry (another
host has since taken the lock and maybe written a newer token) therefore cannot
overwrite anything: its save fails with :class:`TokenStoreFencedError`.

A Redis that cannot be reached raises :class:`TokenStoreUnavailableError` naming
the server and the fix; there is no fall-back to another store. Needs the
``redis`` package: ``pip install 'etrade_sync[redis]'``.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from cryptography.fernet import InvalidToken

from ..crypto.keys import KEY_VARIABLE, KdfParams, TokenCipher, missing_key_error, parse_keys
from ..errors import ConfigurationError
from ..observe.redact import redact_url
from .store_common import LOCK_TIMEOUT, TokenStoreError, thread_section
from .token import AccessToken

__all__ = ["RedisTokenStore", "TokenStoreFencedError", "TokenStoreUnavailableError"]

#: Socket timeouts: a store whose Redis is gone must fail fast.
CONNECT_TIMEOUT = 2.0
SOCKET_TIMEOUT = 5.0

#: Key of the scrypt salt and parameters shared by every entry of a Redis database.
KDF_KEY = "etrade_sync:token:kdf"

T = TypeVar("T")

_ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
"""

# KEYS: entry, lock. ARGV: holder, fence, blob ('' = delete). 1 written, -1 lock lost,
# -2 a newer fence already wrote the entry.
_WRITE = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local stored = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if stored > tonumber(ARGV[2]) then return -2 end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'blob', ARGV[3], 'fence', ARGV[2])
end
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class TokenStoreUnavailableError(TokenStoreError):
    """The Redis server of the token store cannot be reached."""


class TokenStoreFencedError(TokenStoreError):
    """A write was refused: this holder's lock expired and another took over."""


class RedisTokenStore:
    """The access token, encrypted in Redis and shared by every host.

    ``key`` is ``ETRADE_TOKEN_KEY`` (as for the file store). ``lock_ttl`` is how
    long a section's lock lives if its holder stalls or dies: longer than one
    renew request. ``client`` replaces the Redis client made from ``url``.
    """

    def __init__(
        self,
        url: str,
        key: str | None,
        *,
        namespace: str,
        lock_ttl: float = 60.0,
        client: Any = None,
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.lock_ttl = lock_ttl
        self._keys = parse_keys(key)
        self._entry = f"etrade_sync:token:{namespace}"
        self._lock_key = self._entry + ":lock"
        self._fence_key = self._entry + ":fence"
        self._redis = client if client is not None else _connect(url)
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._holder: str | None = None
        self._fence = 0
        self._ciphers: dict[KdfParams, TokenCipher] = {}

    # -- TokenStore ------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        return bool(self._keys)

    @property
    def fence(self) -> int:
        """The fence number of the section this process holds (0 outside one)."""
        return self._fence if self._depth else 0

    def load(self) -> AccessToken | None:
        blob = self._call(lambda r: r.hget(self._entry, "blob"))
        if blob is None:
            return None
        if not self._keys:
            raise missing_key_error(self.describe())
        kdf = self._kdf(create=False)
        if kdf is None:
            raise TokenStoreError(f"{self.describe()}: the key parameters ({KDF_KEY}) are gone")
        try:
            plaintext = self._cipher(kdf).decrypt(_text(blob))
        except InvalidToken:
            raise self._wrong_key() from None
        try:
            data = json.loads(plaintext)
            if data.get("namespace") != self.namespace:
                raise ValueError("entry belongs to another namespace")
            return AccessToken.from_dict(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenStoreError(
                f"the saved token in {self.describe()} is damaged: {exc}"
            ) from None

    def save(self, token: AccessToken) -> None:
        if not self._keys:
            raise missing_key_error(self.describe())
        payload = json.dumps({"namespace": self.namespace, **token.to_dict()}).encode("utf-8")
        with self.locked():
            kdf = self._kdf(create=True)
            assert kdf is not None
            self._write(self._cipher(kdf).encrypt(payload))

    def clear(self) -> None:
        if not self._call(lambda r: r.exists(self._entry)):
            return
        with self.locked():
            self._write("")

    def locked(self, timeout: float = LOCK_TIMEOUT) -> AbstractContextManager[None]:
        return self._section(timeout)

    def describe(self) -> str:
        return f"Redis {redact_url(self.url)}"

    # -- the lock --------------------------------------------------------------------

    @contextlib.contextmanager
    def _section(self, timeout: float) -> Iterator[None]:
        deadline = time.monotonic() + timeout
        with thread_section(self._thread_lock, timeout, waiting_for=self.describe()):
            if self._depth == 0:
                self._acquire(deadline, timeout)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()

    def _acquire(self, deadline: float, timeout: float) -> None:
        holder = uuid.uuid4().hex
        ttl_ms = str(max(1, int(self.lock_ttl * 1000)))
        pause = 0.01
        keys = (self._lock_key, self._fence_key)
        while True:
            fence = int(self._call(lambda r: r.eval(_ACQUIRE, 2, *keys, holder, ttl_ms)))
            if fence:
                self._holder, self._fence = holder, fence
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise TokenStoreError(
                    f"timed out after {timeout:.0f} s waiting for the token lock in "
                    f"{self.describe()} (another process or host is holding it)"
                )
            time.sleep(min(left, pause * random.uniform(0.5, 1.5)))
            pause = min(pause * 2, 0.2)

    def _release(self) -> None:
        holder, self._holder = self._holder, None
        if holder is None:
            return
        with contextlib.suppress(TokenStoreError):  # it expires by itself anyway
            self._call(lambda r: r.eval(_RELEASE, 1, self._lock_key, holder))

    def _write(self, blob: str) -> None:
        """The fenced write (call inside the section); ``''`` deletes the entry."""
        holder, fence = self._holder, self._fence
        keys = (self._entry, self._lock_key)
        result = int(self._call(lambda r: r.eval(_WRITE, 2, *keys, holder, str(fence), blob)))
        if result == 1:
            return
        why = "its lock expired" if result == -1 else "a newer holder already wrote the token"
        raise TokenStoreFencedError(
            f"not written to {self.describe()}: this process held the token lock (fence "
            f"{fence}) for longer than {self.lock_ttl:.0f} s and {why}; the newer token stays"
        )

    # -- internals -------------------------------------------------------------------

    def _call(self, operation: Callable[[Any], T]) -> T:
        import redis

        try:
            return operation(self._redis)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise TokenStoreUnavailableError(
                f"the token store {self.describe()} cannot be reached ({type(exc).__name__}: "
                f"{exc}). Start that Redis server or fix ETRADE_TOKEN_STORE; the login is kept "
                f"only there, so until it is back no process can load, renew or save it"
            ) from None
        except redis.RedisError as exc:
            raise TokenStoreError(
                f"the token store {self.describe()} failed: {type(exc).__name__}: {exc}"
            ) from None

    def _kdf(self, *, create: bool) -> KdfParams | None:
        raw = self._call(lambda r: r.get(KDF_KEY))
        if raw is None and create:
            fresh = json.dumps(KdfParams.fresh().to_dict())
            self._call(lambda r: r.set(KDF_KEY, fresh, nx=True))
            raw = self._call(lambda r: r.get(KDF_KEY))
        if raw is None:
            return None
        try:
            return KdfParams.from_dict(json.loads(_text(raw)))
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenStoreError(f"{self.describe()}: bad {KDF_KEY} ({exc})") from None

    def _cipher(self, kdf: KdfParams) -> TokenCipher:
        cipher = self._ciphers.get(kdf)
        if cipher is None:
            cipher = self._ciphers[kdf] = TokenCipher(self._keys, kdf)
        return cipher

    def _wrong_key(self) -> ConfigurationError:
        environment = self.namespace.partition(":")[0]
        return ConfigurationError(
            f"{KEY_VARIABLE} does not open the saved {environment} access token in "
            f"{self.describe()}: it was saved under another key. Set {KEY_VARIABLE} to that "
            f"key on this host (to change keys, list the new one first: NEW,OLD), or run "
            f"`etrade-sync login` to replace the saved token.",
            name="token_key",
        )

    def __repr__(self) -> str:
        return f"RedisTokenStore({redact_url(self.url)!r}, keys={len(self._keys)})"


def _text(value: Any) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


def _connect(url: str) -> Any:
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:
        raise ConfigurationError(
            f"token_store={redact_url(url)!r} needs the redis package: "
            f"pip install 'etrade_sync[redis]'",
            name="token_store",
        ) from None
    try:
        return redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=SOCKET_TIMEOUT,
            # one immediate reconnect covers a pooled connection that died with a
            # Redis restart; anything longer is an outage, reported at once
            retry=Retry(NoBackoff(), 1),
        )
    except ValueError as exc:
        raise ConfigurationError(
            f"token_store={redact_url(url)!r}: {exc}", name="token_store"
        ) from None

"""
etrade_sync.cache.disk
~~~~~~~~~~~~~~~~~~~~~~

This module provides the opt-in persistent cache tier: a directory that every
process on one host shares (``ETRADE_CACHE_DIR``; the ``diskcache`` extra,
imported only when the tier is on), behind the in-memory caches of
:mod:`.ttl`, so a cron job that starts every minute, or eight of them starting
at once, finds the account list, option expirations and quotes that another
process fetched within their lifetimes.

- Same TTL rules: an entry lives exactly as long as in memory (quote_ttl,
  balance_ttl, ...) counted from when it was fetched, and a value read from disk
  stays in memory only for what is left of its life. ``fresh=True`` skips it
  (and stores the new value). A TTL of 0 turns it off for that resource.
- Same stampede guard across processes: a process that misses takes a lock in
  the cache (an atomic ``add`` with an expiry, so a killed holder frees it), then
  looks again; the others wait for the value instead of sending their own
  request. A holder that takes longer than one attempt's timeouts is given up on
  and the waiter fetches itself.
- Keys are scoped by environment, API host and consumer key, and hashed with a
  key derived from the consumer secret (no symbol or account key in clear);
  values are pickled and encrypted with Fernet under another key derived from the
  consumer secret (nothing readable, and nothing a process without the secret
  could plant: a value that does not authenticate is ignored and dropped).
- Orders: :meth:`PersistentTier.invalidate_account` drops an account's cached
  balances in every process's view as soon as an order there is placed, changed
  or cancelled, and balances read from memory are checked against the tier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..config import Settings
from ..errors import ConfigurationError
from .resources import CacheSet
from .ttl import TTLResponseCache

__all__ = ["PersistentTier", "TieredCache", "attach_persistent_tier"]

log = logging.getLogger("etrade_sync")

#: How often a waiting process looks again for the value another one is fetching.
POLL = 0.01

#: Caches whose keys start with an account_id_key (see ``CacheSet._PER_ACCOUNT``).
PER_ACCOUNT = frozenset({"balances"})


def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


class PersistentTier:
    """The shared on-disk tier of one (environment, API host, consumer key)."""

    def __init__(self, settings: Settings, directory: str | os.PathLike[str]) -> None:
        try:
            import diskcache
        except ImportError:  # pragma: no cover - exercised without the extra
            raise ConfigurationError(
                "ETRADE_CACHE_DIR is set but the persistent cache needs diskcache: "
                "pip install 'etrade_sync[diskcache]'",
                name="cache_dir",
            ) from None
        if not settings.consumer_key or not settings.consumer_secret:
            raise ConfigurationError(
                "the persistent cache needs the consumer key and secret (its keys and "
                "values are protected with keys derived from them)",
                name="cache_dir",
            )
        scope = f"etrade_sync:{settings.environment}:{settings.api_base}:{settings.consumer_key}"
        self.namespace = hashlib.sha256(scope.encode("utf-8")).hexdigest()[:24]
        salt = self.namespace.encode("ascii")
        secret = settings.consumer_secret.encode("utf-8")
        self._mac_key = _hkdf(secret, salt, b"etrade_sync cache keys")
        self._fernet = Fernet(
            base64.urlsafe_b64encode(_hkdf(secret, salt, b"etrade_sync cache values"))
        )
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._disk = diskcache.Cache(str(self.directory), size_limit=256 * 2**20)
        self.lock_timeout = settings.connect_timeout + settings.read_timeout + 5.0
        self._stats_lock = threading.Lock()
        self._counts = {"hits": 0, "misses": 0, "waits": 0, "dropped": 0}

    # -- names -------------------------------------------------------------------------

    def _digest(self, text: str) -> str:
        return hmac.new(self._mac_key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:40]

    def _key(self, name: str, key: Hashable) -> str:
        return f"{self.namespace}:{name}:{self._digest(repr(key))}"

    def _tag(self, name: str, key: Hashable) -> str | None:
        if name in PER_ACCOUNT and isinstance(key, tuple) and key and isinstance(key[0], str):
            return f"{self.namespace}:account:{self._digest(key[0].strip())}"
        return None

    # -- values ------------------------------------------------------------------------

    def _read(self, name: str, key: Hashable) -> tuple[Any, float] | None:
        """``(value, age_seconds)`` from disk, or None."""
        disk_key = self._key(name, key)
        blob = self._disk.get(disk_key)
        if not isinstance(blob, bytes):
            return None
        try:
            stored_at, value = pickle.loads(self._fernet.decrypt(blob))  # noqa: S301 - authenticated
        except (InvalidToken, ValueError, TypeError, pickle.UnpicklingError, EOFError):
            self._disk.delete(disk_key)
            self._count("dropped")
            return None
        return value, max(0.0, time.time() - float(stored_at))

    def _write(self, name: str, key: Hashable, value: Any, ttl: float) -> None:
        blob = self._fernet.encrypt(pickle.dumps((time.time(), value)))
        self._disk.set(self._key(name, key), blob, expire=ttl, tag=self._tag(name, key))

    def contains(self, name: str, key: Hashable) -> bool:
        """True while an entry for ``key`` is on disk and unexpired."""
        return self._key(name, key) in self._disk

    # -- the cross-process lock ----------------------------------------------------------

    def _try_lock(self, name: str, key: Hashable) -> str | None:
        owner = f"{os.getpid()}:{threading.get_ident()}:{time.monotonic_ns()}"
        lock_key = "lock:" + self._key(name, key)
        return owner if self._disk.add(lock_key, owner, expire=self.lock_timeout) else None

    def _unlock(self, name: str, key: Hashable, owner: str) -> None:
        lock_key = "lock:" + self._key(name, key)
        with self._disk.transact():
            if self._disk.get(lock_key) == owner:
                self._disk.delete(lock_key)

    def _locked(self, name: str, key: Hashable) -> bool:
        return ("lock:" + self._key(name, key)) in self._disk

    # -- lookups -----------------------------------------------------------------------

    def get_many(
        self,
        name: str,
        keys: Iterable[Hashable],
        fetch_many: Callable[[list[Any]], Mapping[Any, Any]],
        ttl: float,
        *,
        fresh: bool = False,
        ages: dict[Any, float] | None = None,
    ) -> dict[Any, Any]:
        """Values for ``keys`` from disk, else fetched once across processes and stored.

        ``ages`` (when given) receives the age of every value read from disk.
        """
        wanted = list(dict.fromkeys(keys))
        found: dict[Any, Any] = {}
        if fresh:
            got = fetch_many(wanted)
            for key in wanted:
                if key in got:
                    found[key] = got[key]
                    self._write(name, key, got[key], ttl)
            self._count("misses", len(wanted))
            return found
        pending = wanted
        deadline = time.monotonic() + self.lock_timeout
        waited = False
        while pending:
            mine: dict[Any, str] = {}
            theirs: list[Any] = []
            for key in pending:
                if self._take(name, key, found, ages):
                    continue
                owner = self._try_lock(name, key)
                if owner is None:
                    theirs.append(key)
                elif self._take(name, key, found, ages):  # stored while we locked
                    self._unlock(name, key, owner)
                else:
                    mine[key] = owner
            if mine:
                self._count("misses", len(mine))
                try:
                    got = fetch_many(list(mine))
                    for key in mine:
                        if key in got:
                            found[key] = got[key]
                            self._write(name, key, got[key], ttl)
                finally:
                    for key, owner in mine.items():
                        self._unlock(name, key, owner)
            if not theirs:
                break
            if not waited:
                waited = True
                self._count("waits")
            if time.monotonic() >= deadline:  # a holder that never finishes
                got = fetch_many(theirs)
                found.update({k: got[k] for k in theirs if k in got})
                break
            time.sleep(POLL)
            # keys whose holder finished (or failed): read them, or lock them ourselves
            pending = [k for k in theirs if k not in found]
        return {k: found[k] for k in wanted if k in found}

    def _take(
        self, name: str, key: Any, found: dict[Any, Any], ages: dict[Any, float] | None
    ) -> bool:
        hit = self._read(name, key)
        if hit is None:
            return False
        found[key] = hit[0]
        if ages is not None:
            ages[key] = hit[1]
        self._count("hits")
        return True

    # -- invalidation and reporting --------------------------------------------------------

    def invalidate(self, name: str, key: Hashable) -> None:
        self._disk.delete(self._key(name, key))

    def invalidate_account(self, account_id_key: str) -> None:
        """Drop what every process cached for one account (after an order there)."""
        self._disk.evict(f"{self.namespace}:account:{self._digest(account_id_key.strip())}")

    def clear(self, name: str | None = None) -> None:
        """Drop every entry of this namespace, or of its cache ``name`` (other consumer
        keys' entries stay)."""
        prefix = f"{self.namespace}:{name}:" if name else f"{self.namespace}:"
        for disk_key in list(self._disk.iterkeys()):
            if isinstance(disk_key, str) and disk_key.startswith(prefix):
                self._disk.delete(disk_key)

    def _count(self, what: str, n: int = 1) -> None:
        with self._stats_lock:
            self._counts[what] += n

    def stats(self) -> dict[str, Any]:
        with self._stats_lock:
            counts = dict(self._counts)
        return {"directory": str(self.directory), **counts}

    def close(self) -> None:
        self._disk.close()

    def __repr__(self) -> str:
        return f"PersistentTier({str(self.directory)!r}, namespace={self.namespace!r})"


class TieredCache(TTLResponseCache[Any, Any]):
    """A memory cache whose misses go to a :class:`PersistentTier` before E*TRADE."""

    def __init__(self, name: str, ttl: float, tier: PersistentTier, **kwargs: Any) -> None:
        super().__init__(name, ttl, **kwargs)
        self.tier = tier
        self._deadlines: dict[Any, float] = {}
        self._checked = name in PER_ACCOUNT  # balances: memory hits checked against the tier

    def _expire_early(self, keys: Iterable[Any]) -> None:
        """Drop memory entries whose disk life ended (or that another process dropped)."""
        now = time.monotonic()
        for key in keys:
            deadline = self._deadlines.get(key)
            if deadline is None:
                continue
            if now >= deadline or (self._checked and not self.tier.contains(self.name, key)):
                self._deadlines.pop(key, None)
                super().invalidate(key)

    def _through_tier(
        self, keys: list[Any], fetch_many: Callable[[list[Any]], Mapping[Any, Any]], fresh: bool
    ) -> dict[Any, Any]:
        ages: dict[Any, float] = {}
        got = self.tier.get_many(self.name, keys, fetch_many, self.ttl, fresh=fresh, ages=ages)
        now = time.monotonic()
        if len(self._deadlines) > 2 * self.maxsize:  # forget deadlines already past
            for key, deadline in list(self._deadlines.items()):
                if deadline <= now:
                    self._deadlines.pop(key, None)
        for key in got:
            self._deadlines[key] = now + self.ttl - ages.get(key, 0.0)
        return got

    def get_or_fetch(self, key: Any, fetch: Callable[[], Any], *, fresh: bool = False) -> Any:
        if not self.enabled:
            return super().get_or_fetch(key, fetch, fresh=fresh)
        self._expire_early((key,))
        missing = object()

        def through() -> Any:
            got = self._through_tier([key], lambda keys: {key: fetch()}, fresh)
            return got.get(key, missing)

        value = super().get_or_fetch(key, through, fresh=fresh)
        if value is missing:  # pragma: no cover - fetch() always answers or raises
            raise LookupError(key)
        return value

    def get_many(
        self,
        keys: Iterable[Any],
        fetch_many: Callable[[list[Any]], Mapping[Any, Any]],
        *,
        fresh: bool = False,
    ) -> dict[Any, Any]:
        if not self.enabled:
            return super().get_many(keys, fetch_many, fresh=fresh)
        wanted = list(keys)
        self._expire_early(wanted)
        return super().get_many(
            wanted, lambda missing: self._through_tier(missing, fetch_many, fresh), fresh=fresh
        )

    def invalidate(self, key: Any) -> bool:
        self.tier.invalidate(self.name, key)
        self._deadlines.pop(key, None)
        return super().invalidate(key)

    def clear(self) -> None:
        """Empty this cache in memory and on disk (for every process)."""
        self.tier.clear(self.name)
        self._deadlines.clear()
        super().clear()


def attach_persistent_tier(
    caches: CacheSet, settings: Settings, timer: Callable[[], float] = time.monotonic
) -> PersistentTier | None:
    """Put a :class:`PersistentTier` behind ``caches`` when ``settings.cache_dir`` is set."""
    directory = settings.cache_dir
    if not directory:
        return None
    tier = PersistentTier(settings, directory)
    for old in caches.caches():
        tiered = TieredCache(old.name, old.ttl, tier, maxsize=old.maxsize, timer=timer)
        setattr(caches, old.name, tiered)
    caches.persistent = tier
    return tier

"""
etrade_sync.cache.ttl
~~~~~~~~~~~~~~~~~~~~~

This module provides the response caches that keep a client from spending its
rate budget on data it has just fetched.

:class:`TTLResponseCache` keeps ``key -> (expiry instant, value)`` in a plain
dict. A hit takes no lock: one clock reading and dict lookups, which the
interpreter makes atomic, so threads reading the same entries never queue
behind each other. Everything that changes the cache (storing, expiring,
evicting, invalidating) and every miss goes through one lock and one
:class:`threading.Condition`. Threads asking for a key that is already
being fetched wait for that fetch instead of starting their own, so N threads
asking at once cause one request. They also share its outcome: when that fetch
fails, every thread that waited for it gets the same error (a copy of it), so a
failing endpoint costs one request, not N. Failures are never cached: the next
call after them tries again. :meth:`TTLResponseCache.get_many` does the same
for batches (quotes): cached keys are answered from the cache, keys another
thread is fetching are waited for, and only the rest go out, in one call of the
batch fetcher.

:class:`CacheSet` holds the caches of one client (``client.cache``)::

    quotes       (symbol, detail)              Settings.quote_ttl       (5 s)
    balances     (account_id_key, real_time_nav, account_type)
                                               Settings.balance_ttl     (60 s)
    accounts     "list"                        Settings.accounts_ttl    (300 s)
    expirations  (symbol, expiry_type)         Settings.expirations_ttl (3600 s)

Orders are never cached. A TTL of 0 turns a cache off. After an order is
placed, changed or cancelled, :meth:`CacheSet.invalidate_account` drops what
was cached for that account.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from .stats import CacheStats, log_outcome

__all__ = ["TTLResponseCache", "Timer"]

log = logging.getLogger("etrade_sync")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Timer = Callable[[], float]


class _Flight:
    """One fetch for a key: ``stale`` once the key was invalidated, ``done`` when
    it ended, ``error`` what it raised (shared with the threads that waited)."""

    __slots__ = ("done", "error", "stale")

    def __init__(self) -> None:
        self.stale = False
        self.done = False
        self.error: Exception | None = None


def _shared(error: Exception) -> Exception:
    """A copy of another thread's error to raise here (its own traceback)."""
    try:
        twin = copy.copy(error)
    except Exception:  # an exception type that cannot be copied: raise it as is
        return error
    twin.__traceback__ = None
    return twin


class TTLResponseCache(Generic[K, V]):
    """A thread-safe TTL cache that fetches each missing key once.

    ``ttl`` is in seconds (0 disables the cache: every lookup fetches).
    ``timer`` is the clock the TTL is measured on (injectable for tests).
    """

    def __init__(
        self,
        name: str,
        ttl: float,
        *,
        maxsize: int = 1024,
        timer: Timer = time.monotonic,
    ) -> None:
        if ttl < 0:
            raise ValueError(f"ttl must be >= 0, got {ttl!r}")
        self.name = name
        self.ttl = float(ttl)
        self.maxsize = maxsize
        self._timer = timer
        # key -> (instant it expires on ``timer``, value); read without the lock,
        # written only under it (every write replaces a whole entry).
        self._store: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._flights: dict[K, list[_Flight]] = {}
        self._hits = 0
        self._misses = 0

    @property
    def enabled(self) -> bool:
        """False when the TTL is 0."""
        return self.ttl > 0

    # -- lookups -------------------------------------------------------------------

    def get_or_fetch(self, key: K, fetch: Callable[[], V], *, fresh: bool = False) -> V:
        """The cached value for ``key``, else ``fetch()``'s result, cached.

        Concurrent callers for the same missing key share one ``fetch()``, and
        its failure: an exception from ``fetch()`` propagates to the caller and
        to every caller that waited for it, and nothing is cached. ``fresh=True``
        skips the cache and stores the new value.
        """
        if not self.enabled:
            with self._lock:
                self._misses += 1
            return fetch()
        if not fresh:  # the hit path: no lock
            entry = self._store.get(key)
            if entry is not None and self._timer() < entry[0]:
                self._hits += 1  # stats only; no switch point inside ``+=`` under the GIL
                if log.isEnabledFor(logging.DEBUG):
                    log_outcome(self.name, 1, 0)
                return entry[1]
        with self._cond:
            while not fresh:
                entry = self._store.get(key)
                if entry is not None and self._timer() < entry[0]:
                    self._hits += 1
                    if log.isEnabledFor(logging.DEBUG):
                        log_outcome(self.name, 1, 0)
                    return entry[1]
                if key not in self._flights:
                    break
                self._wait_for(self._flights[key][-1])  # raises the failure it shares
            self._misses += 1
            flight = self._start(key)
        if log.isEnabledFor(logging.DEBUG):
            log_outcome(self.name, 0, 1)
        try:
            value = fetch()
        except BaseException as exc:
            with self._cond:
                self._finish(key, flight, None, False, error=exc)
            raise
        with self._cond:
            self._finish(key, flight, value, True)
        return value

    def get_many(
        self,
        keys: Iterable[K],
        fetch_many: Callable[[list[K]], Mapping[K, V]],
        *,
        fresh: bool = False,
    ) -> dict[K, V]:
        """Values for ``keys``: cached ones from the cache, the rest fetched together.

        ``fetch_many(missing)`` gets the keys nobody has cached or is fetching
        and returns a mapping for those it could get (absent keys are simply
        not cached and not returned). Keys another thread is fetching are
        waited for; when their fetch fails, its error is raised here too.
        ``fetch_many`` is called once in the common case; again only for keys a
        concurrent fetch dropped.
        """
        wanted = list(dict.fromkeys(keys))
        if not self.enabled:
            with self._lock:
                self._misses += len(wanted)
            got = fetch_many(wanted)
            return {k: got[k] for k in wanted if k in got}
        if not fresh:  # the hit path: every key cached, no lock
            store, now = self._store, self._timer()
            hits: dict[K, V] = {}
            for key in wanted:
                entry = store.get(key)
                if entry is None or now >= entry[0]:
                    break
                hits[key] = entry[1]
            else:
                count = len(hits)
                self._hits += count
                if log.isEnabledFor(logging.DEBUG):
                    log_outcome(self.name, count, 0)
                return hits
        found: dict[K, V] = {}
        settled: set[K] = set()
        pending = wanted
        while pending:
            mine: list[K] = []
            theirs: list[K] = []
            flights: dict[K, _Flight] = {}
            with self._cond:
                now = self._timer()  # one instant for the whole batch
                for key in pending:
                    if not fresh:
                        entry = self._store.get(key)
                        if entry is not None and now < entry[0]:
                            found[key] = entry[1]
                            self._hits += 1
                            continue
                        if key in self._flights:
                            theirs.append(key)
                            continue
                    mine.append(key)
                    flights[key] = self._start(key)
                self._misses += len(mine)
            if mine:
                self._fetch_batch(mine, flights, fetch_many, found)
                settled.update(mine)
            pending = self._await_others(theirs, found) if theirs else []
            pending = [k for k in pending if k not in settled]
            fresh = False
        if log.isEnabledFor(logging.DEBUG):
            fetched = len(settled)
            log_outcome(self.name, len(wanted) - fetched, fetched)
        return {k: found[k] for k in wanted if k in found}

    def _fetch_batch(
        self,
        keys: list[K],
        flights: dict[K, _Flight],
        fetch_many: Callable[[list[K]], Mapping[K, V]],
        found: dict[K, V],
    ) -> None:
        got: Mapping[K, V] = {}
        error: BaseException | None = None
        try:
            got = fetch_many(list(keys))
        except BaseException as exc:
            error = exc
            raise
        finally:
            # One insertion time for the batch, so its entries also expire together
            # and the next refresh is one request again, not several partial ones.
            with self._cond:
                expires = self._timer() + self.ttl
                for key in keys:
                    if key in got:
                        found[key] = got[key]
                        self._finish(key, flights[key], got[key], True, expires)
                    else:
                        self._finish(key, flights[key], None, False, error=error)

    def _await_others(self, keys: list[K], found: dict[K, V]) -> list[K]:
        """Wait for other threads' fetches of ``keys``; return keys still missing."""
        left: list[K] = []
        with self._cond:
            for key in keys:
                while True:
                    entry = self._store.get(key)
                    if entry is not None and self._timer() < entry[0]:
                        found[key] = entry[1]
                        self._hits += 1
                    elif key in self._flights:
                        self._wait_for(self._flights[key][-1])
                        continue
                    else:
                        left.append(key)
                    break
        return left

    # -- in-flight bookkeeping (caller holds the lock) ------------------------------

    def _wait_for(self, flight: _Flight) -> None:
        """Wait until ``flight`` ends; raise its error if it failed."""
        while not flight.done:
            self._cond.wait()
        if flight.error is not None:
            raise _shared(flight.error)

    def _start(self, key: K) -> _Flight:
        flight = _Flight()
        self._flights.setdefault(key, []).append(flight)
        return flight

    def _finish(
        self,
        key: K,
        flight: _Flight,
        value: Any,
        ok: bool,
        expires: float | None = None,
        *,
        error: BaseException | None = None,
    ) -> None:
        flight.done = True
        if isinstance(error, Exception):  # KeyboardInterrupt & co. stay with their thread
            flight.error = error
        flights = self._flights.get(key)
        if flights is not None:
            if flight in flights:
                flights.remove(flight)
            if not flights:
                del self._flights[key]
        if ok and not flight.stale:
            self._put(key, value, self._timer() + self.ttl if expires is None else expires)
        self._cond.notify_all()

    def _put(self, key: K, value: V, expires: float) -> None:
        store = self._store
        store.pop(key, None)  # re-inserted last: the dict's order is insertion order
        store[key] = (expires, value)
        if len(store) > self.maxsize:
            # The TTL is one per cache, so insertion order is expiry order: drop from
            # the front, the expired entries first, then the oldest live ones.
            while len(store) > self.maxsize:
                del store[next(iter(store))]

    def _expire(self) -> None:
        now = self._timer()
        for key in [k for k, (expires, _) in self._store.items() if now >= expires]:
            del self._store[key]

    # -- invalidation ----------------------------------------------------------------

    def invalidate(self, key: K) -> bool:
        """Drop ``key``; a fetch of it now in flight will not be stored. True if cached."""
        with self._lock:
            for flight in self._flights.get(key, ()):
                flight.stale = True
            entry = self._store.pop(key, None)
            return entry is not None and self._timer() < entry[0]

    def invalidate_where(self, predicate: Callable[[K], bool]) -> int:
        """Drop every key for which ``predicate(key)`` is true; return how many."""
        with self._lock:
            for key, flights in self._flights.items():
                if predicate(key):
                    for flight in flights:
                        flight.stale = True
            self._expire()
            doomed = [key for key in self._store if predicate(key)]
            for key in doomed:
                del self._store[key]
            return len(doomed)

    def clear(self) -> None:
        """Drop everything; fetches now in flight will not be stored."""
        with self._lock:
            for flights in self._flights.values():
                for flight in flights:
                    flight.stale = True
            self._store.clear()

    # -- reporting -------------------------------------------------------------------

    def stats(self) -> CacheStats:
        with self._lock:
            self._expire()
            return CacheStats(
                name=self.name,
                ttl=self.ttl,
                hits=self._hits,
                misses=self._misses,
                size=len(self._store),
                maxsize=self.maxsize,
            )

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._store)

    def __repr__(self) -> str:
        s = self.stats()
        return (
            f"TTLResponseCache({self.name!r}, ttl={self.ttl:g}, size={s.size}, "
            f"hits={s.hits}, misses={s.misses})"
        )

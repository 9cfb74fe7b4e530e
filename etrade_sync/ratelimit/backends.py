"""
etrade_sync.ratelimit.backends
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the shared buckets behind :class:`~etrade_sync.ratelimit.RateGate`
when one consumer key is used by more than one process:

``sqlite:///path``
    Every process on one host. A pyrate-limiter ``SQLiteBucket`` guarded by a
    file lock, one table per (consumer key, category) in one database file.
    The path must be absolute (``sqlite:////var/tmp/gate.db``) in an existing folder.
    The lock is taken with the gate's timeout, when the bucket is opened and at
    every permit: a holder that is stopped (SIGSTOP, Ctrl-Z, a debugger) costs
    the others at most ``gate_timeout``, then ``RateGateError``; a holder that
    dies frees the lock at once (the kernel drops its ``flock``).

``redis://[:password@]host:port/db`` (or ``rediss://``)
    Every process on every host. A sliding-window log in one sorted set per
    (consumer key, category), checked and written by one Lua script that stamps
    each permit with the Redis server's clock, so the hosts' clocks do not
    matter and permits from several writers are counted exactly. The script is
    reloaded when Redis has forgotten it (restart, failover, ``SCRIPT FLUSH``).
    Needs the ``redis`` package: ``pip install 'etrade_sync[redis]'``.

Both count an exact rolling window (not a token bucket), like the memory
backend, and a backend that cannot be reached makes the gate raise
:class:`~etrade_sync.errors.RateGateError` within seconds rather than letting
requests through unlimited.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from pyrate_limiter import (
    AbstractBucket,
    Decision,
    InMemoryBucket,
    Rate,
    RateItem,
    SQLiteBucket,
    SQLiteQueries,
)

from ..errors import ConfigurationError, RateGateError
from ..observe.redact import redact_url

__all__ = [
    "MemoryWindowBucket",
    "RedisWindowBucket",
    "SQLiteWindowBucket",
    "make_bucket",
    "sqlite_path",
]

log = logging.getLogger("etrade_sync")

#: Socket timeouts for the Redis backend: a gate whose Redis is gone must fail
#: fast instead of stalling every request.
REDIS_CONNECT_TIMEOUT = 2.0
REDIS_SOCKET_TIMEOUT = 2.0

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_]")


def make_bucket(
    backend: str,
    namespace: str,
    category: str,
    rates: list[Rate],
    *,
    lock_timeout: float = 120.0,
) -> AbstractBucket:
    """The bucket for ``category`` of consumer key ``namespace`` on ``backend``.

    ``lock_timeout`` bounds every wait for the SQLite file lock."""
    if backend.startswith("sqlite:///"):
        path = sqlite_path(backend)
        table = _SAFE_NAME.sub("_", f"gate_{namespace}_{category}")
        return SQLiteWindowBucket.open(rates, path, table, lock_timeout=lock_timeout)
    if backend.startswith(("redis://", "rediss://")):
        client = _redis_client(backend)
        return RedisWindowBucket(rates, client, f"etrade_sync:gate:{namespace}:{category}")
    raise ConfigurationError(
        f"rate_limit_backend={redact_url(backend)!r}: use 'memory', 'sqlite:///path' "
        f"or 'redis://host:port/db'",
        name="rate_limit_backend",
    )


# -- SQLite: processes on one host ---------------------------------------------------


def sqlite_path(backend: str) -> Path:
    """The database file named by a ``sqlite:////absolute/path`` backend URL; its folder
    must exist (see :func:`etrade_sync.config.checks.sqlite_backend_path`)."""
    from ..config.checks import sqlite_backend_path

    return sqlite_backend_path(backend).resolve()


class MemoryWindowBucket(InMemoryBucket):
    """``InMemoryBucket`` that stamps each permit with the clock when it grants it.

    After a sleep the limiter advances an item's stamp by the *planned* delay; a
    thread that wakes up late would then record its permit earlier than it was
    granted, and the next window would open early by that lateness.
    """

    def now(self) -> int:
        """Monotonic milliseconds (this process only)."""
        return time.monotonic_ns() // 1_000_000

    def put(self, item: RateItem) -> bool:
        with self._lock:
            item.timestamp = self.now()
            return bool(super().put(item))


class SQLiteWindowBucket(SQLiteBucket):
    """``SQLiteBucket`` that stamps each permit when it holds the file lock.

    The limiter stamps an item before it waits for the lock and, after a
    sleep, advances the stamp by the *planned* delay. With several processes
    queueing for one file both can leave a stamp earlier than the moment the
    permit is really granted, which lets the next window open early. Re-reading
    the clock under the lock keeps the log in the order permits were granted.
    """

    @classmethod
    def open(
        cls, rates: list[Rate], path: Path, table: str, *, lock_timeout: float = 120.0
    ) -> SQLiteWindowBucket:
        """Open (creating if needed) ``table`` in ``path`` under a file lock that is
        never waited for longer than ``lock_timeout`` seconds."""
        from filelock import FileLock, Timeout

        lock = FileLock(f"{path}.lock", timeout=lock_timeout)
        try:
            with lock:
                connection = sqlite3.connect(
                    str(path), isolation_level="DEFERRED", check_same_thread=False
                )
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL;")
                cursor.execute("PRAGMA synchronous=NORMAL;")
                cursor.execute(SQLiteQueries.CREATE_BUCKET_TABLE.format(table=table))
                cursor.execute(
                    SQLiteQueries.CREATE_INDEX_ON_TIMESTAMP.format(
                        index_name=f"idx_{table}_rate_item_timestamp", table_name=table
                    )
                )
                cursor.close()
                connection.commit()
        except Timeout:
            raise lock_busy(path, lock_timeout) from None
        log.debug("rate gate: %s bucket in %s", table, path)
        return cls(rates, connection, table=table, lock=lock)

    def now(self) -> int:
        """Epoch milliseconds: the one clock every process on the host shares."""
        return time.time_ns() // 1_000_000

    #: ``time.monotonic()`` when the file lock last could not be had in time (the
    #: limiter turns that into "no permit"; the gate reads this to say why).
    lock_timed_out_at: float = 0.0

    def put(self, item: RateItem) -> bool:
        from filelock import Timeout

        try:
            with self.lock:
                item.timestamp = self.now()
                return bool(super().put(item))
        except Timeout:
            self.lock_timed_out_at = time.monotonic()
            raise


def lock_busy(path: Path, waited: float) -> RateGateError:
    """The error for a gate lock file held longer than the gate's timeout."""
    return RateGateError(
        f"the rate gate's lock {path}.lock was held by another process for more than "
        f"{waited:.1f} s (stopped or hung? ETRADE_GATE_TIMEOUT bounds this wait)"
    )


# -- Redis: processes on many hosts ----------------------------------------------------

#: Sliding-window log on one sorted set, stamped with the server's clock.
#: KEYS[1] the set (scores: microseconds); ARGV[1] weight; ARGV[2] a member prefix
#: unique to this call; then (limit, interval_ms) pairs. Returns {1, 0, -1} when
#: admitted, else {0, microseconds until it would fit, index of the full rate}.
_WINDOW_SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local weight = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local longest = 0
for i = 3, #ARGV, 2 do
  local limit = tonumber(ARGV[i])
  local span = tonumber(ARGV[i + 1]) * 1000
  if span > longest then longest = span end
  local floor = now - span + 1
  local used = redis.call('ZCOUNT', key, floor, '+inf')
  if used + weight > limit then
    local wait = 0
    if weight <= limit then
      local row = redis.call('ZREVRANGEBYSCORE', key, '+inf', floor,
                             'WITHSCORES', 'LIMIT', limit - weight, 1)
      if row[2] then wait = tonumber(row[2]) + span - now end
    end
    return {0, wait, (i - 3) / 2}
  end
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - longest)
for j = 1, weight do
  redis.call('ZADD', key, now, ARGV[2] .. ':' .. j)
end
redis.call('PEXPIRE', key, math.floor(longest / 1000) + 1000)
return {1, 0, -1}
"""

_redis_clients: dict[str, Any] = {}
_redis_lock = threading.Lock()
_members = itertools.count()


def _redis_client(url: str) -> Any:
    """One client (one connection pool) per Redis URL per process."""
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:
        raise ConfigurationError(
            f"rate_limit_backend={redact_url(url)!r} needs the redis package: "
            f"pip install 'etrade_sync[redis]'",
            name="rate_limit_backend",
        ) from None
    with _redis_lock:
        client = _redis_clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
                socket_timeout=REDIS_SOCKET_TIMEOUT,
                # One immediate reconnect covers a pooled connection that died
                # with a Redis restart; anything longer is an outage.
                retry=Retry(NoBackoff(), 1),
            )
            _redis_clients[url] = client
            log.debug("rate gate: Redis backend %s", redact_url(url))
        return client


class RedisWindowBucket(AbstractBucket):
    """An exact rolling-window bucket kept in Redis and shared by every host.

    Unlike pyrate-limiter's ``RedisBucket`` it takes the time from the Redis
    server inside the script (late or skewed writers are counted like everyone
    else) and survives Redis forgetting its scripts. ``now()`` is the local
    wall clock and only paces the limiter's sleeps; it decides nothing.
    """

    is_async = False

    def __init__(self, rates: list[Rate], client: Any, key: str) -> None:
        self.rates = rates
        self.key = key
        self._redis = client
        self._script = client.register_script(_WINDOW_SCRIPT)
        self._rate_args = [n for rate in self.rates for n in (rate.limit, rate.interval)]
        self._prefix = f"{os.getpid()}.{os.urandom(4).hex()}"

    def now(self) -> int:
        return time.time_ns() // 1_000_000

    def put(self, item: RateItem) -> bool:
        member = f"{self._prefix}.{next(_members)}"
        allowed, wait_us, index = self._script(
            keys=[self.key], args=[item.weight, member, *self._rate_args]
        )
        if int(allowed):
            return bool(self._record(item, Decision()))
        rate = self.rates[int(index)]
        retry_ms = None if item.weight > rate.limit else max(1, math.ceil(int(wait_us) / 1000) + 1)
        return bool(self._record(item, Decision(failing_rate=rate, retry_after_ms=retry_ms)))

    def leak(self, current_timestamp: int | None = None) -> int:
        # Every put trims the set, and an idle set expires on its own.
        return 0

    def flush(self) -> None:
        self._redis.delete(self.key)
        self.failing_rate = None
        self._last_wait = None

    def count(self) -> int:
        return int(self._redis.zcard(self.key))

    def peek(self, index: int) -> RateItem | None:
        rows = self._redis.zrevrange(self.key, index, index, withscores=True)
        if not rows:
            return None
        member, score = rows[0]
        name = member.decode() if isinstance(member, bytes) else str(member)
        return RateItem(name, int(score) // 1000)

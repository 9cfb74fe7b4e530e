"""
etrade_sync.ratelimit.gate
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`RateGate`, which keeps requests under E*TRADE's
per-module limits. It is a thin layer over pyrate-limiter v4: one bucket per
category (``accounts``, ``market``, ``orders``; ``alerts`` shares the accounts
budget unless it is given its own), each holding every configured rate
(e.g. 4/s and 14,000/h), an exact sliding-window log.

The transport takes a permit *before* each attempt is signed, so the OAuth
timestamp is fresh and every retry pays for its own permit.

Backends (``Settings.rate_limit_backend``): ``memory`` (this process),
``sqlite:///path`` (every process on one host), ``redis://host:port/db`` (many
hosts). All gates of one process that share a backend and consumer key share one
set of buckets, see :meth:`RateGate.shared`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..config import RateSpec, Settings
from ..errors import ETradeError, RateGateError

__all__ = ["DEFAULT_MARGINS", "INTERVAL_PADDING", "CategoryStats", "RateGate", "default_margin"]

log = logging.getLogger("etrade_sync")

#: Seconds added to every window (``Settings.rate_limit_margin`` overrides them), so
#: that the jitter between a permit and the request's arrival at E*TRADE cannot put
#: more than the limit into one of E*TRADE's rolling windows. Permit i and permit
#: i+limit are at least window + margin apart; their requests arrive closer only by
#: the difference of their permit-to-arrival delays ("shrink"). ``scripts/bench_jitter.py``
#: measures it. On a shared 2-core machine under heavy load (load average 11-15) the
#: largest shrink seen was 22-29 ms for threads of one process (memory), 33-129 ms
#: for 3 processes sharing SQLite and 36-60 ms for 3 processes sharing Redis; those
#: tails come from processes waiting for a CPU. On a quiet machine loopback jitter
#: stays under 10 ms, and a real network adds its own: lower the margin only after
#: measuring where your programs run.
DEFAULT_MARGINS = {"memory": 0.050, "sqlite": 0.100, "redis": 0.060}

#: Kept for compatibility: windows used to be padded by 3 %; the margin is now absolute.
INTERVAL_PADDING = 0.0

_LEAK_EVERY = 30.0

#: Extra sleep (ms) after a computed wait. Every bucket stamps a permit with the
#: clock when it grants it (never with the planned wake-up), so a late wake-up
#: cannot open the next window early and no slack is needed: 1 ms covers the
#: rounding of the wait to whole milliseconds.
_BUFFER_MS = 1


def default_margin(backend: str) -> float:
    """The margin (seconds) for ``backend`` when the settings give none."""
    kind = backend.split(":", 1)[0]
    return DEFAULT_MARGINS.get("redis" if kind.startswith("redis") else kind, 0.025)


@dataclass
class CategoryStats:
    """Permits handed out for one category and the time spent waiting for them."""

    permits: int = 0
    waited: float = 0.0
    max_wait: float = 0.0
    timeouts: int = 0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "permits": self.permits,
            "wait_total_s": round(self.waited, 6),
            "wait_max_s": round(self.max_wait, 6),
            "timeouts": self.timeouts,
        }

    #: Older name of :meth:`to_dict`.
    as_dict = to_dict


def _to_rates(specs: tuple[RateSpec, ...], margin: float) -> list[Any]:
    """pyrate-limiter rates with ``margin`` added to each window.

    pyrate-limiter wants the longer windows no denser than the shorter ones; a
    longer window that the margin would leave denser (2/s + 50 ms against
    7,000/h) is stretched to the shorter one's density instead.
    """
    from pyrate_limiter import Rate

    rates: list[Any] = []
    for limit, seconds in sorted(specs, key=lambda spec: spec[1]):
        interval = math.ceil((seconds + margin) * 1000)
        if rates:
            shorter = rates[-1]
            interval = max(interval, math.ceil(shorter.interval * limit / shorter.limit))
        rates.append(Rate(limit, interval))
    return rates


_UNIT_NAMES = {1.0: "s", 60.0: "min", 3600.0: "h", 86400.0: "d"}


def _as_written(limit: int, seconds: float) -> str:
    """A rate as configured: ``4/s``, ``14000/h``, ``10/5s`` (the padding left out)."""
    for size, unit in sorted(_UNIT_NAMES.items(), reverse=True):
        if seconds % size == 0:
            count = int(seconds // size)
            return f"{limit}/{unit}" if count == 1 else f"{limit}/{count}{unit}"
    return f"{limit}/{seconds:g}s"


class _CategoryFactory:
    """Routes a permit's name to its bucket; stamps items with that bucket's clock."""

    def __new__(cls, buckets: Mapping[str, Any]) -> Any:
        from pyrate_limiter import BucketFactory, RateItem

        class Factory(BucketFactory):
            def wrap_item(self, name: str, weight: int = 1) -> Any:
                # Stamp with the bucket's own clock: a SQLite or Redis bucket keeps
                # wall-clock time, and mixing clocks lets the leaker wipe the window.
                return RateItem(name, buckets[name].now(), weight=weight)

            def get(self, item: Any) -> Any:
                return buckets[item.name]

        return Factory()


class RateGate:
    """Hands out permits per category, blocking until the limits allow one.

    ``rates`` maps a category to its rates (``None`` means unlimited). ``backend``
    is ``"memory"``, ``"sqlite:///path"`` or ``"redis://..."``; ``namespace`` keeps
    different consumer keys apart in a shared backend. ``margin`` (seconds) is
    added to every window; ``None`` takes the backend's :data:`DEFAULT_MARGINS`.
    """

    def __init__(
        self,
        rates: Mapping[str, tuple[RateSpec, ...] | None],
        backend: str = "memory",
        *,
        namespace: str = "default",
        timeout: float = 120.0,
        margin: float | None = None,
    ) -> None:
        self.backend = backend
        self.margin = default_margin(backend) if margin is None else float(margin)
        self.namespace = namespace
        self.timeout = timeout
        self._routes: dict[str, str | None] = {}
        self._stats: dict[str, CategoryStats] = {}
        self._stats_lock = threading.Lock()
        self._buckets: dict[str, Any] = {}
        self._specs: dict[str, tuple[RateSpec, ...]] = {}
        for category, specs in rates.items():
            if specs is None:
                self._routes[category] = None
                continue
            self._routes[category] = category
            self._specs[category] = specs
            self._buckets[category] = self._make_bucket(category, _to_rates(specs, self.margin))
        if "alerts" not in rates:
            self._routes["alerts"] = self._routes.get("accounts")
        self._limiter: Any = None
        if self._buckets:
            from pyrate_limiter import Limiter

            self._limiter = Limiter(_CategoryFactory(self._buckets), buffer_ms=_BUFFER_MS)
        self._next_leak = time.monotonic() + _LEAK_EVERY
        self._leak_lock = threading.Lock()

    # -- backends ------------------------------------------------------------------

    def _make_bucket(self, category: str, rates: list[Any]) -> Any:
        """Create the bucket for ``category``; the seam for other backends."""
        from . import backends

        if self.backend == "memory":
            return backends.MemoryWindowBucket(rates)

        try:
            return backends.make_bucket(
                self.backend, self.namespace, category, rates, lock_timeout=self.timeout
            )
        except ETradeError:
            raise
        except Exception as exc:  # e.g. the database file cannot be created
            raise RateGateError(
                f"rate gate backend {self._safe_backend()} could not be opened for "
                f"{category}: {type(exc).__name__}: {exc}"
            ) from exc

    # -- permits -------------------------------------------------------------------

    def route(self, category: str) -> str | None:
        """The bucket a category draws from, or ``None`` when it is unlimited."""
        if category not in self._routes:
            raise ValueError(f"unknown rate-limit category {category!r}")
        return self._routes[category]

    def acquire(self, category: str, *, timeout: float | None = None) -> float:
        """Block until a permit for ``category`` is granted; return the seconds waited.

        Raises :class:`~etrade_sync.errors.RateGateError` when no permit arrives
        within ``timeout`` (default: the gate's) or the backend cannot be reached.
        """
        bucket = self.route(category)
        stats = self._stats_for(category)
        if bucket is None or self._limiter is None:
            with self._stats_lock:
                stats.permits += 1
            return 0.0
        limit = self.timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            granted = self._limiter.try_acquire(bucket, blocking=True, timeout=limit)
        except TimeoutError:
            granted = False
        except Exception as exc:  # backend failure: never fall through to "unlimited"
            raise RateGateError(
                f"rate gate backend {self._safe_backend()} failed for {category}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        waited = time.monotonic() - started
        with self._stats_lock:
            if not granted:
                stats.timeouts += 1
            else:
                stats.permits += 1
                stats.waited += waited
                stats.max_wait = max(stats.max_wait, waited)
        if not granted and getattr(self._buckets[bucket], "lock_timed_out_at", 0.0) >= started:
            from .backends import lock_busy, sqlite_path

            raise lock_busy(sqlite_path(self.backend), limit)  # a stopped or hung holder
        if not granted:
            raise RateGateError(
                f"no {category} permit within {limit:.1f} s (limits "
                f"{self.describe().get(category, '?')}); too many callers share this budget"
            )
        if waited > 0.5:
            log.debug("rate gate: waited %.2f s for a %s permit", waited, category)
        self._maybe_leak()
        return waited

    def _maybe_leak(self) -> None:
        now = time.monotonic()
        if now < self._next_leak or not self._leak_lock.acquire(blocking=False):
            return
        try:
            self._next_leak = now + _LEAK_EVERY
            for bucket in self._buckets.values():
                bucket.leak(bucket.now())
        except Exception as exc:  # trimming is housekeeping; the next call retries
            log.debug("rate gate: leak failed: %s", exc)
        finally:
            self._leak_lock.release()

    def _stats_for(self, category: str) -> CategoryStats:
        with self._stats_lock:
            return self._stats.setdefault(category, CategoryStats())

    # -- reporting -----------------------------------------------------------------

    def describe(self) -> dict[str, str]:
        """The limits per category, human-readable."""
        out: dict[str, str] = {}
        for category, bucket in self._routes.items():
            if bucket is None:
                out[category] = "unlimited"
            else:
                text = ", ".join(_as_written(limit, secs) for limit, secs in self._specs[bucket])
                out[category] = text if bucket == category else f"{text} (shared with {bucket})"
        return out

    def windows(self) -> dict[str, list[tuple[int, float]]]:
        """Per limited category, the (limit, seconds) windows enforced: margin included."""
        return {
            name: [(rate.limit, rate.interval / 1000) for rate in bucket.rates]
            for name, bucket in self._buckets.items()
        }

    def stats(self) -> dict[str, Any]:
        """Permits, wait totals and timeouts per category."""
        with self._stats_lock:
            per = {name: s.to_dict() for name, s in self._stats.items()}
        return {"backend": self._safe_backend(), "limits": self.describe(), "categories": per}

    def _safe_backend(self) -> str:
        from ..observe.redact import redact_url

        return redact_url(self.backend)

    def close(self) -> None:
        """Release the backend's resources (database connections)."""
        closers = [self._limiter] if self._limiter is not None else []
        closers += list(self._buckets.values())
        for item in closers:
            try:
                item.close()
            except Exception as exc:  # pragma: no cover - best effort at shutdown
                log.debug("rate gate: close failed: %s", exc)

    # -- process-wide sharing -------------------------------------------------------

    _shared: dict[tuple[str, str, str], RateGate] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, settings: Settings) -> RateGate:
        """The gate every client of this process with these settings' key shares.

        E*TRADE counts requests per consumer key, so two clients built from the same
        key in one process must draw from one budget.
        """
        rates = settings.resolved_rate_limits
        namespace = hashlib.sha256(
            f"{settings.environment}:{settings.consumer_key or ''}".encode()
        ).hexdigest()[:16]
        margin = settings.rate_limit_margin
        key = (settings.rate_limit_backend, namespace, repr((sorted(rates.items()), margin)))
        with cls._shared_lock:
            gate = cls._shared.get(key)
            if gate is None:
                gate = cls(
                    rates,
                    settings.rate_limit_backend,
                    namespace=namespace,
                    timeout=settings.gate_timeout,
                    margin=margin,
                )
                cls._shared[key] = gate
            return gate

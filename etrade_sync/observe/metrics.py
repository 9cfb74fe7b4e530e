"""
etrade_sync.observe.metrics
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`Metrics`: per-endpoint call counts, errors, retries
and latency percentiles, recorded by the transport and reported by
``client.stats()``. A latency hook can be registered to hear about slow calls.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EndpointStats", "Metrics", "percentile"]

log = logging.getLogger("etrade_sync")

#: How many recent latencies are kept per endpoint for the percentiles.
WINDOW = 2048

LatencyHook = Callable[[str, float], None]


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` percentile (0..1) of ``values`` by linear interpolation."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class EndpointStats:
    """Counters for one endpoint."""

    count: int = 0
    errors: int = 0
    retries: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    error_types: dict[str, int] = field(default_factory=dict)
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW))

    def to_dict(self) -> dict[str, Any]:
        values = list(self.latencies)
        return {
            "count": self.count,
            "errors": self.errors,
            "retries": self.retries,
            "statuses": dict(self.statuses),
            "error_types": dict(self.error_types),
            "latency_ms": {
                "p50": round(percentile(values, 0.50) * 1000, 3),
                "p95": round(percentile(values, 0.95) * 1000, 3),
                "p99": round(percentile(values, 0.99) * 1000, 3),
                "max": round(max(values, default=0.0) * 1000, 3),
            },
        }

    #: Older name of :meth:`to_dict`.
    as_dict = to_dict


class Metrics:
    """Thread-safe call metrics, one :class:`EndpointStats` per endpoint name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._endpoints: dict[str, EndpointStats] = {}
        self._hooks: list[tuple[float, LatencyHook]] = []

    def record(
        self,
        name: str,
        *,
        latency: float,
        error: str | None,
        retries: int,
        status: int | None,
    ) -> None:
        with self._lock:
            stats = self._endpoints.setdefault(name, EndpointStats())
            stats.count += 1
            stats.retries += retries
            stats.latencies.append(latency)
            if status is not None:
                stats.statuses[status] = stats.statuses.get(status, 0) + 1
            if error is not None:
                stats.errors += 1
                stats.error_types[error] = stats.error_types.get(error, 0) + 1
            hooks = [hook for threshold, hook in self._hooks if latency >= threshold]
        for hook in hooks:
            try:
                hook(name, latency)
            except Exception:  # a user's hook must never break a call
                log.exception("latency hook failed for %s", name)

    def on_slow_call(self, threshold_seconds: float, hook: LatencyHook) -> None:
        """Call ``hook(endpoint_name, latency_seconds)`` for every call at least that slow."""
        if threshold_seconds < 0:
            raise ValueError("threshold_seconds must be >= 0")
        with self._lock:
            self._hooks.append((threshold_seconds, hook))

    def stats(self) -> dict[str, Any]:
        """Per-endpoint figures plus totals, as plain data."""
        with self._lock:
            per = {name: stats.to_dict() for name, stats in sorted(self._endpoints.items())}
            every = [lat for stats in self._endpoints.values() for lat in stats.latencies]
        totals = {
            "count": sum(e["count"] for e in per.values()),
            "errors": sum(e["errors"] for e in per.values()),
            "retries": sum(e["retries"] for e in per.values()),
            "latency_ms": {
                "p50": round(percentile(every, 0.50) * 1000, 3),
                "p95": round(percentile(every, 0.95) * 1000, 3),
                "p99": round(percentile(every, 0.99) * 1000, 3),
            },
        }
        return {"endpoints": per, "totals": totals}

    def stats_json(self) -> str:
        """:meth:`stats` as a JSON document."""
        return json.dumps(self.stats(), indent=2, sort_keys=True)

    #: Older names of :meth:`stats` and :meth:`stats_json`.
    snapshot = stats
    to_json = stats_json

    def reset(self) -> None:
        with self._lock:
            self._endpoints.clear()

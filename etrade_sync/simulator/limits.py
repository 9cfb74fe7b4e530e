"""Server-side rate-limit enforcement: requests per rolling second, per consumer key."""

from __future__ import annotations

import threading
from collections.abc import Mapping

__all__ = ["DEFAULT_RATE_LIMITS", "RateEnforcer", "category_for"]

DEFAULT_RATE_LIMITS: dict[str, int] = {"accounts": 2, "market": 4, "orders": 2, "alerts": 2}
_KEEP = 5.0  # seconds of admitted history kept (covers requests that arrive out of order)


def category_for(path: str) -> str:
    """The rate-limit category of a normalized path."""
    parts = path.strip("/").split("/")
    if path.startswith("/oauth/") or path.startswith("/e/t/etws/authorize"):
        return "oauth"
    if parts[:2] == ["v1", "accounts"]:
        return "orders" if len(parts) >= 4 and parts[3] == "orders" else "accounts"
    if parts[:2] == ["v1", "market"]:
        return "market"
    if parts[:3] == ["v1", "user", "alerts"]:
        return "alerts"
    return "other"


class RateEnforcer:
    """Admits a request unless some window ``[t, t + window)`` would then hold too many.

    Arrival times come from the request log, so :meth:`RequestLog.max_in_window` over
    admitted requests never exceeds the limit, even when threads reach the check out of
    arrival order.
    """

    def __init__(self, limits: Mapping[str, int] | None = None, window: float = 1.0) -> None:
        self.limits = dict(DEFAULT_RATE_LIMITS if limits is None else limits)
        self.window = window
        self._lock = threading.Lock()
        self._admitted: dict[tuple[str, str], list[float]] = {}

    def admit(self, consumer_key: str, category: str, arrival: float) -> bool:
        limit = self.limits.get(category)
        if limit is None:
            return True
        with self._lock:
            times = self._admitted.setdefault((consumer_key, category), [])
            times[:] = [t for t in times if t > arrival - _KEEP]
            w = self.window
            starts = [arrival] + [t for t in times if arrival - w < t <= arrival]
            ends = [arrival] + [t for t in times if arrival < t < arrival + w]
            busiest = max(
                max(sum(1 for t in times if a <= t < a + w) for a in starts),
                max(sum(1 for t in times if e - w < t <= e) for e in ends),
            )
            if busiest + 1 > limit:
                return False
            times.append(arrival)
            return True

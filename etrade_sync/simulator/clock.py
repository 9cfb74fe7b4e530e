"""The simulator's adjustable clock.

A :class:`SimClock` that was never set or advanced follows the real wall clock. Once a
test calls :meth:`SimClock.set` or :meth:`SimClock.advance` it stands still at the chosen
instant until it is moved again, which keeps boundary checks (idle timeout, midnight
expiry, preview lifetime) exact.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

__all__ = ["SimClock"]


def _to_epoch(value: datetime | float) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("SimClock needs an aware datetime (e.g. tzinfo=UTC)")
        return value.timestamp()
    return float(value)


class SimClock:
    """Epoch-seconds clock used for token lifetimes, previews, orders and quotes."""

    def __init__(self, start: datetime | float | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen: float | None = None
        if start is not None:
            self.set(start)

    def now(self) -> float:
        """Current simulated time in epoch seconds."""
        with self._lock:
            return time.time() if self._frozen is None else self._frozen

    def now_dt(self) -> datetime:
        """Current simulated time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or backward, for a negative value) and hold it there."""
        with self._lock:
            base = time.time() if self._frozen is None else self._frozen
            self._frozen = base + float(seconds)

    def set(self, value: datetime | float) -> None:
        """Hold the clock at ``value`` (an aware datetime or epoch seconds)."""
        epoch = _to_epoch(value)
        with self._lock:
            self._frozen = epoch

    def follow_real_time(self) -> None:
        """Let the clock follow the real wall clock again."""
        with self._lock:
            self._frozen = None

    @property
    def is_real_time(self) -> bool:
        """True while the clock follows the real wall clock."""
        with self._lock:
            return self._frozen is None

    def __repr__(self) -> str:
        mode = "real" if self.is_real_time else "held"
        return f"SimClock({self.now_dt().isoformat()}, {mode})"

"""
etrade_sync.transport.breaker
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`CircuitBreaker`: after a run of server failures
(5xx answers, dropped connections, timeouts) the client fails fast with
:class:`~etrade_sync.errors.CircuitOpenError` for a cool-down instead of
hammering a sick API. After the cool-down one trial call goes through
("half-open"); its success closes the circuit, its failure opens it again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import CircuitOpenError

__all__ = ["CircuitBreaker"]

log = logging.getLogger("etrade_sync")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class CircuitBreaker:
    """Counts consecutive server failures; opens after ``failures`` of them.

    ``failures=0`` disables the breaker.
    """

    def __init__(
        self,
        failures: int = 5,
        cooldown: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = failures
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._consecutive = 0
        self._opened_at = 0.0
        self._trial_running = False
        self._opens = 0
        self._rejected = 0

    @property
    def state(self) -> str:
        with self._lock:
            return self._current_state()

    def _current_state(self) -> str:
        if self._state == OPEN and self._clock() - self._opened_at >= self.cooldown:
            self._state = HALF_OPEN
            self._trial_running = False
        return self._state

    def before_call(self, name: str) -> None:
        """Raise :class:`CircuitOpenError` while open; let one trial through when half-open."""
        if self.threshold <= 0:
            return
        with self._lock:
            state = self._current_state()
            if state == CLOSED:
                return
            if state == HALF_OPEN and not self._trial_running:
                self._trial_running = True
                return
            self._rejected += 1
            retry_in = max(0.0, self.cooldown - (self._clock() - self._opened_at))
        raise CircuitOpenError(
            f"{name} not sent: E*TRADE failed {self.threshold} times in a row, so calls are "
            f"paused for {self.cooldown:.0f} s (next try in {retry_in:.1f} s)",
            retry_in=retry_in,
        )

    def record_success(self, name: str) -> None:
        with self._lock:
            if self._state != CLOSED:
                log.info("circuit closed again after a successful %s", name)
            self._state = CLOSED
            self._consecutive = 0
            self._trial_running = False

    def record_failure(self, name: str) -> None:
        if self.threshold <= 0:
            return
        with self._lock:
            self._consecutive += 1
            state = self._current_state()
            if state == HALF_OPEN or (state == CLOSED and self._consecutive >= self.threshold):
                self._state = OPEN
                self._opened_at = self._clock()
                self._trial_running = False
                self._opens += 1
                log.info(  # the failed call logs its own WARNING
                    "circuit opened after %d server failures in a row (last: %s); failing "
                    "fast for %.0f s",
                    self._consecutive,
                    name,
                    self.cooldown,
                )

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "state": self._current_state(),
                "consecutive_failures": self._consecutive,
                "times_opened": self._opens,
                "calls_refused": self._rejected,
                "threshold": self.threshold,
                "cooldown_s": self.cooldown,
            }

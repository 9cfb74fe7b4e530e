"""
etrade_sync.transport
~~~~~~~~~~~~~~~~~~~~~

This package is the only place that talks HTTP: the pooled, signing session
(:mod:`.session`), the per-attempt request loop (:mod:`.core`), the decoding of
answers and errors (:mod:`.decode`) and the circuit breaker (:mod:`.breaker`).
"""

from __future__ import annotations

from .core import Call, PermitGate, TokenGuard, Transport, make_retry

__all__ = ["Call", "PermitGate", "TokenGuard", "Transport", "make_retry"]

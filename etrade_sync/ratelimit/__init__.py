"""
etrade_sync.ratelimit
~~~~~~~~~~~~~~~~~~~~~

This package keeps requests under E*TRADE's per-module limits: the gate
(:mod:`.gate`) and the shared SQLite and Redis buckets behind it (:mod:`.backends`).
"""

from __future__ import annotations

from .gate import DEFAULT_MARGINS, INTERVAL_PADDING, CategoryStats, RateGate, default_margin

__all__ = ["DEFAULT_MARGINS", "INTERVAL_PADDING", "CategoryStats", "RateGate", "default_margin"]

"""
etrade_sync.cache
~~~~~~~~~~~~~~~~~

This package holds the short-lived response caches (:mod:`.ttl`).
"""

from __future__ import annotations

from .ttl import CacheSet, CacheStats, TTLResponseCache

__all__ = ["CacheSet", "CacheStats", "TTLResponseCache"]

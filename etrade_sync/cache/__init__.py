"""
etrade_sync.cache
~~~~~~~~~~~~~~~~~

This package holds the response caches: :mod:`.ttl` (one TTL cache, one fetch per
key however many threads ask), :mod:`.resources` (``client.cache``, one cache per
resource), :mod:`.stats` (what a cache reports) and :mod:`.disk` (the opt-in
persistent tier shared by processes).
"""

from __future__ import annotations

from .resources import CacheSet
from .stats import CacheStats
from .ttl import TTLResponseCache

__all__ = ["CacheSet", "CacheStats", "TTLResponseCache"]

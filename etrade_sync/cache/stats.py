"""
etrade_sync.cache.stats
~~~~~~~~~~~~~~~~~~~~~~~

This module provides what a cache reports: :class:`CacheStats`, the counters of
one cache, and :func:`log_outcome`, the one DEBUG record per lookup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

__all__ = ["CacheStats", "log_outcome"]

log = logging.getLogger("etrade_sync")


@dataclass(frozen=True)
class CacheStats:
    """A snapshot of one cache's counters.

    ``hits`` counts answers served without a request (including threads that
    waited for another thread's fetch); ``misses`` counts keys that had to be
    fetched (``fresh=True`` included).
    """

    name: str
    ttl: float
    hits: int
    misses: int
    size: int
    maxsize: int

    @property
    def hit_rate(self) -> float:
        """Hits over lookups, 0.0 before the first lookup."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ttl_s": self.ttl,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hit_rate, 4),
            "size": self.size,
            "maxsize": self.maxsize,
        }

    #: Older name of :meth:`to_dict`.
    as_dict = to_dict


def log_outcome(name: str, hits: int, misses: int) -> None:
    """One DEBUG record per lookup, with the fields of :mod:`etrade_sync.observe.jsonlog`."""
    outcome = "hit" if not misses else "miss" if not hits else "partial"
    log.debug(
        "cache %s: %s (%d cached, %d fetched)",
        name,
        outcome,
        hits,
        misses,
        extra={"cache": outcome, "cache_name": name, "hits": hits, "misses": misses},
    )

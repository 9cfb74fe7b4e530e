"""
etrade_sync.cache.resources
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`CacheSet`, the response caches of one client
(``client.cache``): one :class:`~etrade_sync.cache.ttl.TTLResponseCache` per cached
resource (quotes, balances, the account list, option expirations), each with the
lifetime its settings give, and the account-wide invalidation the order path uses.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from .ttl import Timer, TTLResponseCache

if TYPE_CHECKING:
    from ..config import Settings
    from ..models.accounts import Account, Balance
    from ..models.market import Quote
    from ..models.options import OptionExpiration

__all__ = ["CacheSet"]

log = logging.getLogger("etrade_sync")


class CacheSet:
    """The response caches of one client (``client.cache``)."""

    #: Caches whose keys start with an account_id_key.
    _PER_ACCOUNT = ("balances",)

    def __init__(self, settings: Settings, *, clock: Timer = time.monotonic) -> None:
        self.quotes: TTLResponseCache[tuple[str, str], Quote] = TTLResponseCache(
            "quotes", settings.quote_ttl, maxsize=20_000, timer=clock
        )
        self.balances: TTLResponseCache[tuple[str, bool, str | None], Balance] = TTLResponseCache(
            "balances", settings.balance_ttl, maxsize=256, timer=clock
        )
        self.accounts: TTLResponseCache[str, tuple[Account, ...]] = TTLResponseCache(
            "accounts", settings.accounts_ttl, maxsize=4, timer=clock
        )
        self.expirations: TTLResponseCache[tuple[str, str], tuple[OptionExpiration, ...]] = (
            TTLResponseCache("expirations", settings.expirations_ttl, maxsize=2048, timer=clock)
        )
        #: The shared on-disk tier (:mod:`.disk`), when ETRADE_CACHE_DIR turns it on.
        self.persistent: Any = None

    def caches(self) -> list[TTLResponseCache[Any, Any]]:
        return [self.quotes, self.balances, self.accounts, self.expirations]

    def invalidate_account(self, account_id_key: str) -> None:
        """Forget what is cached for one account (its balances).

        The orders API calls this after placing, changing or cancelling an
        order in that account, whatever the outcome, so the next balance read
        goes to E*TRADE. Portfolios are not cached.
        """
        if self.persistent is not None:
            self.persistent.invalidate_account(account_id_key)
        for name in self._PER_ACCOUNT:
            cache: TTLResponseCache[Any, Any] = getattr(self, name)
            cache.invalidate_where(lambda key: key[0] == account_id_key.strip())
        log.debug("cache: dropped cached data of one account after an order change")

    def clear(self) -> None:
        """Empty every cache."""
        for cache in self.caches():
            cache.clear()

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per cache: TTL, hits, misses, hit rate, current and maximum size (and the
        persistent tier's directory, hits, misses and waits when it is on)."""
        out = {cache.name: cache.stats().to_dict() for cache in self.caches()}
        if self.persistent is not None:
            out["persistent"] = self.persistent.stats()
        return out

    def __repr__(self) -> str:
        return "CacheSet(" + ", ".join(repr(c) for c in self.caches()) + ")"

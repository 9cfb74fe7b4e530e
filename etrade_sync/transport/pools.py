"""
etrade_sync.transport.pools
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the connection-pool figures of a client's session:
:func:`use_counting_pools` makes a urllib3 pool manager build connection pools
that count connections handed out and given back, so :func:`pool_stats` can say,
per host, how many connections are open, idle and in use, how many were
created, how often a request found no idle connection (``blocked``: with
requests' default ``pool_block=False`` urllib3 then opens one more connection
beyond the pool's size) and how often a connection was thrown away on return
because the pool was already full (``full``). Figures are read from urllib3's
own pools; nothing else is wrapped.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .limits import WatchedHTTPConnection, WatchedHTTPSConnection

__all__ = ["pool_stats", "use_counting_pools"]


class _Counting:
    """Mixin for urllib3 connection pools: in-use, blocked and full counters."""

    pool: Any

    def _etrade_counts(self) -> dict[str, Any]:
        counts: dict[str, Any] | None = self.__dict__.get("_etrade")
        if counts is None:
            counts = self.__dict__.setdefault(
                "_etrade", {"lock": threading.Lock(), "in_use": 0, "blocked": 0, "full": 0}
            )
        return counts

    def _get_conn(self, timeout: float | None = None) -> Any:
        counts = self._etrade_counts()
        queue = self.pool
        blocked = queue is not None and queue.empty()
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        with counts["lock"]:
            counts["in_use"] += 1
            counts["blocked"] += int(blocked)
        return conn

    def _put_conn(self, conn: Any) -> None:
        counts = self._etrade_counts()
        queue = self.pool
        full = conn is not None and queue is not None and queue.full()
        with counts["lock"]:
            counts["in_use"] = max(0, counts["in_use"] - 1)
            counts["full"] += int(full)
        super()._put_conn(conn)  # type: ignore[misc]


class CountingHTTPConnectionPool(_Counting, HTTPConnectionPool):
    """An :class:`HTTPConnectionPool` whose use :func:`pool_stats` can report
    (and whose connections obey the attempt's time limit, :mod:`.limits`)."""

    ConnectionCls = WatchedHTTPConnection


class CountingHTTPSConnectionPool(_Counting, HTTPSConnectionPool):
    """An :class:`HTTPSConnectionPool` whose use :func:`pool_stats` can report
    (and whose connections obey the attempt's time limit, :mod:`.limits`)."""

    ConnectionCls = WatchedHTTPSConnection


def use_counting_pools(manager: Any) -> Any:
    """Make ``manager`` (a urllib3 ``PoolManager`` or ``ProxyManager``) build counting pools."""
    manager.pool_classes_by_scheme = {
        "http": CountingHTTPConnectionPool,
        "https": CountingHTTPSConnectionPool,
    }
    return manager


def _pool_figures(pool: Any) -> dict[str, int]:
    queue = pool.pool
    idle = 0
    if queue is not None:
        with queue.mutex:
            idle = sum(1 for conn in queue.queue if conn is not None)
    counts = pool._etrade_counts() if isinstance(pool, _Counting) else None
    in_use = counts["in_use"] if counts else 0
    return {
        "open": idle + in_use,
        "idle": idle,
        "in_use": in_use,
        "created": int(getattr(pool, "num_connections", 0)),
        "requests": int(getattr(pool, "num_requests", 0)),
        "maxsize": int(getattr(queue, "maxsize", 0) or 0),
        "blocked": counts["blocked"] if counts else 0,
        "full": counts["full"] if counts else 0,
    }


def _managers(adapter: HTTPAdapter) -> list[Any]:
    found = [adapter.poolmanager] if getattr(adapter, "poolmanager", None) is not None else []
    found.extend(getattr(adapter, "proxy_manager", {}).values())
    return found


def pool_stats(session: requests.Session, urls: tuple[str, ...] = ()) -> dict[str, Any]:
    """Per host (``scheme://host:port``): open, idle, in use, created, requests,
    maxsize, blocked and full figures of the pools of the session's adapters
    (only the adapters that serve ``urls``, when given). Figures of one host
    reached through several adapters or proxies are added up."""
    candidates = [session.get_adapter(u) for u in urls] if urls else session.adapters.values()
    adapters: list[HTTPAdapter] = []
    for adapter in list(candidates):
        if isinstance(adapter, HTTPAdapter) and adapter not in adapters:
            adapters.append(adapter)
    hosts: dict[str, dict[str, int]] = {}
    for adapter in adapters:
        for manager in _managers(adapter):
            pools = manager.pools
            for key in pools.keys():  # noqa: SIM118 - the container cannot be iterated
                pool = pools.get(key)
                if pool is None:
                    continue
                host = f"{pool.scheme}://{pool.host}:{pool.port}"
                figures = _pool_figures(pool)
                if host in hosts:
                    for name, value in figures.items():
                        hosts[host][name] += value
                else:
                    hosts[host] = figures
    return hosts

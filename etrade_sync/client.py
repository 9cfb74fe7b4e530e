"""
etrade_sync.client
~~~~~~~~~~~~~~~~~~

This module provides :class:`Client`, the object users hold: one session, one
rate gate, one token, and the endpoint groups ``accounts``, ``market``,
``orders`` and ``alerts``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import requests

from .api.accounts import AccountsAPI
from .api.alerts import AlertsAPI
from .api.market import MarketAPI
from .api.orders import OrdersAPI
from .auth import AuthManager, TokenStore
from .cache import CacheSet
from .cache.disk import attach_persistent_tier
from .config import Settings
from .config_checks import require_configured
from .models.frames import StatsReport
from .observe.metrics import Metrics
from .orders import open_journal
from .paper import (
    GroupParts,
    MarketOnlyTransport,
    PaperBroker,
    PaperStore,
    PaperTrading,
    QuoteTap,
)
from .ratelimit import RateGate
from .transport import Transport
from .transport.breaker import CircuitBreaker
from .transport.pools import pool_stats
from .transport.session import adopt_session, build_session

if TYPE_CHECKING:
    from .health import Health

__all__ = ["Client"]


class Client:
    """A synchronous E*TRADE client.

    ::

        with etrade_sync.Client.from_env() as client:
            for account in client.accounts.list():
                print(account.account_id, client.accounts.balance(account.account_id_key))

    ``gate`` replaces the process-wide rate gate for this settings' consumer key
    (tests use it to measure one client alone). ``token_store`` replaces the store
    chosen by the settings (encrypted file by default); the saved login is loaded
    at once, so a new process just works. ``Client()`` reads the environment as
    :meth:`from_env` does, with the same check. ``clock`` returns the current time as an
    aware datetime and drives the token's lifetime rules.

    ``session`` is a ``requests.Session`` you own (your proxies, adapters, hooks,
    instrumentation): the client mounts its adapter for its API and OAuth base URLs
    only and signs each request itself, changing nothing else; :meth:`close` leaves
    it open. Several clients may share one session (and so one connection pool).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        session: requests.Session | None = None,
        gate: RateGate | None = None,
        token_store: TokenStore | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if settings is None:
            settings = Settings.from_env()
            require_configured(settings)
        self.settings = settings
        self._owns_session = session is None
        self.session = (
            build_session(self.settings)
            if session is None
            else adopt_session(session, self.settings)
        )
        self.gate = gate if gate is not None else RateGate.shared(self.settings)
        self.metrics = Metrics()
        self.cache = CacheSet(self.settings)
        attach_persistent_tier(self.cache, self.settings)  # opt-in: ETRADE_CACHE_DIR
        self.journal, self._release_journal = open_journal(self.settings)
        self.breaker = CircuitBreaker(
            self.settings.circuit_failures, self.settings.circuit_cooldown
        )
        self.auth = AuthManager(self.settings, self.session, store=token_store, now=clock)
        paper = self.settings.environment == "paper"
        self.transport = (MarketOnlyTransport if paper else Transport)(
            self.settings,
            self.session,
            self.gate,
            guard=self.auth,
            recorder=self.metrics,
            breaker=self.breaker,
        )
        self.auth.bind(self.transport)
        #: ``client.paper`` (status, history, reset, poll) when ``environment="paper"``.
        self.paper: PaperTrading | None = None
        if paper:
            self._wire_paper()
            return
        self.accounts = AccountsAPI(self)
        self.market = MarketAPI(self)
        self.orders = OrdersAPI(self)
        self.alerts = AlertsAPI(self)

    def _wire_paper(self) -> None:
        """Paper mode: market reads through the transport (and past the paper broker,
        which fills resting orders on each quote); accounts, orders and alerts wired to
        the paper broker, which holds no transport: no order can reach E*TRADE."""
        broker = PaperBroker(
            PaperStore(self.settings.paper_path),
            lambda symbols, fresh: self.market.quotes(symbols, fresh=fresh),
            commission=Decimal(str(self.settings.paper_commission)).quantize(Decimal("0.01")),
            start_cash=Decimal(str(self.settings.paper_cash)).quantize(Decimal("0.01")),
            on_change=self.cache.invalidate_account,
        )
        book = GroupParts(self.settings, broker, self.cache, self.journal)
        tap = QuoteTap(self.transport, broker)
        self.market = MarketAPI(GroupParts(self.settings, tap, self.cache, self.journal))
        self.accounts = AccountsAPI(book)
        self.orders = OrdersAPI(book)
        self.alerts = AlertsAPI(book)
        self.paper = PaperTrading(broker)

    @classmethod
    def from_env(
        cls, dotenv_path: str | os.PathLike[str] | None = None, **overrides: Any
    ) -> Client:
        """A client configured from the environment and ``.env`` (see :class:`Settings`).

        Raises one :class:`~etrade_sync.errors.ConfigurationError` naming every missing
        piece (consumer key and secret; the token key when the login is kept in the
        encrypted file) rather than a client that fails at its first call.
        ``Client(Settings(...))`` checks nothing of the kind: tests and custom token
        stores build clients without them.
        """
        settings = Settings.from_env(dotenv_path, **overrides)
        require_configured(settings)
        return cls(settings)

    def stats(self) -> dict[str, Any]:
        """Calls, errors, retries and latency p50/p95/p99 per endpoint, cache hits and
        misses, the rate gate's permits and wait times, the circuit breaker's state and
        the clock skew measured against E*TRADE's ``Date`` header and the connection
        pool per host (:meth:`pool_stats`), as plain data: a ``dict`` (a
        :class:`~etrade_sync.models.frames.StatsReport`) that notebooks show as tables."""
        return StatsReport(
            {
                "calls": self.metrics.snapshot(),
                "gate": self.gate.stats(),
                "cache": self.cache.stats(),
                "circuit": self.breaker.stats(),
                "clock_skew_s": self.transport.clock_skew,
                "pool": self.pool_stats(),
            }
        )

    def health(self) -> Health:
        """Every check of ``etrade-sync doctor`` (configuration, keys, token store, TLS,
        clock skew, rate gate, order journal) as data: ``.ok``, ``.checks`` (each with
        ``name``, ``ok``, ``detail`` and ``fix``), ``.to_dict()``. Never raises for a
        failing check; it sends one unsigned request to the API host."""
        from .health import check_health

        return check_health(
            self.settings, store=self.auth.store, journal=self.journal, session=self.session
        )

    def stats_json(self, **dumps_kwargs: Any) -> str:
        """:meth:`stats` as a JSON document (for files, dashboards, log shippers)."""
        import json

        dumps_kwargs.setdefault("indent", 2)
        return json.dumps(self.stats(), default=str, **dumps_kwargs)

    def pool_stats(self) -> dict[str, Any]:
        """Per host: connections open, idle, in use, created; requests; blocked and full
        events (see :mod:`etrade_sync.transport.pools`). With a shared session, the
        figures are those of the pool the clients share."""
        bases = (self.settings.api_base + "/", self.settings.oauth_base + "/")
        return pool_stats(self.session, bases if not self._owns_session else ())

    def close(self) -> None:
        """Close the connection pool (and drop a simulator client's private journal); a
        session passed in by the caller stays open."""
        if self._owns_session:
            self.transport.close()
        if self.cache.persistent is not None:
            self.cache.persistent.close()
        if self.paper is not None:
            self.paper.broker.store.close()
        self._release_journal()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(environment={self.settings.environment!r}, api={self.settings.api_base!r})"

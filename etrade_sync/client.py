"""
etrade_sync.client
~~~~~~~~~~~~~~~~~~

This module provides :class:`Client`, the object users hold: one session, one
rate gate, one token, and the endpoint groups ``accounts``, ``market``,
``orders`` and ``alerts``.

The endpoint groups (with their models and order builders) and the order
journal are built on first use, so a script that only reads quotes never loads
the order machinery, and building a client stays cheap.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import requests

from .auth.manager import AuthManager
from .cache import CacheSet
from .config import Settings
from .config.checks import require_configured
from .observe.metrics import Metrics
from .ratelimit import RateGate
from .transport import Transport
from .transport.breaker import CircuitBreaker
from .transport.clock import SkewWatch
from .transport.pools import pool_stats
from .transport.session import adopt_session, build_session

if TYPE_CHECKING:
    from .api.accounts import AccountsAPI
    from .api.alerts import AlertsAPI
    from .api.market import MarketAPI
    from .api.orders import OrdersAPI
    from .auth.stores import TokenStore
    from .health import Health
    from .orders.journal import JournalStore
    from .paper import PaperTrading

__all__ = ["Client"]

_UNSET: Any = object()


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
        if self.settings.cache_dir:  # opt-in: ETRADE_CACHE_DIR (loads cryptography)
            from .cache.disk import attach_persistent_tier

            attach_persistent_tier(self.cache, self.settings)
        self._lazy_lock = threading.Lock()
        self._journal: JournalStore = _UNSET
        self._release_journal: Callable[[], None] = lambda: None
        self._accounts: AccountsAPI = _UNSET
        self._market: MarketAPI = _UNSET
        self._orders: OrdersAPI = _UNSET
        self._alerts: AlertsAPI = _UNSET
        self.breaker = CircuitBreaker(
            self.settings.circuit_failures, self.settings.circuit_cooldown
        )
        # OAuth calls go through a transport of their own (same session, gate and
        # breaker, no token guard): the token manager never re-enters ``transport``.
        skew = SkewWatch()
        oauth = Transport(self.settings, self.session, self.gate, recorder=self.metrics,
                          breaker=self.breaker, skew=skew)  # fmt: skip
        self.auth = AuthManager(
            self.settings, self.session, store=token_store, now=clock, sender=oauth
        )
        paper = self.settings.environment == "paper"
        transport_class = Transport
        if paper:
            from .paper import MarketOnlyTransport

            transport_class = MarketOnlyTransport
        self.transport = transport_class(
            self.settings,
            self.session,
            self.gate,
            guard=self.auth,
            recorder=self.metrics,
            breaker=self.breaker,
            skew=skew,
        )
        #: ``client.paper`` (status, history, reset, poll) when ``environment="paper"``.
        self.paper: PaperTrading | None = None
        self._drop_paper: Callable[[], None] = lambda: None
        if paper:
            self._wire_paper()

    def _wire_paper(self) -> None:
        """Paper mode: market reads through the transport (and past the paper broker,
        which fills resting orders on each quote); accounts, orders and alerts wired to
        the paper broker, which holds no transport: no order can reach E*TRADE."""
        from .api.accounts import AccountsAPI
        from .api.alerts import AlertsAPI
        from .api.market import MarketAPI
        from .api.orders import OrdersAPI
        from .paper import GroupParts, PaperBroker, PaperStore, PaperTrading, QuoteTap

        cent = Decimal("0.01")
        path = self.settings.paper_path
        if self.settings.paper_file is None and self.settings.journal_file is None:
            from .orders.location import is_loopback

            if is_loopback(self.settings):  # the simulator: a private book, as the journal
                import shutil
                import tempfile
                from pathlib import Path

                folder = Path(tempfile.mkdtemp(prefix="etrade_sync-paper-"))
                path = folder / "paper.sqlite3"
                self._drop_paper = lambda: shutil.rmtree(folder, ignore_errors=True)
        broker = PaperBroker(
            PaperStore(path),
            lambda symbols, fresh: self.market.quotes(symbols, fresh=fresh),
            commission=Decimal(str(self.settings.paper_commission)).quantize(cent),
            start_cash=Decimal(str(self.settings.paper_cash)).quantize(cent),
            on_change=self.cache.invalidate_account,
        )
        book = GroupParts(self.settings, broker, self.cache, self.journal)
        tap = QuoteTap(self.transport, broker)
        self.market = MarketAPI(GroupParts(self.settings, tap, self.cache, self.journal))
        self.accounts = AccountsAPI(book)
        self.orders = OrdersAPI(book)
        self.alerts = AlertsAPI(book)
        self.paper = PaperTrading(broker)

    # -- built on first use ----------------------------------------------------------

    def _build(self, name: str, make: Callable[[], Any]) -> Any:
        with self._lazy_lock:
            value = getattr(self, name)
            if value is _UNSET:
                value = make()
                setattr(self, name, value)
            return value

    @property
    def journal(self) -> JournalStore:
        """The order journal (opened on first use)."""
        if self._journal is _UNSET:
            from .orders import open_journal

            def make() -> JournalStore:
                journal, self._release_journal = open_journal(self.settings)
                return journal

            self._build("_journal", make)
        return self._journal

    @journal.setter
    def journal(self, value: JournalStore) -> None:
        self._journal = value

    @property
    def accounts(self) -> AccountsAPI:
        """``client.accounts``: accounts, balances, portfolios, transactions."""
        if self._accounts is _UNSET:
            from .api.accounts import AccountsAPI

            self._build("_accounts", lambda: AccountsAPI(self))
        return self._accounts

    @accounts.setter
    def accounts(self, value: AccountsAPI) -> None:
        self._accounts = value

    @property
    def market(self) -> MarketAPI:
        """``client.market``: quotes, lookup, option chains and expirations."""
        if self._market is _UNSET:
            from .api.market import MarketAPI

            self._build("_market", lambda: MarketAPI(self))
        return self._market

    @market.setter
    def market(self, value: MarketAPI) -> None:
        self._market = value

    @property
    def orders(self) -> OrdersAPI:
        """``client.orders``: list, preview, place, change, cancel, resolve."""
        if self._orders is _UNSET:
            from .api.orders import OrdersAPI

            self._build("_orders", lambda: OrdersAPI(self))
        return self._orders

    @orders.setter
    def orders(self, value: OrdersAPI) -> None:
        self._orders = value

    @property
    def alerts(self) -> AlertsAPI:
        """``client.alerts``: list, read and delete alerts."""
        if self._alerts is _UNSET:
            from .api.alerts import AlertsAPI

            self._build("_alerts", lambda: AlertsAPI(self))
        return self._alerts

    @alerts.setter
    def alerts(self, value: AlertsAPI) -> None:
        self._alerts = value

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
        from .models.frames import StatsReport  # loads the models: not needed to build a client

        return StatsReport(
            {
                "calls": self.metrics.stats(),
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
            self._drop_paper()
        self._release_journal()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(environment={self.settings.environment!r}, api={self.settings.api_base!r})"

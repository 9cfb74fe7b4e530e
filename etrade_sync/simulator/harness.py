"""The :class:`Simulator`: a local E*TRADE-compatible HTTP server for tests and demos."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from urllib.parse import urlencode

from .accounts_api import AccountsApi
from .alerts_api import Alert, AlertsApi
from .book import Book
from .clock import SimClock
from .faults import FaultPlan
from .limits import DEFAULT_RATE_LIMITS, RateEnforcer
from .log import RequestLog
from .market_api import MarketApi
from .market_data import EquityQuote
from .oauth import OAuthService
from .orders_api import OrdersApi
from .server import App, Route, SimHTTPServer, route
from .state import Account, OrderRecord, Position
from .tokens import random_consumer_key, random_consumer_secret
from .transactions_api import TransactionsApi

__all__ = ["Simulator"]

_ACCT = r"/v1/accounts/([^/]+)"


class Simulator:
    """A local E*TRADE look-alike on ``127.0.0.1`` (use as a context manager)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
        clock: SimClock | None = None,
        enforce_rate_limits: bool = False,
        rate_limits: Mapping[str, int] | None = None,
        server_time_offset: float = 0.0,
        seed: int = 0,
        preview_ttl: float = 300.0,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.consumer_key = consumer_key or random_consumer_key()
        self.consumer_secret = consumer_secret or random_consumer_secret()
        self.clock = clock if clock is not None else SimClock()
        self.seed = seed
        self.rate_limits = dict(DEFAULT_RATE_LIMITS if rate_limits is None else rate_limits)
        self._lock = threading.RLock()
        self.log = RequestLog()
        self.faults = FaultPlan()
        self.oauth = OAuthService(
            self.consumer_key, self.consumer_secret, self.clock, self._lock, server_time_offset
        )
        self.book = Book(seed, self.clock, self._lock)
        self._accounts_api = AccountsApi(self.book)
        self._transactions_api = TransactionsApi(self.book)
        self._orders_api = OrdersApi(self.book, seed, preview_ttl)
        self._market_api = MarketApi(self.book.market)
        self._alerts_api = AlertsApi(seed, self.clock, self._lock)
        self.app = App(self.oauth, self.log, self.faults, None, self._routes())
        self.enforce_rate_limits = enforce_rate_limits
        self._server: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None

    def _routes(self) -> list[Route]:
        o, a, t = self.oauth, self._accounts_api, self._transactions_api
        d, m, al = self._orders_api, self._market_api, self._alerts_api
        return [
            route("GET POST", "/oauth/request_token", o.request_token, "none"),
            route("GET POST", "/oauth/access_token", o.access_token, "request"),
            route("GET POST", "/oauth/renew_access_token", o.renew, "access", True),
            route("GET POST", "/oauth/revoke_access_token", o.revoke, "access", True),
            route("GET", "/e/t/etws/authorize", o.authorize_page, None),
            route("GET", "/v1/accounts/list", a.list_accounts),
            route("GET", f"{_ACCT}/balance", a.balance),
            route("GET", f"{_ACCT}/portfolio", a.portfolio),
            route("GET", f"{_ACCT}/portfolio/([^/]+)", a.position_lots),
            route("GET", f"{_ACCT}/transactions", t.list_transactions),
            route("GET", f"{_ACCT}/transactions/([^/]+)", t.details),
            route("GET", f"{_ACCT}/orders", d.list_orders),
            route("POST", f"{_ACCT}/orders/preview", d.preview),
            route("POST", f"{_ACCT}/orders/place", d.place),
            route("PUT", f"{_ACCT}/orders/cancel", d.cancel),
            route("PUT", f"{_ACCT}/orders/(\\d+)/change/preview", d.change_preview),
            route("PUT", f"{_ACCT}/orders/(\\d+)/change/place", d.change_place),
            route("GET", f"{_ACCT}/orders/(\\d+)", d.get),
            route("GET", "/v1/market/quote/(.+)", m.quotes),
            route("GET", "/v1/market/lookup/(.+)", m.lookup),
            route("GET", "/v1/market/optionchains", m.option_chain),
            route("GET", "/v1/market/optionexpiredate", m.expire_dates),
            route("GET", "/v1/user/alerts", al.list_alerts),
            route("GET", "/v1/user/alerts/([^/]+)", al.details),
            route("DELETE", "/v1/user/alerts/([^/]+)", al.delete),
        ]

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Simulator:
        """Bind the socket and serve on a background daemon thread.

        A restart after :meth:`stop` binds the same port again, so clients keep working.
        """
        if self._server is not None:
            return self
        port = self._bound_port if self._bound_port is not None else self._requested_port
        server = SimHTTPServer((self.host, port), self.app)
        self._server = server
        self._bound_port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"etrade-simulator-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket and every open connection."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        server.close_open_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port (still known after :meth:`stop`)."""
        if self._bound_port is None:
            raise RuntimeError("the simulator was never started; call start() first")
        return self._bound_port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (API under ``/v1``, OAuth ``/oauth``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def authorize_url(self) -> str:
        """The login page; add ``?key=<consumer key>&token=<request token>``."""
        return f"{self.url}/e/t/etws/authorize"

    def authorize_url_for(self, request_token: str) -> str:
        """The full login-page URL for ``request_token``, properly encoded."""
        return (
            f"{self.authorize_url}?{urlencode({'key': self.consumer_key, 'token': request_token})}"
        )

    # -- settings ------------------------------------------------------------------------

    @property
    def enforce_rate_limits(self) -> bool:
        return self.app.enforcer is not None

    @enforce_rate_limits.setter
    def enforce_rate_limits(self, value: bool) -> None:
        self.app.enforcer = RateEnforcer(self.rate_limits) if value else None

    @property
    def server_time_offset(self) -> float:
        return self.oauth.server_time_offset

    @server_time_offset.setter
    def server_time_offset(self, value: float) -> None:
        self.oauth.server_time_offset = float(value)

    @property
    def preview_ttl(self) -> float:
        return self._orders_api.preview_ttl

    @preview_ttl.setter
    def preview_ttl(self, value: float) -> None:
        self._orders_api.preview_ttl = float(value)

    @property
    def invalid_symbols(self) -> set[str]:
        """Symbols answered as invalid (a live, mutable set)."""
        return self.book.market.invalid_symbols

    @invalid_symbols.setter
    def invalid_symbols(self, value: set[str]) -> None:
        self.book.market.invalid_symbols = {s.upper() for s in value}

    # -- tokens --------------------------------------------------------------------------

    def issue_access_token(self) -> tuple[str, str]:
        """A fresh ACTIVE access token and secret, skipping the login dance."""
        with self._lock:
            at = self.oauth.tokens.new_access_token(self.consumer_key, self.clock.now())
            return at.token, at.secret

    def approve(self, request_token: str) -> str:
        """Approve a request token as the login page would; returns the verifier."""
        return self.oauth.approve(request_token)

    def token_state(self, token: str) -> str:
        """ "ACTIVE", "INACTIVE", "EXPIRED", "REVOKED" or "UNKNOWN"."""
        with self._lock:
            return self.oauth.tokens.state(token, self.clock.now())

    def token_expires_at(self, token: str) -> datetime:
        """When the access token expires (midnight America/New_York), as aware UTC."""
        with self._lock:
            at = self.oauth.tokens.access_tokens[token]
            return datetime.fromtimestamp(at.expires_at, self.clock.now_dt().tzinfo)

    @property
    def renew_count(self) -> int:
        with self._lock:
            return self.oauth.tokens.renew_count

    # -- state inspection ----------------------------------------------------------------

    @property
    def accounts(self) -> list[Account]:
        """Copies of the account records (``account_id``, ``account_id_key``, ``cash``...)."""
        with self._lock:
            return copy.deepcopy(self.book.accounts)

    def account(self, account_id_key: str) -> Account:
        with self._lock:
            return copy.deepcopy(self._account(account_id_key))

    def _account(self, account_id_key: str) -> Account:
        for account in self.book.accounts:
            if account.account_id_key == account_id_key:
                return account
        raise KeyError(account_id_key)

    def orders(self, account_id_key: str) -> list[OrderRecord]:
        """Copies of the orders in an account, oldest first, with ``client_order_id``."""
        with self._lock:
            return copy.deepcopy(self._account(account_id_key).orders)

    def positions(self, account_id_key: str) -> list[Position]:
        with self._lock:
            return copy.deepcopy(self._account(account_id_key).positions)

    def position_quantity(self, account_id_key: str, symbol: str) -> Decimal:
        """Shares (or contracts) held of ``symbol``; 0 when there is no position."""
        with self._lock:
            position = self._account(account_id_key).position_for(symbol.upper())
            return position.quantity if position else Decimal(0)

    def cash(self, account_id_key: str) -> Decimal:
        with self._lock:
            return self._account(account_id_key).cash

    @property
    def alerts(self) -> list[Alert]:
        with self._lock:
            return copy.deepcopy(self._alerts_api.alerts)

    def quote(self, symbol: str) -> EquityQuote:
        """The simulator's current quote for an equity symbol."""
        return self.book.market.quote(symbol.upper())

    def set_price(self, symbol: str, price: float | Decimal | str) -> int:
        """Move a symbol's last price; OPEN orders that become marketable fill. Returns fills."""
        self.book.market.set_price(symbol, price)
        return self._orders_api.match_open_orders()

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<Simulator {where} seed={self.seed}>"

"""
etrade_sync.paper.broker
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`PaperBroker`, the local broker a paper client's
accounts, orders and alerts groups send their calls to. It answers the same calls
E*TRADE would (``call_json``), in E*TRADE's JSON, from the paper book on disk
(:class:`~etrade_sync.paper.store.PaperStore`), and fills orders against the live
quotes the client reads from the market.

It holds no transport and no session: whatever a paper order does, it never leaves
the machine. Resting orders are checked whenever the book is read (order list,
balance, portfolio) and whenever quotes for their symbols arrive
(:meth:`PaperBroker.on_quotes`), and fill at the time and price of that quote.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..errors import DuplicateOrderError, NotFoundError, OrderError, ValidationError
from ..models.market import Quote
from ..transport import Call
from . import views
from .ledger import execute, expire_day_orders
from .rules import Ticket, fill_price, parse_ticket, refuse, triggered
from .store import PaperAccount, PaperOrder, PaperStore

__all__ = ["PaperBroker", "QuoteSource"]

#: ``symbols, fresh -> symbol -> Quote`` (the client's ``market.quotes``).
QuoteSource = Callable[[list[str], bool], Mapping[str, Quote]]

_CENT = Decimal("0.01")
_KEY = r"(?P<key>[A-Za-z0-9_-]+)"


class PaperBroker:
    """The paper book behind ``client.accounts``, ``client.orders`` and ``client.alerts``
    of a paper client."""

    def __init__(
        self,
        store: PaperStore,
        quotes: QuoteSource,
        *,
        commission: Decimal = Decimal("0"),
        start_cash: Decimal = Decimal("100000"),
        on_change: Callable[[str], None] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._quotes = quotes
        self.commission = commission
        self._on_change = on_change or (lambda key: None)
        self._now = now
        self._lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", re.compile(r"/v1/accounts/list"), self._accounts),
            ("GET", re.compile(rf"/v1/accounts/{_KEY}/balance"), self._balance),
            ("GET", re.compile(rf"/v1/accounts/{_KEY}/portfolio"), self._portfolio),
            ("GET", re.compile(rf"/v1/accounts/{_KEY}/transactions"), self._transactions),
            ("GET", re.compile(rf"/v1/accounts/{_KEY}/orders"), self._orders),
            ("GET", re.compile(rf"/v1/accounts/{_KEY}/orders/(?P<oid>\d+)"), self._order),
            ("POST", re.compile(rf"/v1/accounts/{_KEY}/orders/preview"), self._preview),
            ("POST", re.compile(rf"/v1/accounts/{_KEY}/orders/place"), self._place),
            (
                "PUT",
                re.compile(rf"/v1/accounts/{_KEY}/orders/(?P<oid>\d+)/change/preview"),
                self._preview,
            ),
            (
                "PUT",
                re.compile(rf"/v1/accounts/{_KEY}/orders/(?P<oid>\d+)/change/place"),
                self._place,
            ),
            ("PUT", re.compile(rf"/v1/accounts/{_KEY}/orders/cancel"), self._cancel),
            ("GET", re.compile(r"/v1/user/alerts"), self._alerts),
        ]
        with store.transaction():  # one process opens a new book, never two
            if not store.accounts():
                store.reset(start_cash, accounts=1, now_ms=self.now_ms())

    def now_ms(self) -> int:
        return int(self._now() * 1000)

    # -- the requestor ---------------------------------------------------------------

    def call_json(self, call: Call) -> Any:
        """Answer ``call`` from the paper book, as E*TRADE would answer it."""
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(call.path)
            if match is not None and method == call.method:
                with self._lock:
                    return handler(call, **match.groupdict())
        if call.path.startswith("/v1/user/alerts"):
            raise NotFoundError(
                "paper trading keeps no alerts", status=404, method=call.method, path=call.path
            )
        raise refuse(f"{call.method} {call.name} is not available in paper mode", call.path)

    # -- quotes ----------------------------------------------------------------------

    def on_quotes(self, quotes: Mapping[str, Quote]) -> int:
        """Quotes just arrived: fill the resting orders they make marketable."""
        with self._lock:
            filled = 0
            self.expire()
            for order in self.store.orders(status="OPEN"):
                quote = quotes.get(order.symbol)
                if quote is not None and self._try_fill(order, quote):
                    filled += 1
            return filled

    def check(self, key: str | None = None) -> int:
        """Read quotes for the symbols of resting orders (cached ones count) and fill."""
        self.expire()
        symbols = sorted({o.symbol for o in self.store.orders(key, status="OPEN")})
        if not symbols:
            return 0
        before = len(self.store.fills(key))
        self.on_quotes(self._quotes(symbols, False))  # the tap may fill them first
        return len(self.store.fills(key)) - before

    def expire(self) -> int:
        """Mark GOOD_FOR_DAY orders past their day's close EXPIRED; return how many."""
        return expire_day_orders(self.store, self.now_ms(), self._on_change)

    def _quote(self, symbol: str, path: str | None = None) -> Quote:
        got = self._quotes([symbol], True).get(symbol)
        if got is None:
            raise refuse(f"no quote for {symbol}", path)
        return got

    # -- fills -------------------------------------------------------------------------

    def _try_fill(self, order: PaperOrder, quote: Quote) -> bool:
        with self.store.transaction():
            current = self.store.order(order.order_id)
            if current is None or current.status != "OPEN":
                return False
            hit = current.triggered
            if current.stop_price is not None and not hit:
                hit = triggered(
                    current.action, current.stop_price, quote.last, quote.bid, quote.ask
                )
                if hit:
                    self.store.update_order(current.order_id, triggered=1)
            price = fill_price(
                current.action,
                current.price_type,
                current.limit_price,
                is_triggered=hit,
                bid=quote.bid,
                ask=quote.ask,
            )
            if price is None:
                return False
            at_ms = int(quote.as_of.timestamp() * 1000) if quote.as_of else self.now_ms()
            execute(self.store, current, price, at_ms, self.commission)
        self._on_change(order.account_key)
        return True

    # -- accounts ----------------------------------------------------------------------

    def _account(self, key: str, path: str | None = None) -> PaperAccount:
        account = self.store.account(key)
        if account is None:
            raise OrderError(
                f"Invalid account key {key} (paper accounts: "
                f"{', '.join(a.key for a in self.store.accounts())})",
                status=400,
                code=100,
                path=path,
            )
        return account

    def _accounts(self, call: Call) -> Any:
        rows = [views.account_row(a) for a in self.store.accounts()]
        return {"AccountListResponse": {"Accounts": {"Account": rows}}}

    def _balance(self, call: Call, key: str) -> Any:
        self._account(key, call.path)
        self.check(key)
        account = self._account(key)
        positions = self.store.positions(key)
        marks = self._marks(positions)
        value = sum((q * marks.get(s, c / q) for s, (q, c, _) in positions.items()), Decimal(0))
        return views.balance_body(account, value, self._reserved(key), self.now_ms())

    def _portfolio(self, call: Call, key: str) -> Any:
        self._account(key, call.path)
        self.check(key)
        positions = self.store.positions(key)
        return views.portfolio_body(self._account(key), positions, self._marks(positions))

    def _marks(self, positions: Mapping[str, Any]) -> dict[str, Decimal]:
        if not positions:
            return {}
        quotes = self._quotes(sorted(positions), False)
        return {s: q.last for s, q in quotes.items() if q.last is not None}

    def _reserved(self, key: str, *, skip: int | None = None) -> Decimal:
        total = Decimal(0)
        for o in self.store.orders(key, status="OPEN"):
            if o.action == "BUY" and o.order_id != skip:
                total += (
                    o.quantity * (o.limit_price or o.stop_price or Decimal(0)) + self.commission
                )
        return total

    def _transactions(self, call: Call, key: str) -> Any:
        account = self._account(key, call.path)
        fills = list(reversed(self.store.fills(key)))
        if not fills:
            return None
        rows = [views.transaction_row(account, f) for f in fills]
        return {"TransactionListResponse": {"Transaction": rows, "totalCount": len(rows)}}

    def _alerts(self, call: Call) -> Any:
        return {"AlertsResponse": {"totalAlerts": 0, "Alert": []}}

    # -- orders ------------------------------------------------------------------------

    def _orders(self, call: Call, key: str) -> Any:
        self._account(key, call.path)
        self.check(key)
        params = call.params or {}
        wanted = set(str(params.get("symbol", "")).split(",")) - {""}
        rows = [
            views.order_row(o)
            for o in self.store.orders(key, status=params.get("status"))
            if not wanted or o.symbol in wanted
        ]
        return {"OrdersResponse": {"Order": rows}} if rows else None

    def _order(self, call: Call, key: str, oid: str) -> Any:
        self._account(key, call.path)
        self.check(key)
        order = self.store.order(int(oid))
        if order is None or order.account_key != key:
            raise NotFoundError(f"no paper order {oid}", status=404, method="GET", path=call.path)
        return {"OrdersResponse": {"Order": [views.order_row(order)]}}

    def _preview(self, call: Call, key: str, oid: str | None = None) -> Any:
        account = self._account(key, call.path)
        body = dict((call.json or {}).get("PreviewOrderRequest") or {})
        ticket = parse_ticket(body)
        target = self._open_target(key, oid, ticket, call.path) if oid else None
        quote = self._quote(ticket.symbol, call.path)
        commission, total = self._afford(account, ticket, quote, target, call.path)
        preview_id = self.store.add_preview(key, _canonical(body), target, self.now_ms())
        return views.preview_body(account, body, preview_id, commission, total, self.now_ms())

    def _afford(
        self, account: PaperAccount, ticket: Ticket, quote: Quote, target: int | None, path: str
    ) -> tuple[Decimal, Decimal]:
        side = quote.ask if ticket.action == "BUY" else quote.bid
        price = ticket.limit_price or ticket.stop_price or side or quote.last or Decimal(0)
        if ticket.action == "BUY":
            total = ticket.quantity * price + self.commission
            free = account.cash - self._reserved(account.key, skip=target)
            if total > free:
                raise refuse(
                    f"insufficient cash: this order needs about {total}, "
                    f"{free} is available (margin is off)",
                    path,
                )
            return self.commission, total
        held = self.store.positions(account.key).get(ticket.symbol, (Decimal(0),))[0]
        selling = sum(
            (
                o.quantity
                for o in self.store.orders(account.key, status="OPEN")
                if o.symbol == ticket.symbol and o.action == "SELL" and o.order_id != target
            ),
            Decimal(0),
        )
        if ticket.quantity > held - selling:
            raise refuse(
                f"not enough {ticket.symbol} shares to sell: {held - selling} free "
                f"(short sales need margin, which is off)",
                path,
            )
        return self.commission, ticket.quantity * price - self.commission

    def _open_target(self, key: str, oid: str, ticket: Ticket, path: str) -> int:
        order = self.store.order(int(oid))
        if order is None or order.account_key != key or order.status != "OPEN":
            raise OrderError(f"order {oid} is not open", status=400, code=1037, path=path)
        if order.symbol != ticket.symbol or order.action != ticket.action:
            raise refuse("a change keeps the symbol and the action of the order", path)
        return order.order_id

    def _place(self, call: Call, key: str, oid: str | None = None) -> Any:
        account = self._account(key, call.path)
        body = dict((call.json or {}).get("PlaceOrderRequest") or {})
        ids = [e.get("previewId") for e in body.pop("PreviewIds", []) if isinstance(e, Mapping)]
        ticket = parse_ticket(body)
        stale = OrderError(
            "the preview is unknown, used, for another order or does not match the order",
            status=400,
            code=101,
            path=call.path,
        )
        if len(ids) != 1 or not str(ids[0]).isdigit():
            raise stale
        quote = self._quote(ticket.symbol, call.path)
        with self.store.transaction():
            row = self.store.preview(int(str(ids[0])))
            target = int(oid) if oid else None
            if (
                row is None
                or row["used"]
                or row["account_key"] != key
                or row["order_id"] != target
                or row["body"] != _canonical(body)
            ):
                raise stale
            if target is None and any(
                o.client_order_id == ticket.client_order_id for o in self.store.orders(key)
            ):
                raise DuplicateOrderError(
                    f"clientOrderId {ticket.client_order_id} is already used in this paper account",
                    status=400,
                    code=1049,
                    path=call.path,
                )
            if target is not None:
                self._open_target(key, str(target), ticket, call.path)
            self.store.use_preview(int(str(ids[0])))
            now = self.now_ms()
            order_id = self.store.add_order(
                {
                    "account_key": key,
                    "client_order_id": ticket.client_order_id,
                    "symbol": ticket.symbol,
                    "action": ticket.action,
                    "quantity": ticket.quantity,
                    "price_type": ticket.price_type,
                    "limit_price": ticket.limit_price,
                    "stop_price": ticket.stop_price,
                    "term": ticket.term,
                    "session": ticket.session,
                    "status": "OPEN",
                    "placed_ms": now,
                    "replaces": target,
                }
            )
            if target is not None:
                self.store.update_order(target, status="CANCELLED", replaced_by=order_id)
        placed = self.store.order(order_id)
        assert placed is not None
        self._try_fill(placed, quote)
        self._on_change(key)
        return views.place_body(
            account,
            body,
            order_id,
            self.commission,
            ticket.quantity * (ticket.limit_price or quote.ask or 0),
            now,
        )

    def _cancel(self, call: Call, key: str) -> Any:
        self._account(key, call.path)
        oid = int(str(((call.json or {}).get("CancelOrderRequest") or {}).get("orderId", 0)))
        with self.store.transaction():
            order = self.store.order(oid)
            if order is None or order.account_key != key:
                raise OrderError(f"no paper order {oid}", status=400, code=5001, path=call.path)
            if order.status != "OPEN":
                raise OrderError(
                    f"order {oid} is {order.status} and cannot be cancelled",
                    status=400,
                    code=5001,
                    path=call.path,
                )
            self.store.update_order(oid, status="CANCELLED", executed_ms=self.now_ms())
        self._on_change(key)
        account = self._account(key)
        return {
            "CancelOrderResponse": {
                "accountId": account.account_id,
                "orderId": oid,
                "cancelTime": self.now_ms(),
                "Messages": {
                    "Message": [
                        {
                            "code": 5011,
                            "type": "WARNING",
                            "description": "Your paper order was cancelled.",
                        }
                    ]
                },
            }
        }

    # -- CLI and notebooks -------------------------------------------------------------

    def reset(self, cash: Decimal, *, accounts: int = 1) -> None:
        """Drop the paper book and open ``accounts`` accounts with ``cash`` each."""
        if cash < 0 or accounts < 1:
            raise ValidationError("cash must be >= 0 and accounts >= 1", field="cash")
        self.store.reset(cash, accounts=accounts, now_ms=self.now_ms())


def _canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, default=str)

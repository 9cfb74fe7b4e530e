"""
etrade_sync.orders.submit
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`OrderSender`, the one owner of the order sequence
for place, change-place and cancel:

1. journal the intent (atomic check-and-insert: a repeat of a pending, unknown
   or done intent is refused locally with
   :class:`~etrade_sync.errors.OrderIntentExistsError`, before any request);
2. send it once (the transport never repeats an unsafe call and never follows a
   redirect);
3. parse the answer once, with :func:`~etrade_sync.models.orders.order_ids_from`;
4. record the outcome and drop the account's cached balance and portfolio;
5. raise :class:`~etrade_sync.errors.OrderOutcomeUnknownError` -- from here and
   nowhere else -- when the request may have reached E*TRADE without a definite
   answer: a network failure after sending, a 5xx, a 3xx, an undecodable success,
   a success without an order id, or E*TRADE's "clientOrderId already used"
   (evidence that an order exists, never that it does not).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import (
    APIError,
    DuplicateOrderError,
    ETradeError,
    JournalError,
    NetworkError,
    OrderError,
    OrderOutcomeUnknownError,
    RedirectError,
    ServerError,
)
from ..models.orders import CancelResult, PlacedOrder, order_ids_from
from ..transport import Call
from .journal import Evidence, JournalEntry, JournalStore, Status

__all__ = ["OrderCall", "OrderSender", "intent_key", "outcome_unknown"]


class _Transport(Protocol):
    def call_json(self, call: Call) -> Any: ...


@dataclass(frozen=True)
class OrderCall:
    """One order mutation to send: ``operation`` is ``place``, ``change`` or ``cancel``."""

    operation: str
    method: str
    path: str
    body: Mapping[str, Any]
    account_id_key: str
    client_order_id: str | None = None
    target_order_id: int | None = None

    @property
    def name(self) -> str:
        return {"place": "orders.place", "change": "orders.place_change"}.get(
            self.operation, "orders.cancel"
        )


def intent_key(operation: str, client_order_id: str | None, target_order_id: int | None) -> str:
    """The journal key of an intent within its account."""
    if operation == "cancel":
        return f"cancel:{target_order_id}"
    if operation == "change":
        return f"change:{target_order_id}:{client_order_id}"
    return f"place:{client_order_id}"


def outcome_unknown(
    operation: str,
    why: str,
    *,
    account_id_key: str | None,
    client_order_id: str | None,
    order_id: int | None,
) -> OrderOutcomeUnknownError:
    """The error for an order call whose outcome is open (also used by resolve)."""
    name = {"place": "orders.place", "change": "orders.place_change"}.get(operation, operation)
    if operation in ("cancel", "orders.cancel"):
        name = "orders.cancel"
        done = "cancelled"
        how = f"client.orders.resolve_cancel(account_id_key, {order_id})"
    else:
        done = "changed" if operation == "change" else "placed"
        how = f"client.orders.resolve(account_id_key, {client_order_id!r})"
    return OrderOutcomeUnknownError(
        f"{name}: no definite answer from E*TRADE ({why}); the order may or may not have "
        f"been {done}. Do not resend it: call {how} (or `etrade-sync resolve`) to find out.",
        operation=name,
        account_id_key=account_id_key,
        client_order_id=client_order_id,
        order_id=order_id,
    )


class OrderSender:
    """Journal, send once, parse once, record, invalidate; the one place that raises
    OrderOutcomeUnknownError for a send."""

    def __init__(
        self,
        transport: _Transport,
        journal: JournalStore,
        invalidate: Callable[[str], None],
        *,
        category: str = "orders",
    ) -> None:
        self.transport = transport
        self.journal = journal
        self.invalidate = invalidate
        self.category = category

    def place(self, order: OrderCall) -> PlacedOrder:
        """Place or change-place ``order``; return E*TRADE's answer as a PlacedOrder."""
        entry, data = self._send(order)
        placed = PlacedOrder.from_api(
            data if isinstance(data, Mapping) else {},
            account_id_key=order.account_id_key,
            client_order_id=order.client_order_id or "",
            replaced_order_id=order.target_order_id,
        )
        ids = order_ids_from(data)
        if not ids:
            error = self._unknown(order, "E*TRADE answered without an order id")
            self._record(entry, Status.UNKNOWN, error=str(error))
            raise error
        self._record(entry, Status.DONE, order_id=ids[0], evidence=Evidence.ANSWER)
        return placed

    def cancel(self, order: OrderCall) -> CancelResult:
        """Cancel ``order.target_order_id``; return E*TRADE's answer."""
        entry, data = self._send(order)
        oid = order.target_order_id or 0
        self._record(entry, Status.DONE, order_id=oid, evidence=Evidence.ANSWER)
        return CancelResult.from_api(data if isinstance(data, Mapping) else {}, order_id=oid)

    # -- steps ---------------------------------------------------------------------

    def _send(self, order: OrderCall) -> tuple[JournalEntry, Any]:
        key = intent_key(order.operation, order.client_order_id, order.target_order_id)
        try:
            entry = self.journal.begin(
                order.operation,
                order.account_id_key,
                key,
                order.body,
                client_order_id=order.client_order_id,
                target_order_id=order.target_order_id,
            )
        except (OSError, sqlite3.Error) as exc:
            where = getattr(self.journal, "path", "the order journal")
            raise JournalError(
                f"{order.name} NOT sent: the order journal {where} cannot be written "
                f"({type(exc).__name__}: {exc}); fix it or set ETRADE_JOURNAL_FILE"
            ) from exc
        call = Call(
            order.method,
            order.path,
            name=order.name,
            category=self.category,
            safe=False,
            json=dict(order.body),
        )
        try:
            data = self.transport.call_json(call)
        except NetworkError as exc:
            if not exc.sent:
                self._record(entry, Status.REJECTED, error=f"never sent: {exc}")
                raise
            raise self._open(entry, order, str(exc)) from exc
        except (ServerError, RedirectError) as exc:
            raise self._open(entry, order, str(exc)) from exc
        except DuplicateOrderError as exc:
            # E*TRADE says an order with this clientOrderId exists: evidence it was
            # placed (by an earlier send), never that it was not.
            error = self._unknown(order, f"E*TRADE says the clientOrderId is already used: {exc}")
            self._record(entry, Status.UNKNOWN, evidence=Evidence.DUPLICATE, error=str(exc))
            raise error from exc
        except APIError as exc:
            if exc.status < 300 and not isinstance(exc, OrderError):
                raise self._open(entry, order, f"undecodable answer: {exc}") from exc
            self._record(entry, Status.REJECTED, error=f"{type(exc).__name__}: {exc}")
            raise
        except ETradeError as exc:
            # refused locally before sending (rate gate, circuit breaker, login)
            self._record(entry, Status.REJECTED, error=f"not sent: {type(exc).__name__}: {exc}")
            raise
        except BaseException as exc:
            self._record(entry, Status.UNKNOWN, error=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            self.invalidate(order.account_id_key)
        return entry, data

    def _open(self, entry: JournalEntry, order: OrderCall, why: str) -> OrderOutcomeUnknownError:
        error = self._unknown(order, why)
        self._record(entry, Status.UNKNOWN, error=why)
        return error

    @staticmethod
    def _unknown(order: OrderCall, why: str) -> OrderOutcomeUnknownError:
        return outcome_unknown(
            order.operation,
            why,
            account_id_key=order.account_id_key,
            client_order_id=order.client_order_id,
            order_id=order.target_order_id,
        )

    def _record(
        self,
        entry: JournalEntry,
        status: str,
        *,
        order_id: int | None = None,
        evidence: str | None = None,
        error: str | None = None,
    ) -> None:
        self.journal.record(entry.id, status, order_id=order_id, evidence=evidence, error=error)

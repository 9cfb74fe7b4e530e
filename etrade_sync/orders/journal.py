"""
etrade_sync.orders.journal
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the order journal: one *intent* per order call, written
before the call is sent, with the history of what became of it.

An intent is identified by its :class:`Scope` (API host, environment, account)
and its ``intent_key``: ``place:<clientOrderId>``, ``change:<orderId>:<clientOrderId>``
or ``cancel:<orderId>``. :meth:`JournalStore.begin` checks and inserts in one
transaction under a unique constraint on (api_host, environment, account_id_key,
intent_key), so of N threads or processes starting the same intent exactly one
gets to send it; the others get :class:`~etrade_sync.errors.OrderIntentExistsError`
naming the status they found. An intent that was refused by E*TRADE or proven not
placed may be begun again (its history keeps the earlier attempts).

The interface every store implements (:class:`JournalStore`)::

    begin(operation, account_id_key, intent_key, body, *, client_order_id=None,
          target_order_id=None) -> JournalEntry        # atomic check-and-insert
    record(entry_id, status, *, order_id=None, evidence=None, error=None) -> None
    get(entry_id) -> JournalEntry | None
    find(account_id_key, client_order_id) -> JournalEntry | None   # place/change
    find_key(account_id_key, intent_key) -> JournalEntry | None
    history(entry_id) -> list[JournalEvent]
    intents(account_id_key, *, since) -> list[JournalEntry]
    proven_order_ids(account_id_key) -> dict[int, int]  # orderId -> entry id
    entries(*, account_id_key=None, status=None, limit=50) -> list[JournalEntry]
    unresolved() -> list[JournalEntry]

Statuses: ``pending`` (written, being sent), ``unknown`` (sent, no definite
answer), ``done`` (placed, changed or cancelled), ``rejected`` (E*TRADE refused
it: nothing happened), ``not_placed`` (proven by the order list not to have
happened). ``evidence`` says how a ``done`` is known: ``answer`` (E*TRADE's
answer named the order id), ``order_list`` (matched in the order list) or
``duplicate`` (E*TRADE refused a repeat because the clientOrderId was used).

:class:`~etrade_sync.orders.sqlite_journal.SQLiteJournal` is the SQLite store (one
host); :class:`~etrade_sync.orders.postgres_journal.PostgresJournal` implements the
same interface with the same tables in PostgreSQL (every host, ``ETRADE_JOURNAL_URL``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..errors import OrderIntentExistsError

__all__ = [
    "JournalEntry",
    "JournalEvent",
    "JournalStore",
    "Scope",
    "Status",
    "intent_exists",
]


class Status:
    """Journal states of an order intent."""

    PENDING = "pending"  #: written, being sent
    DONE = "done"  #: E*TRADE confirmed it (placed, changed or cancelled)
    REJECTED = "rejected"  #: E*TRADE refused it: nothing happened
    UNKNOWN = "unknown"  #: sent, no definite answer: resolve before resending
    NOT_PLACED = "not_placed"  #: resolved: proven not to have happened

    OPEN = frozenset({PENDING, UNKNOWN})
    #: States in which the same intent is refused locally.
    BLOCKING = frozenset({PENDING, UNKNOWN, DONE})
    #: States from which the same intent may be begun again.
    REOPENABLE = frozenset({REJECTED, NOT_PLACED})


class Evidence:
    """How a status is known."""

    ANSWER = "answer"
    ORDER_LIST = "order_list"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Scope:
    """Where intents live: the API host (scheme, host, port), environment and nothing
    else; intents of different hosts or environments never meet."""

    api_host: str
    environment: str


@dataclass(frozen=True)
class JournalEntry:
    """One intent and its current state."""

    id: int
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    api_host: str
    environment: str
    account_id_key: str
    operation: str
    intent_key: str
    client_order_id: str | None
    target_order_id: int | None
    order_id: int | None
    status: str
    evidence: str | None
    body: Mapping[str, Any]
    error: str | None
    attempts: int
    host: str
    pid: int

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for name in ("created_at", "updated_at", "sent_at"):
            value = out[name]
            out[name] = value.isoformat() if value is not None else None
        out["body"] = dict(self.body)
        return out


@dataclass(frozen=True)
class JournalEvent:
    """One step of an intent's status history."""

    at: datetime
    status: str
    order_id: int | None
    evidence: str | None
    detail: str | None


class JournalStore(Protocol):
    """The journal interface (SQLite here; a PostgreSQL store implements the same)."""

    scope: Scope

    def begin(
        self,
        operation: str,
        account_id_key: str,
        intent_key: str,
        body: Mapping[str, Any],
        *,
        client_order_id: str | None = None,
        target_order_id: int | None = None,
    ) -> JournalEntry: ...

    def record(
        self,
        entry_id: int,
        status: str,
        *,
        order_id: int | None = None,
        evidence: str | None = None,
        error: str | None = None,
    ) -> None: ...

    def get(self, entry_id: int) -> JournalEntry | None: ...

    def find(self, account_id_key: str, client_order_id: str) -> JournalEntry | None: ...

    def find_key(self, account_id_key: str, intent_key: str) -> JournalEntry | None: ...

    def history(self, entry_id: int) -> list[JournalEvent]: ...

    def intents(self, account_id_key: str, *, since: datetime) -> list[JournalEntry]: ...

    def proven_order_ids(self, account_id_key: str) -> dict[int, int]: ...

    def entries(
        self, *, account_id_key: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[JournalEntry]: ...

    def unresolved(self) -> list[JournalEntry]: ...


def _command(operation: str, client_order_id: str | None, order_id: int | None) -> str:
    if operation == "cancel":
        return f"etrade-sync resolve ACCOUNT --cancel {order_id}"
    return f"etrade-sync resolve ACCOUNT {client_order_id}"


def intent_exists(entry: JournalEntry) -> OrderIntentExistsError:
    """The local refusal of a repeat of ``entry``: names its status and the command."""
    what = entry.operation
    ident = (
        f"order {entry.target_order_id}"
        if what == "cancel"
        else f"clientOrderId {entry.client_order_id!r}"
    )
    command = _command(what, entry.client_order_id, entry.target_order_id)
    meaning = {
        Status.PENDING: (
            "is being sent right now, or its sender stopped before recording the answer"
        ),
        Status.UNKNOWN: "was sent without a definite answer",
        Status.DONE: f"was already done (order {entry.order_id})",
    }.get(entry.status, entry.status)
    return OrderIntentExistsError(
        f"{what} of {ident} NOT sent: the order journal already holds it with status "
        f"{entry.status!r} (it {meaning}). Run `{command}` to see what became of it; a "
        f"new order needs a new clientOrderId (preview it again).",
        operation=what,
        status=entry.status,
        account_id_key=entry.account_id_key,
        client_order_id=entry.client_order_id,
        order_id=entry.order_id if entry.order_id is not None else entry.target_order_id,
        command=command,
    )

"""
etrade_sync.orders.resolve
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`Resolver`, behind ``client.orders.resolve()`` and
``client.orders.resolve_cancel()``: after an
:class:`~etrade_sync.errors.OrderOutcomeUnknownError`, it finds out what
happened, from the order journal and E*TRADE's order list. It has three answers
and never guesses:

- **placed**: the order (a :class:`~etrade_sync.models.PlacedOrder`; for a cancel,
  the cancelled :class:`~etrade_sync.models.Order`);
- **not placed** (``None``): only when proven, by E*TRADE's refusal, or by an order
  list read at least ``order_settle_time`` seconds after the last send that holds
  no order matching the intent;
- **still unknown**: :class:`~etrade_sync.errors.OrderOutcomeUnknownError` again,
  saying what it saw.

E*TRADE does not echo ``clientOrderId`` in its order list, so an intent is
matched on what it sent: price type, prices, and per leg the symbol, call/put,
strike, expiry, side and quantity, placed no earlier than the intent (and, when the
list links replacements to originals, a change only to the replacement of its own
target, a place only to an order that replaced nothing). An order is
taken away from an intent only when E*TRADE's own answer to another intent named
its id, or when another intent was matched to it before this intent was written (it
existed before this intent; journal times, so hosts sharing a journal need synchronized
clocks). When several journal intents share the same terms, matching orders are
paired with them in sending order only if their sends could not overlap;
otherwise the answer stays unknown.
"""

from __future__ import annotations

import builtins
import datetime as dt
import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from .._tz import EASTERN
from ..errors import ValidationError
from ..models.base import as_list, to_decimal, to_int
from ..models.orders import Order, PlacedOrder
from .journal import Evidence, JournalEntry, JournalStore, Status
from .submit import outcome_unknown

__all__ = ["OrderReader", "Resolver", "order_signature"]

log = logging.getLogger("etrade_sync")

#: How far before the intent an order's placed time may be (clock differences).
CLOCK_SLACK = dt.timedelta(minutes=2)
#: Order states after which a cancel can no longer happen.
_ENDED = frozenset({"EXECUTED", "EXPIRED", "REJECTED"})

Leg = tuple[str, str, Decimal | None, str | None, Decimal | None, str | None]
Signature = tuple[str | None, Decimal | None, Decimal | None, tuple[Leg, ...]]


class OrderReader(Protocol):
    """The reads the resolver needs (``client.orders`` provides them)."""

    def list(
        self,
        account_id_key: str,
        *,
        from_date: dt.date | None = None,
        to_date: dt.date | None = None,
    ) -> builtins.list[Order]: ...

    def get(self, account_id_key: str, order_id: int) -> Order: ...


def _expiry(product: Mapping[str, Any]) -> str | None:
    parts = [to_int(product.get(k)) for k in ("expiryYear", "expiryMonth", "expiryDay")]
    # equity products may carry zeros there
    return "{}-{}-{}".format(*parts) if all(parts) else None


def _leg(product: Mapping[str, Any], action: Any, quantity: Any) -> Leg:
    return (
        str(product.get("symbol") or "").upper(),
        str(action or "").upper(),
        to_decimal(quantity),
        str(product.get("callPut") or "").upper() or None,
        to_decimal(product.get("strikePrice")) or None,
        _expiry(product),
    )


def order_signature(body: Mapping[str, Any]) -> Signature:
    """What identifies an order request: price type, prices and legs."""
    request = body.get("PlaceOrderRequest", body)
    orders = as_list(request.get("Order")) if isinstance(request, Mapping) else []
    first = orders[0] if orders and isinstance(orders[0], Mapping) else {}
    legs = [
        _leg(i.get("Product") or {}, i.get("orderAction"), i.get("quantity"))
        for i in as_list(first.get("Instrument"))
        if isinstance(i, Mapping)
    ]
    return (
        str(first.get("priceType") or "").upper() or None,
        to_decimal(first.get("limitPrice")) or None,
        to_decimal(first.get("stopPrice")) or None,
        tuple(sorted(legs, key=repr)),
    )


def _signature_of(order: Order) -> Signature | None:
    if not order.details:
        return None
    detail = order.details[0]
    legs = [_leg(i.product.raw, i.action, i.quantity) for i in detail.instruments]
    return (
        (detail.price_type or "").upper() or None,
        detail.limit_price or None,
        detail.stop_price or None,
        tuple(sorted(legs, key=repr)),
    )


def _replaces(order: Order) -> int | None:
    """The order a replacement replaced, when the order list says so.

    A change's replacement carries ``replacesOrderId``; a new order does not. Only the
    replacement of the intent's own target may be a change's order, and a replacement
    is never a new order's. (``replacedByOrderId`` on the original is not used: it
    proves that the order was replaced, not by which of several changes.)
    """
    if not order.details:
        return None
    return to_int(order.details[0].raw.get("replacesOrderId"))


def _order_key(order: Order) -> tuple[dt.datetime, int]:
    return (order.placed_at or dt.datetime.max.replace(tzinfo=dt.UTC), order.order_id)


class Resolver:
    """Three-outcome resolution of place, change and cancel intents."""

    def __init__(
        self,
        journal: JournalStore,
        reader: OrderReader,
        *,
        settle_time: float,
        in_flight: float,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.journal = journal
        self.reader = reader
        self.settle = dt.timedelta(seconds=settle_time)
        self.in_flight = dt.timedelta(seconds=in_flight)
        self._sleep = sleep
        self._now = now

    # -- place and change ----------------------------------------------------------

    def resolve(
        self, account_id_key: str, client_order_id: str, *, wait: bool = True
    ) -> PlacedOrder | None:
        """The order placed (or the replacement a change made) under
        ``client_order_id``; ``None`` when proven not placed; otherwise raises
        OrderOutcomeUnknownError saying what was seen."""
        entry = self.journal.find(account_id_key, client_order_id)
        if entry is None:
            raise ValidationError(
                f"the order journal has no order with clientOrderId {client_order_id!r} in "
                f"this account on this API host; resolve only knows orders sent by "
                f"etrade_sync with journal {getattr(self.journal, 'path', '')}",
                field="client_order_id",
            )
        if entry.status == Status.DONE and entry.order_id is not None:
            order = self.reader.get(account_id_key, entry.order_id)
            return _as_placed(order, entry)
        if entry.status in Status.REOPENABLE:
            return None
        for attempt in (1, 2):
            verdict, found, why = self._search(entry)
            if verdict == "placed" and found is not None:
                self.journal.record(
                    entry.id, Status.DONE, order_id=found.order_id, evidence=Evidence.ORDER_LIST
                )
                log.info("resolve: clientOrderId %s is order %s", client_order_id, found.order_id)
                return _as_placed(found, entry)
            if verdict == "ambiguous":
                raise self._unknown(entry, why)
            if self._saw_duplicate(entry):
                raise self._unknown(
                    entry,
                    "E*TRADE refused a send of it because the clientOrderId is already used, "
                    "yet no order in the list matches it; check the order list by hand",
                )
            remaining = (self._settled_at(entry) - self._now()).total_seconds()
            if remaining <= 0:
                self.journal.record(
                    entry.id,
                    Status.NOT_PLACED,
                    evidence=Evidence.ORDER_LIST,
                    error="resolved: no matching order in the list a settle time after the send",
                )
                log.info("resolve: clientOrderId %s was not placed", client_order_id)
                return None
            if not wait or attempt == 2:
                raise self._unknown(
                    entry,
                    f"no matching order in the list yet, but the last send was less than "
                    f"the settle time ({self.settle.total_seconds():g} s) ago; ask again in "
                    f"{remaining:.1f} s",
                )
            self._sleep(remaining)
        raise AssertionError("unreachable")  # pragma: no cover

    def _search(self, entry: JournalEntry) -> tuple[str, Order | None, str]:
        orders = self._orders(entry)
        target = entry.target_order_id
        proven = {
            oid for oid, owner in self.journal.proven_order_ids(entry.account_id_key).items()
            if owner != entry.id
        }  # fmt: skip
        wanted = order_signature(entry.body)
        earliest = entry.created_at - CLOCK_SLACK
        others = [
            e for e in self.journal.intents(entry.account_id_key, since=earliest)
            if e.id != entry.id and e.operation != "cancel"
        ]  # fmt: skip
        # An order another intent was matched to before this intent was written existed
        # before it, so it cannot be this intent's (journal times, one clock).
        proven |= {
            e.order_id
            for e in others
            if e.status == Status.DONE
            and e.order_id is not None
            and e.updated_at < entry.created_at
        }
        # when the list links replacements to originals, use the link
        linked = any(_replaces(o) is not None for o in orders)
        matches = sorted(
            (
                o
                for o in orders
                if o.order_id not in proven
                and o.order_id != target
                and (not linked or _replaces(o) == target)
                and (o.placed_at is None or o.placed_at >= earliest)
                and _signature_of(o) == wanted
            ),
            key=_order_key,
        )
        if not matches:
            return "absent", None, ""
        group = self._group(entry, others, wanted, proven, linked=linked)
        if len(group) == 1:
            if len(matches) == 1:
                return "placed", matches[0], ""
            ids = ", ".join(str(o.order_id) for o in matches)
            return (
                "ambiguous",
                None,
                (
                    f"{len(matches)} orders match its terms (order ids {ids}) and none of them is "
                    f"accounted for by another journal intent; cannot tell which one it is"
                ),
            )
        if len(matches) == len(group) and self._disjoint(group):
            return "placed", matches[[g.id for g in group].index(entry.id)], ""
        return (
            "ambiguous",
            None,
            (
                f"{len(group)} journal intents share its terms and {len(matches)} orders match "
                f"them; their sends may overlap, so which order is whose cannot be told"
            ),
        )

    def _orders(self, entry: JournalEntry) -> list[Order]:
        today = self._now().astimezone(EASTERN).date()
        day = min(entry.created_at.astimezone(EASTERN).date(), today)
        return self.reader.list(entry.account_id_key, from_date=day, to_date=today)

    def _group(
        self,
        entry: JournalEntry,
        others: Sequence[JournalEntry],
        wanted: Signature,
        accounted: set[int],
        *,
        linked: bool,
    ) -> list[JournalEntry]:
        """This intent and every other journal intent with the same terms that may
        own one of the matching orders, oldest first (with linked replacements, only
        intents with the same target: other places, or other changes of that order)."""
        rivals = [
            e
            for e in others
            if e.status not in Status.REOPENABLE
            and not (e.status == Status.DONE and e.order_id in accounted)
            and order_signature(e.body) == wanted
            and (not linked or e.target_order_id == entry.target_order_id)
        ]
        return sorted([entry, *rivals], key=lambda e: (e.created_at, e.id))

    def _disjoint(self, group: Sequence[JournalEntry]) -> bool:
        for before, after in itertools.pairwise(group):
            if self._settled_at(before) >= after.created_at:
                return False
        return True

    def _settled_at(self, entry: JournalEntry) -> dt.datetime:
        last = entry.sent_at or entry.updated_at
        extra = self.in_flight if entry.status == Status.PENDING else dt.timedelta(0)
        return last + self.settle + extra

    def _saw_duplicate(self, entry: JournalEntry) -> bool:
        if entry.evidence == Evidence.DUPLICATE:
            return True
        return any(e.evidence == Evidence.DUPLICATE for e in self.journal.history(entry.id))

    def _unknown(self, entry: JournalEntry, why: str) -> Exception:
        return outcome_unknown(
            entry.operation,
            f"resolve: {why}",
            account_id_key=entry.account_id_key,
            client_order_id=entry.client_order_id,
            order_id=entry.target_order_id,
        )

    # -- cancel --------------------------------------------------------------------

    def resolve_cancel(
        self, account_id_key: str, order_id: int, *, wait: bool = True
    ) -> Order | None:
        """The cancelled order when the cancel of ``order_id`` happened; ``None`` when
        proven not to have happened; otherwise raises OrderOutcomeUnknownError."""
        entry = self.journal.find_key(account_id_key, f"cancel:{order_id}")
        if entry is None:
            raise ValidationError(
                f"the order journal has no cancel of order {order_id} in this account",
                field="order_id",
            )
        if entry.status in Status.REOPENABLE:
            return None
        if entry.status == Status.DONE:
            return self.reader.get(account_id_key, order_id)
        for attempt in (1, 2):
            order = self.reader.get(account_id_key, order_id)
            state = (order.status or "").upper()
            if state == "CANCELLED":
                if entry.status != Status.DONE:
                    self.journal.record(
                        entry.id, Status.DONE, order_id=order_id, evidence=Evidence.ORDER_LIST
                    )
                return order
            if state in _ENDED:
                self.journal.record(
                    entry.id, Status.NOT_PLACED, evidence=Evidence.ORDER_LIST,
                    error=f"resolved: the order is {state}, not cancelled",
                )  # fmt: skip
                return None
            remaining = (self._settled_at(entry) - self._now()).total_seconds()
            if state != "CANCEL_REQUESTED" and remaining <= 0:
                self.journal.record(
                    entry.id, Status.NOT_PLACED, evidence=Evidence.ORDER_LIST,
                    error=f"resolved: the order is still {state} a settle time after the cancel",
                )  # fmt: skip
                return None
            if not wait or attempt == 2 or state == "CANCEL_REQUESTED":
                raise self._unknown(entry, f"the order is {state or 'in an unknown state'}")
            self._sleep(max(remaining, 0.0))
        raise AssertionError("unreachable")  # pragma: no cover


def _as_placed(order: Order, entry: JournalEntry) -> PlacedOrder:
    return PlacedOrder(
        order_id=order.order_id,
        client_order_id=entry.client_order_id or "",
        account_id_key=entry.account_id_key,
        order_ids=(order.order_id,),
        order_type=order.order_type,
        placed_at=order.placed_at,
        replaced_order_id=entry.target_order_id,
        details=order.details,
        raw=order.raw,
    )

"""
etrade_sync.api.paging
~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`TransactionPages`, the iterator behind
``client.accounts.transactions``. It follows E*TRADE's paging the way production
answers it: the next page is asked with the ``marker`` of the previous one for as
long as a marker (or a ``next`` link carrying one) is present, and the list ends on
a 204 or an answer without a marker. ``moreTransactions`` is not trusted: a
production answer carried ``moreTransactions: false`` with 50 of 274 rows and a
marker to the rest.

When the list ends with fewer rows than the ``totalCount`` E*TRADE announced, the
iterator says so three ways: :attr:`TransactionPages.complete` is False, a
WARNING goes to the ``etrade_sync`` logger, and an :class:`IncompleteResultWarning`
is issued (turn it into an error with ``warnings.simplefilter("error",
IncompleteResultWarning)``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import IncompleteResultWarning
from ..models.base import as_list, dig, to_int
from ..models.transactions import Transaction
from .params import MarkerGuard

__all__ = ["TransactionPages", "next_marker", "warn_incomplete"]

log = logging.getLogger("etrade_sync")


def next_marker(body: Mapping[str, Any]) -> Any:
    """The marker of the next page: ``marker``, else the one inside the ``next`` link."""
    marker = body.get("marker")
    if marker not in (None, ""):
        return marker
    link = body.get("next")
    if isinstance(link, str) and link:
        values = parse_qs(urlsplit(link).query).get("marker")
        if values and values[0]:
            return values[0]
    return None


class TransactionPages(Iterator[Transaction]):
    """Every transaction of a range, fetched page by page as you iterate.

    After the last page: :attr:`received` is the number of transactions yielded,
    :attr:`total_count` the ``totalCount`` E*TRADE announced (None if it sent none)
    and :attr:`complete` tells whether they agree.
    """

    def __init__(self, fetch: Callable[[str | None], Any], *, name: str, path: str) -> None:
        self._fetch = fetch
        self._name = name
        self._path = path
        self.total_count: int | None = None
        self.received = 0
        self.pages = 0
        self.finished = False
        self._rows = self._run()

    def __iter__(self) -> TransactionPages:
        return self

    def __next__(self) -> Transaction:
        return next(self._rows)

    @property
    def complete(self) -> bool | None:
        """None until the last page; then False if fewer than ``totalCount`` arrived."""
        if not self.finished:
            return None
        return self.total_count is None or self.received >= self.total_count

    def _run(self) -> Iterator[Transaction]:
        guard = MarkerGuard(self._name, self._path)
        seen: set[str] = set()
        marker: str | None = None
        while True:
            body = dig(self._fetch(marker), "TransactionListResponse")
            if not isinstance(body, Mapping):
                break  # 204: no (more) transactions
            self.pages += 1
            total = to_int(body.get("totalCount"))
            if total is not None:
                self.total_count = max(total, self.total_count or 0)
            for row in as_list(body.get("Transaction")):
                if not isinstance(row, Mapping):
                    continue
                txn = Transaction.from_api(row)
                if txn.transaction_id and txn.transaction_id in seen:
                    continue  # a page boundary repeated by E*TRADE
                seen.add(txn.transaction_id)
                self.received += 1
                yield txn
            marker = guard.check(next_marker(body))
            if marker is None:
                break
        self.finished = True
        if self.complete is False:
            self._warn()

    def _warn(self) -> None:
        warn_incomplete(self._name, "transactions", self.total_count, self.received, 5)


def warn_incomplete(
    name: str, what: str, total: int | None, received: int, stacklevel: int = 3
) -> None:
    """Log a WARNING and issue :class:`IncompleteResultWarning` for a short list."""
    text = (
        f"{name}: E*TRADE announced {total} {what} but the answer ended after "
        f"{received}; the list is incomplete"
    )
    log.warning("%s", text)
    warnings.warn(text, IncompleteResultWarning, stacklevel=stacklevel)

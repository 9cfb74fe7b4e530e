"""Transaction endpoints: the marker-paged list and transaction details."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import date, datetime
from typing import Any

from . import codes
from .book import Book
from .state import Account, Transaction
from .tokens import NEW_YORK
from .wire import ApiError, Reply, SimRequest, ok, query_choice, query_int

__all__ = ["TransactionsApi", "parse_mmddyyyy"]

JSONDict = dict[str, Any]
_DATE_RE = re.compile(r"^\d{8}$")
_CATEGORY_IDS = {"Trades": 1, "Income": 2, "Transfers": 3, "Fees": 4}


def parse_mmddyyyy(raw: str, name: str, code: int = codes.BAD_DATE_FORMAT) -> date:
    """A ``MMDDYYYY`` query date, or HTTP 400 with ``code``."""
    if not _DATE_RE.match(raw):
        raise ApiError(400, code, f"Invalid {name} {raw!r}: the format is MMDDYYYY.")
    try:
        return date(int(raw[4:]), int(raw[:2]), int(raw[2:4]))
    except ValueError:
        raise ApiError(400, code, f"Invalid {name} {raw!r}: no such date.") from None


def _page_markers(items: list[Transaction], count: int) -> str:
    """An opaque token standing for the start of every page (E*TRADE's is opaque too)."""
    starts = ",".join(t.transaction_id for t in items[::count])
    return base64.urlsafe_b64encode(zlib.compress(starts.encode())).decode()


def _local_date(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, NEW_YORK).date()


class TransactionsApi:
    """Handlers for ``/v1/accounts/{k}/transactions``."""

    def __init__(self, book: Book) -> None:
        self.book = book

    def _product(self, txn: Transaction) -> JSONDict:
        if not txn.symbol:
            return {}
        return {"symbol": txn.symbol, "securityType": txn.security_type or "EQ"}

    def _summary(self, call: SimRequest, account: Account, txn: Transaction) -> JSONDict:
        details = call.link(f"/v1/accounts/{account.account_id_key}/transactions")
        return {
            "transactionId": txn.transaction_id,
            "accountId": account.account_id,
            "transactionDate": txn.date_ms,
            "postDate": txn.date_ms,
            "amount": txn.amount,
            "description": txn.description,
            "transactionType": txn.transaction_type,
            "memo": " ",
            "imageFlag": False,
            "instType": "BROKERAGE",
            "storeId": 0,
            "brokerage": {
                "product": self._product(txn),
                "quantity": txn.quantity,
                "price": txn.price,
                "settlementCurrency": "USD",
                "paymentCurrency": "USD",
                "fee": txn.fee,
                "displaySymbol": txn.symbol or "",
                "settlementDate": txn.date_ms + 2 * 86_400_000,
            },
            "detailsURI": f"{details}/{txn.transaction_id}?storeId=0",
        }

    def list_transactions(self, call: SimRequest) -> Reply:
        count = query_int(call, "count", 50, codes.BAD_COUNT, 1, 50)
        order = query_choice(call, "sortOrder", ("ASC", "DESC"), "DESC", codes.BAD_SORT_ORDER)
        start_raw, end_raw = call.query.get("startDate"), call.query.get("endDate")
        start = parse_mmddyyyy(start_raw, "startDate") if start_raw else None
        end = parse_mmddyyyy(end_raw, "endDate") if end_raw else None
        if start and end and end < start:
            raise ApiError(400, codes.BAD_DATE_RANGE, "The end date is before the start date.")
        with self.book.lock:
            account = self.book.account(call.params[0])
            items = [
                t
                for t in account.transactions
                if (start is None or _local_date(t.date_ms) >= start)
                and (end is None or _local_date(t.date_ms) <= end)
            ]
            items.sort(key=lambda t: (t.date_ms, t.transaction_id), reverse=order == "DESC")
            offset = 0
            marker = call.query.get("marker")
            if marker and call.query.get("pageMarker"):
                raise ApiError(
                    400, codes.BOTH_MARKERS, "Invalid Marker. Both PageMarker and Marker passed."
                )
            if marker:
                wanted = marker.split("_", 1)[0]
                ids = [t.transaction_id for t in items]
                if wanted not in ids:
                    raise ApiError(400, codes.BAD_MARKER, f"Invalid marker {marker!r}.")
                offset = ids.index(wanted) + 1
            page = items[offset : offset + count]
            if not page:
                return Reply(204)
            more = offset + count < len(items)
            body: JSONDict = {}
            if more:
                last = page[-1]
                next_marker = f"{last.transaction_id}_{last.date_ms // 1000}"
                params = {k: v for k, v in call.query.items() if k != "marker"}
                params["marker"] = next_marker
                body["next"] = call.link(
                    f"/v1/accounts/{account.account_id_key}/transactions", params
                )
                body["marker"] = next_marker
                body["pageMarkers"] = _page_markers(items, count)
            # Production was seen answering false while a marker led to more pages: the
            # simulator always does, so only the marker can tell a client to go on.
            body["moreTransactions"] = False
            body["transactionCount"] = len(page)
            body["totalCount"] = len(items)
            body["Transaction"] = [self._summary(call, account, t) for t in page]
        return ok(call, {"TransactionListResponse": body})

    def details(self, call: SimRequest) -> Reply:
        with self.book.lock:
            account = self.book.account(call.params[0])
            for txn in account.transactions:
                if txn.transaction_id == call.params[1]:
                    return ok(call, {"TransactionDetailsResponse": self._details(account, txn)})
        raise ApiError(
            400, codes.INVALID_TRANSACTION_ID, f"Invalid transaction id {call.params[1]}."
        )

    def _details(self, account: Account, txn: Transaction) -> JSONDict:
        category_id = _CATEGORY_IDS.get(txn.category, 0)
        return {
            "transactionId": txn.transaction_id,
            "accountId": account.account_id,
            "transactionDate": txn.date_ms,
            "postDate": txn.date_ms,
            "amount": txn.amount,
            "description": txn.description,
            "Category": {
                "categoryId": str(category_id),
                "parentId": "0",
                "categoryName": txn.category,
                "parentName": txn.category,
            },
            "Brokerage": {
                "transactionType": txn.transaction_type,
                "Product": self._product(txn),
                "quantity": txn.quantity,
                "price": txn.price,
                "settlementCurrency": "USD",
                "paymentCurrency": "USD",
                "fee": txn.fee,
                "displaySymbol": txn.symbol or "",
                "settlementDate": txn.date_ms + 2 * 86_400_000,
            },
        }

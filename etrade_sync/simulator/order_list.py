"""Order listing: ``GET /v1/accounts/{k}/orders`` with its filters and marker paging."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import codes
from .book import Book
from .order_views import order_summary
from .tokens import NEW_YORK
from .transactions_api import parse_mmddyyyy
from .wire import ApiError, Reply, SimRequest, ok, query_choice, query_int

__all__ = ["list_orders"]

JSONDict = dict[str, Any]
_STATUSES = (
    "OPEN", "EXECUTED", "CANCELLED", "INDIVIDUAL_FILLS", "CANCEL_REQUESTED", "EXPIRED", "REJECTED",
)  # fmt: skip
_TXN_FILTERS = ("ATNM", "BUY", "SELL", "SELL_SHORT", "BUY_TO_COVER", "MF_EXCHANGE")


def _txn_category(action: str) -> str:
    if action in {"SELL_SHORT", "BUY_TO_COVER"}:
        return action
    return "BUY" if action.startswith("BUY") else "SELL"


def list_orders(book: Book, call: SimRequest) -> Reply:
    """``GET /v1/accounts/{k}/orders``: newest first, marker paging, filters."""
    count = query_int(call, "count", 25, codes.ORDER_COUNT_TOO_LARGE, 1, 100)
    status = query_choice(call, "status", _STATUSES, "", codes.INVALID_PARAMETER)
    security = query_choice(
        call, "securityType", ("EQ", "OPTN", "MF", "MMF"), "", codes.INVALID_PARAMETER
    )
    txn = query_choice(call, "transactionType", _TXN_FILTERS, "ATNM", codes.INVALID_PARAMETER)
    session = query_choice(
        call, "marketSession", ("REGULAR", "EXTENDED"), "", codes.INVALID_PARAMETER
    )
    start_raw, end_raw = call.query.get("fromDate"), call.query.get("toDate")
    if bool(start_raw) != bool(end_raw):
        raise ApiError(400, codes.INVALID_PARAMETER, "fromDate and toDate must be given together.")
    start = parse_mmddyyyy(start_raw, "fromDate") if start_raw else None
    end = parse_mmddyyyy(end_raw, "toDate") if end_raw else None
    symbols = {s.strip().upper() for s in call.query.get("symbol", "").split(",") if s.strip()}
    if len(symbols) > 25:
        raise ApiError(400, codes.TOO_MANY_SYMBOLS, "At most 25 symbols may be given.")
    marker = query_int(call, "marker", 0, codes.BAD_MARKER, 0)
    with book.lock:
        account = book.account(call.params[0])
        found = []
        for order in sorted(account.orders, key=lambda o: o.order_id, reverse=True):
            placed = datetime.fromtimestamp(order.placed_time / 1000, NEW_YORK).date()
            wanted_status = {"INDIVIDUAL_FILLS": "EXECUTED"}.get(status, status)
            if (
                (marker and order.order_id >= marker)
                or (wanted_status and order.status != wanted_status)
                or (security and all(leg.security_type != security for leg in order.legs))
                or (symbols and all(leg.symbol not in symbols for leg in order.legs))
                or (session and order.market_session != session)
                or (txn != "ATNM" and _txn_category(order.action) != txn)
                or (start and end and not start <= placed <= end)
            ):
                continue
            found.append(order)
        page = found[:count]
        if not page:
            return Reply(204)
        body: JSONDict = {}
        if len(found) > count:
            body["marker"] = str(page[-1].order_id)
            params = {k: v for k, v in call.query.items() if k != "marker"}
            params["marker"] = body["marker"]
            body["next"] = call.link(f"/v1/accounts/{account.account_id_key}/orders", params)
        body["Order"] = [order_summary(call, account, o) for o in page]
    return ok(call, {"OrdersResponse": body})

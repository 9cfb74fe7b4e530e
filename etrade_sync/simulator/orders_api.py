"""Order endpoints: list, get, preview, place, change (preview and place) and cancel."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import codes
from .book import Book
from .market_data import money
from .order_list import list_orders
from .order_rules import MULTI_LEG, ParsedOrder, decide_fill, estimate_price, parse_order_request
from .order_views import order_summary, place_payload, preview_payload
from .state import ZERO, Account, OrderLeg, OrderRecord
from .wire import ApiError, Reply, SimRequest, ok, parse_body

__all__ = ["DUPLICATE_CLIENT_ORDER_ID_CODE", "OrdersApi", "Preview"]

DUPLICATE_CLIENT_ORDER_ID_CODE = codes.DUPLICATE_CLIENT_ORDER_ID_CODE
INVALID_PREVIEW_MESSAGE = "{com.etrade.api.v1.order.InvalidPreviewId}"
STALE_PREVIEW_MESSAGE = (
    "For your protection, we have timed out your original order request. "
    "If you would like to place this order, please resubmit it now."
)
JSONDict = dict[str, Any]


@dataclass
class Preview:
    preview_id: int
    account_id_key: str
    created: float
    fingerprint: Any
    parsed: ParsedOrder
    change_of: int | None = None
    used: bool = False


class OrdersApi:
    """Handlers for ``/v1/accounts/{k}/orders...``."""

    def __init__(self, book: Book, seed: int, preview_ttl: float) -> None:
        self.book = book
        self.preview_ttl = preview_ttl
        self.previews: dict[int, Preview] = {}
        self._preview_ids = itertools.count(266_606_000_000 + (seed % 1000) * 1000)
        self._order_ids = itertools.count(400 + (seed % 500))

    # -- checks --------------------------------------------------------------------------

    def _open_account(self, key: str) -> Account:
        account = self.book.account(key)
        if not account.is_open:
            raise ApiError(400, codes.ACCOUNT_NOT_USERS, f"Account {account.account_id} is closed.")
        return account

    def _check_holdings(self, account: Account, parsed: ParsedOrder, exclude: int | None) -> None:
        if parsed.order_type in MULTI_LEG:
            return
        leg = parsed.legs[0]
        position = account.position_for(leg.key)
        held = position.quantity if position else ZERO
        pending = sum(
            (
                o.legs[0].quantity
                for o in account.orders
                if o.status == "OPEN" and o.order_id != exclude and o.legs[0].key == leg.key
                and o.legs[0].action == leg.action
            ),
            ZERO,
        )  # fmt: skip
        if leg.action in {"SELL_SHORT", "SELL_OPEN"} and not account.is_margin:
            raise ApiError(
                400, codes.NOT_SHORTABLE, f"{leg.action} is not allowed in a cash account."
            )
        if leg.quantity_type == "ALL_I_OWN":
            if leg.is_buy or held <= 0:
                raise ApiError(400, codes.INSUFFICIENT_SHARES, f"You do not own any {leg.symbol}.")
            leg.quantity = held
        if leg.action in {"SELL", "SELL_CLOSE"}:
            available = max(held, ZERO) - pending
        elif leg.action in {"BUY_TO_COVER", "BUY_CLOSE"}:
            available = max(-held, ZERO) - pending
        else:
            available = None
        if available is not None and leg.quantity > available:
            raise ApiError(
                400,
                codes.INSUFFICIENT_SHARES,
                f"Insufficient shares: you have {max(available, ZERO)} of {leg.key} available "
                f"for {leg.action} but the order is for {leg.quantity}.",
            )
        if leg.is_buy and leg.action in {"BUY", "BUY_OPEN"}:
            cost = self._estimate(parsed)[1]
            cash_bp, margin_bp = self.book.buying_power(account)
            power = margin_bp if account.is_margin else cash_bp
            if exclude is not None:
                power += sum((o.order_value for o in account.orders if o.order_id == exclude), ZERO)
            if cost > power:
                raise ApiError(
                    400,
                    codes.INSUFFICIENT_FUNDS,
                    f"Insufficient funds: the order needs about {cost}; buying power is {power}.",
                )

    def _estimate(self, parsed: ParsedOrder) -> tuple[Decimal, Decimal]:
        """(estimated commission, estimated total: positive to pay, negative to receive)."""
        commission = sum((self.book.commission(leg, leg.quantity) for leg in parsed.legs), ZERO)
        if parsed.order_type in MULTI_LEG:
            net = (parsed.limit_price or ZERO) * parsed.legs[0].quantity * 100
            signed = -net if parsed.price_type == "NET_CREDIT" else net
            return commission, money(signed + commission)
        leg = parsed.legs[0]
        value = money(leg.quantity * estimate_price(self.book.market, parsed, leg) * leg.multiplier)
        return commission, money(value + commission) if leg.is_buy else money(-(value - commission))

    def _check_client_id(self, account: Account, client_id: str, replacing: int | None) -> None:
        # a change may keep the client order id of the order it replaces (and its ancestors)
        chain: set[int] = set()
        by_id = {o.order_id: o for o in account.orders}
        while replacing is not None and replacing not in chain:
            chain.add(replacing)
            replacing = by_id[replacing].replaces_order_id if replacing in by_id else None
        for order in account.orders:
            if order.client_order_id == client_id and order.order_id not in chain:
                raise ApiError(
                    400,
                    DUPLICATE_CLIENT_ORDER_ID_CODE,
                    f"The client order id {client_id} has already been used "
                    "for an order in this account.",
                )

    def _changeable(self, account: Account, order_id: str) -> OrderRecord:
        order = self._find(account, order_id)
        if order.status != "OPEN":
            raise ApiError(
                400,
                codes.ORDER_NOT_CHANGEABLE,
                f"Order {order.order_id} is {order.status} and cannot be changed.",
            )
        return order

    @staticmethod
    def _find(account: Account, order_id: str | int) -> OrderRecord:
        for order in account.orders:
            if str(order.order_id) == str(order_id).strip():
                return order
        raise ApiError(
            400, codes.ORDER_NOT_FOUND, f"Order {order_id} was not found in this account."
        )

    # -- preview and place ---------------------------------------------------------------

    def preview(self, call: SimRequest) -> Reply:
        return self._preview(call, None)

    def change_preview(self, call: SimRequest) -> Reply:
        return self._preview(call, call.params[1])

    def _preview(self, call: SimRequest, change_of: str | None) -> Reply:
        parsed = parse_order_request(parse_body(call), "PreviewOrderRequest", self.book.market)
        with self.book.lock:
            account = self._open_account(call.params[0])
            original = self._changeable(account, change_of) if change_of else None
            if original is not None:
                self._same_instruments(original, parsed)
            self._check_client_id(
                account, parsed.client_order_id, original.order_id if original else None
            )
            self._check_holdings(account, parsed, original.order_id if original else None)
            preview = Preview(
                preview_id=next(self._preview_ids),
                account_id_key=account.account_id_key,
                created=self.book.clock.now(),
                fingerprint=parsed.fingerprint(),
                parsed=parsed,
                change_of=original.order_id if original else None,
            )
            self.previews[preview.preview_id] = preview
            commission, total = self._estimate(parsed)
            payload = preview_payload(
                account, parsed, preview.preview_id, self.book, commission, total
            )
        return ok(call, {"PreviewOrderResponse": payload})

    @staticmethod
    def _same_instruments(original: OrderRecord, parsed: ParsedOrder) -> None:
        before = [(leg.key, leg.action) for leg in original.legs]
        after = [(leg.key, leg.action) for leg in parsed.legs]
        if before != after or original.order_type != parsed.order_type:
            raise ApiError(
                400,
                codes.ORDER_NOT_CHANGEABLE,
                "A change may not alter the order type, symbols or order actions.",
            )

    def place(self, call: SimRequest) -> Reply:
        return self._place(call, None)

    def change_place(self, call: SimRequest) -> Reply:
        return self._place(call, call.params[1])

    def _place(self, call: SimRequest, change_of: str | None) -> Reply:
        body = parse_body(call)
        parsed = parse_order_request(body, "PlaceOrderRequest", self.book.market)
        with self.book.lock:
            account = self._open_account(call.params[0])
            original = self._changeable(account, change_of) if change_of else None
            replacing = original.order_id if original else None
            self._check_client_id(account, parsed.client_order_id, replacing)
            preview = self._claim_preview(parsed, account, replacing)
            if original is not None:
                self._same_instruments(original, parsed)
            self._check_holdings(account, parsed, replacing)
            preview.used = True
            record = self._record(account, parsed, preview.preview_id, replacing)
            if original is not None:
                original.status = "CANCELLED"
                original.cancel_time = self.book.now_ms()
                original.replaced_by_order_id = record.order_id
            account.orders.append(record)
            self._try_fill(account, parsed, record)
            commission, total = self._estimate(parsed)
            payload = place_payload(account, parsed, record, commission, total)
        return ok(call, {"PlaceOrderResponse": payload})

    def _claim_preview(
        self, parsed: ParsedOrder, account: Account, replacing: int | None
    ) -> Preview:
        ids = parsed.body.get("PreviewIds")
        entries = ids if isinstance(ids, list) else [ids] if isinstance(ids, dict) else []
        raw = entries[0].get("previewId") if entries and isinstance(entries[0], dict) else None
        try:
            preview = self.previews.get(int(str(raw).strip()))
        except ValueError:
            preview = None
        if (
            preview is None
            or preview.used
            or preview.account_id_key != account.account_id_key
            or preview.change_of != replacing
        ):
            raise ApiError(400, codes.INVALID_PREVIEW_ID, INVALID_PREVIEW_MESSAGE)
        # Users report this message both for a late place and for a place whose order
        # differs from its preview (pyetrade issues 23 and 61).
        if (
            preview.fingerprint != parsed.fingerprint()
            or self.book.clock.now() - preview.created > self.preview_ttl
        ):
            raise ApiError(400, codes.INVALID_PREVIEW_ID, STALE_PREVIEW_MESSAGE)
        return preview

    def _record(
        self, account: Account, parsed: ParsedOrder, preview_id: int, replacing: int | None
    ) -> OrderRecord:
        commission, total = self._estimate(parsed)
        legs = [
            OrderLeg(
                leg.symbol,
                leg.security_type,
                leg.action,
                leg.quantity,
                leg.quantity_type,
                leg.description,
                leg.option,
            )
            for leg in parsed.legs
        ]
        return OrderRecord(
            order_id=next(self._order_ids),
            client_order_id=parsed.client_order_id,
            account_id_key=account.account_id_key,
            order_type=parsed.order_type,
            status="OPEN",
            price_type=parsed.price_type,
            order_term=parsed.order_term,
            market_session=parsed.market_session,
            all_or_none=parsed.all_or_none,
            limit_price=parsed.limit_price,
            stop_price=parsed.stop_price,
            legs=legs,
            placed_time=self.book.now_ms(),
            estimated_commission=commission,
            order_value=total,
            replaces_order_id=replacing,
            preview_id=preview_id,
            request_order=parsed.order,
        )

    def _try_fill(self, account: Account, parsed: ParsedOrder, record: OrderRecord) -> None:
        price = decide_fill(self.book.market, parsed)
        if price is not None:
            self.book.fill(account, record, record.legs[0], price)
        elif parsed.order_term in {"IMMEDIATE_OR_CANCEL", "FILL_OR_KILL"}:
            record.status = "CANCELLED"
            record.cancel_time = self.book.now_ms()

    def match_open_orders(self) -> int:
        """Fill OPEN orders that became marketable (after a price change). Returns fills."""
        fills = 0
        with self.book.lock:
            for account in self.book.accounts:
                for order in account.orders:
                    if order.status != "OPEN" or order.order_type in MULTI_LEG:
                        continue
                    price = decide_fill(self.book.market, _as_parsed(order))
                    if price is not None:
                        self.book.fill(account, order, order.legs[0], price)
                        fills += 1
        return fills

    # -- cancel, list, get ---------------------------------------------------------------

    def cancel(self, call: SimRequest) -> Reply:
        body = parse_body(call)
        request = body.get("CancelOrderRequest")
        if not isinstance(request, dict) or request.get("orderId") in (None, ""):
            raise ApiError(
                400, codes.ORDER_MISSING_FIELD, "CancelOrderRequest.orderId is required."
            )
        with self.book.lock:
            account = self._open_account(call.params[0])
            order = self._find(account, request["orderId"])
            if order.status != "OPEN":
                raise ApiError(
                    400,
                    codes.ORDER_NOT_CANCELLABLE,
                    f"Order {order.order_id} is {order.status} and cannot be cancelled.",
                )
            order.status = "CANCELLED"
            order.cancel_time = self.book.now_ms()
            message = {
                "description": "200|Your request to cancel your order is being processed.",
                "code": codes.CANCEL_PENDING,
                "type": "WARNING",
            }
            payload = {
                "accountId": account.account_id,
                "orderId": order.order_id,
                "cancelTime": order.cancel_time,
                "Messages": {"Message": [message]},
            }
        return ok(call, {"CancelOrderResponse": payload})

    def get(self, call: SimRequest) -> Reply:
        with self.book.lock:
            account = self.book.account(call.params[0])
            order = self._find(account, call.params[1])
            return ok(call, {"OrdersResponse": {"Order": [order_summary(call, account, order)]}})

    def list_orders(self, call: SimRequest) -> Reply:
        return list_orders(self.book, call)


def _as_parsed(order: OrderRecord) -> ParsedOrder:
    return ParsedOrder(
        order_type=order.order_type,
        client_order_id=order.client_order_id,
        price_type=order.price_type,
        order_term=order.order_term,
        market_session=order.market_session,
        all_or_none=order.all_or_none,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        legs=order.legs,
        order=order.request_order,
        body={},
    )

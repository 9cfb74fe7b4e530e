"""Order request parsing and validation, canonical comparison and fill decisions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from . import codes
from .market_data import Market, OptionSpec
from .state import OrderLeg
from .wire import ApiError

__all__ = ["ParsedOrder", "canonical", "decide_fill", "parse_order_request"]

ORDER_TYPES = (
    "EQ", "OPTN", "SPREADS", "BUY_WRITES", "BUTTERFLY", "IRON_BUTTERFLY", "CONDOR",
    "IRON_CONDOR", "MF", "MMF",
)  # fmt: skip
MULTI_LEG = frozenset(ORDER_TYPES) - {"EQ", "OPTN", "MF", "MMF"}
PRICE_TYPES = (
    "MARKET", "LIMIT", "STOP", "STOP_LIMIT", "MARKET_ON_CLOSE", "MARKET_ON_OPEN",
    "LIMIT_ON_OPEN", "LIMIT_ON_CLOSE", "TRAILING_STOP_CNST", "TRAILING_STOP_PRCT",
    "TRAILING_STOP_CNST_BY_LOWER_TRIGGER", "TRAILING_STOP_PRCT_BY_LOWER_TRIGGER",
    "NET_DEBIT", "NET_CREDIT", "NET_EVEN",
)  # fmt: skip
NEEDS_LIMIT = frozenset(
    {"LIMIT", "STOP_LIMIT", "LIMIT_ON_OPEN", "LIMIT_ON_CLOSE", "NET_DEBIT", "NET_CREDIT"}
)
NEEDS_STOP = frozenset({"STOP", "STOP_LIMIT"})
TERMS = ("GOOD_FOR_DAY", "GOOD_UNTIL_CANCEL", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL")
SESSIONS = ("REGULAR", "EXTENDED")
EQUITY_ACTIONS = ("BUY", "SELL", "BUY_TO_COVER", "SELL_SHORT")
OPTION_ACTIONS = ("BUY_OPEN", "SELL_OPEN", "BUY_CLOSE", "SELL_CLOSE")
QUANTITY_TYPES = ("QUANTITY", "DOLLAR", "ALL_I_OWN")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9]{1,20}$")
_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

JSONDict = dict[str, Any]


def _bad(code: int, message: str) -> ApiError:
    return ApiError(400, code, message)


def canonical(value: Any) -> Any:
    """A comparable form: numbers and numeric strings as Decimals, "true"/"false" as bools,
    empty values dropped."""
    if isinstance(value, dict):
        out = {k: canonical(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value)).normalize()
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if text.lower() in {"true", "false"}:
            return text.lower() == "true"
        if _NUMERIC.match(text):
            return Decimal(text).normalize()
        return text
    return value


def _text(obj: JSONDict, name: str, where: str, required: bool = True) -> str | None:
    value = obj.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _bad(codes.ORDER_MISSING_FIELD, f"{where}.{name} is required.")
        return None
    return str(value).strip()


def _choice(obj: JSONDict, name: str, where: str, choices: tuple[str, ...]) -> str:
    value = (_text(obj, name, where) or "").upper()
    if value not in choices:
        raise _bad(
            codes.ORDER_INVALID_FIELD,
            f"Invalid {name} {value!r}; expected one of {', '.join(choices)}.",
        )
    return value


def _number(obj: JSONDict, name: str, where: str) -> Decimal | None:
    value = obj.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _bad(
            codes.ORDER_INVALID_FIELD, f"{where}.{name} must be a number, got {value!r}."
        ) from None
    if not number.is_finite():
        raise _bad(codes.ORDER_INVALID_FIELD, f"{where}.{name} must be a finite number.")
    return number


def _as_bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


@dataclass
class ParsedOrder:
    order_type: str
    client_order_id: str
    price_type: str
    order_term: str
    market_session: str
    all_or_none: bool
    limit_price: Decimal | None
    stop_price: Decimal | None
    legs: list[OrderLeg]
    order: list[JSONDict]
    body: JSONDict

    def fingerprint(self) -> Any:
        """The fields that define the order: a place must match its preview on these.

        Other members of the body (an extra ``previewId`` inside ``Order``, as pyetrade
        sends, or fields E*TRADE ignores) do not count.
        """
        legs = tuple(
            (leg.key, leg.security_type, leg.action, leg.quantity_type, leg.quantity.normalize())
            for leg in self.legs
        )
        prices = tuple(
            p.normalize() if p is not None and p > 0 else None
            for p in (self.limit_price, self.stop_price)
        )
        return (
            self.order_type,
            self.price_type,
            self.order_term,
            self.market_session,
            self.all_or_none,
            prices,
            legs,
        )


def _leg(raw: Any, index: int, order_type: str, market: Market) -> OrderLeg:
    where = f"Instrument[{index}]"
    if not isinstance(raw, dict):
        raise _bad(codes.ORDER_MALFORMED, f"{where} must be an object.")
    product = raw.get("Product")
    if not isinstance(product, dict):
        raise _bad(codes.ORDER_MISSING_FIELD, f"{where}.Product is required.")
    symbol = (_text(product, "symbol", f"{where}.Product") or "").upper()
    security = _choice(product, "securityType", f"{where}.Product", ("EQ", "OPTN", "MF", "MMF"))
    if not market.is_equity_symbol(symbol):
        raise _bad(codes.INVALID_SYMBOL, f"{symbol} is an invalid symbol.")
    option: OptionSpec | None = None
    if security == "OPTN":
        call_put = _choice(product, "callPut", f"{where}.Product", ("CALL", "PUT"))
        parts = [
            _number(product, n, f"{where}.Product")
            for n in ("expiryYear", "expiryMonth", "expiryDay")
        ]
        strike = _number(product, "strikePrice", f"{where}.Product")
        if any(p is None for p in parts) or strike is None:
            raise _bad(
                codes.ORDER_MISSING_FIELD,
                f"{where}.Product needs expiryYear, expiryMonth, expiryDay and strikePrice.",
            )
        year, month, day = (int(p or 0) for p in parts)
        text = f"{symbol}:{year}:{month}:{day}:{call_put}:{strike}"
        option = OptionSpec.parse(text)
        if option is None:
            raise _bad(codes.INVALID_SYMBOL, f"Invalid option {text}.")
    if order_type == "EQ" and security != "EQ":
        raise _bad(codes.ORDER_INVALID_FIELD, f"{where}: orderType EQ needs securityType EQ.")
    if order_type == "OPTN" and security != "OPTN":
        raise _bad(codes.ORDER_INVALID_FIELD, f"{where}: orderType OPTN needs securityType OPTN.")
    actions: tuple[str, ...] = OPTION_ACTIONS if security == "OPTN" else EQUITY_ACTIONS
    if order_type in {"MF", "MMF"}:
        actions = ("BUY", "SELL")
    action = _choice(raw, "orderAction", where, actions)
    quantity_type = _choice(raw, "quantityType", where, QUANTITY_TYPES)
    if quantity_type == "DOLLAR" and security != "MF":
        raise _bad(
            codes.ORDER_INVALID_FIELD, "quantityType DOLLAR is only supported for mutual funds."
        )
    quantity = _number(raw, "quantity", where)
    if quantity_type != "ALL_I_OWN":
        if quantity is None:
            raise _bad(codes.ORDER_MISSING_FIELD, f"{where}.quantity is required.")
        if quantity <= 0:
            raise _bad(
                codes.ORDER_BAD_QUANTITY, f"The quantity must be greater than zero, got {quantity}."
            )
        if security in {"EQ", "OPTN"} and quantity != quantity.to_integral_value():
            raise _bad(
                codes.ORDER_BAD_QUANTITY, f"The quantity must be a whole number, got {quantity}."
            )
    description = option.display if option else market.quote(symbol).description
    return OrderLeg(
        symbol=symbol,
        security_type=security,
        action=action,
        quantity=quantity if quantity is not None else Decimal(0),
        quantity_type=quantity_type,
        description=description,
        option=option,
    )


def parse_order_request(body: JSONDict, container: str, market: Market) -> ParsedOrder:
    """Validate a ``PreviewOrderRequest`` or ``PlaceOrderRequest`` (400 with a code if bad)."""
    request = body.get(container)
    if not isinstance(request, dict):
        raise _bad(codes.ORDER_MALFORMED, f"The request body must contain a {container} object.")
    order_type = _choice(request, "orderType", container, ORDER_TYPES)
    client_id = _text(request, "clientOrderId", container, required=False)
    if client_id is None or not _CLIENT_ID.match(client_id):
        raise _bad(
            codes.ORDER_BAD_CLIENT_ORDER_ID,
            "clientOrderId is required and must be 1 to 20 letters or digits.",
        )
    orders = request.get("Order")
    if not isinstance(orders, list):
        raise _bad(codes.ORDER_MALFORMED, f"{container}.Order must be an array.")
    if len(orders) != 1 or not isinstance(orders[0], dict):
        raise _bad(codes.ORDER_MALFORMED, f"{container}.Order must hold exactly one order object.")
    order: JSONDict = orders[0]
    price_type = _choice(order, "priceType", "Order", PRICE_TYPES)
    term = _choice(order, "orderTerm", "Order", TERMS)
    session = _choice(order, "marketSession", "Order", SESSIONS)
    limit = _number(order, "limitPrice", "Order")
    stop = _number(order, "stopPrice", "Order")
    if price_type in NEEDS_LIMIT and (limit is None or limit <= 0):
        raise _bad(
            codes.ORDER_PRICE_REQUIRED,
            f"A {price_type} order requires a limitPrice greater than zero.",
        )
    if price_type in NEEDS_STOP and (stop is None or stop <= 0):
        raise _bad(
            codes.ORDER_PRICE_REQUIRED,
            f"A {price_type} order requires a stopPrice greater than zero.",
        )
    if term in {"IMMEDIATE_OR_CANCEL", "FILL_OR_KILL"} and price_type != "LIMIT":
        raise _bad(
            codes.ORDER_TERM_NEEDS_LIMIT, f"orderTerm {term} is only allowed with priceType LIMIT."
        )
    if session == "EXTENDED" and price_type != "LIMIT":
        raise _bad(codes.ORDER_INVALID_FIELD, "Extended-hours orders must be LIMIT orders.")
    instruments = order.get("Instrument")
    if not isinstance(instruments, list) or not instruments:
        raise _bad(codes.ORDER_MALFORMED, "Order.Instrument must be a non-empty array.")
    legs = [_leg(raw, i, order_type, market) for i, raw in enumerate(instruments)]
    if order_type in MULTI_LEG and len(legs) < 2:
        raise _bad(codes.ORDER_INVALID_FIELD, f"orderType {order_type} needs at least two legs.")
    if order_type not in MULTI_LEG and len(legs) != 1:
        raise _bad(
            codes.ORDER_INVALID_FIELD, f"orderType {order_type} takes exactly one Instrument."
        )
    if order_type not in MULTI_LEG and price_type.startswith("NET_"):
        raise _bad(
            codes.ORDER_INVALID_FIELD, f"priceType {price_type} is only for multi-leg orders."
        )
    return ParsedOrder(
        order_type=order_type,
        client_order_id=client_id,
        price_type=price_type,
        order_term=term,
        market_session=session,
        all_or_none=_as_bool(order.get("allOrNone")),
        limit_price=limit,
        stop_price=stop,
        legs=legs,
        order=orders,
        body=request,
    )


def leg_quote(market: Market, leg: OrderLeg) -> tuple[Decimal, Decimal, Decimal]:
    """(bid, ask, last) for a leg."""
    if leg.option is not None:
        oq = market.option_quote(leg.option)
        return oq.bid, oq.ask, oq.price
    q = market.quote(leg.symbol)
    return q.bid, q.ask, q.last


def decide_fill(market: Market, order: ParsedOrder) -> Decimal | None:
    """The execution price if the (single-leg) order is marketable now, else None."""
    if order.order_type in MULTI_LEG or order.order_type in {"MF", "MMF"}:
        return None
    leg = order.legs[0]
    bid, ask, last = leg_quote(market, leg)
    buy = leg.is_buy
    touch = ask if buy else bid
    kind = order.price_type
    if kind in NEEDS_STOP:
        stop = order.stop_price or Decimal(0)
        if not (last >= stop if buy else last <= stop):
            return None
        if kind == "STOP":
            return touch
        kind = "LIMIT"
    if kind == "MARKET":
        return touch if touch > 0 else last
    if kind == "LIMIT":
        limit = order.limit_price or Decimal(0)
        if (buy and ask <= limit) or (not buy and bid >= limit and bid > 0):
            return touch
    return None


def estimate_price(market: Market, order: ParsedOrder, leg: OrderLeg) -> Decimal:
    """The per-unit price used for preview estimates and open-order reserves."""
    bid, ask, last = leg_quote(market, leg)
    if order.price_type in NEEDS_LIMIT and order.limit_price is not None and len(order.legs) == 1:
        return order.limit_price
    if order.price_type == "STOP" and order.stop_price is not None:
        return order.stop_price
    if order.price_type == "MARKET":
        return ask if leg.is_buy else bid
    return last

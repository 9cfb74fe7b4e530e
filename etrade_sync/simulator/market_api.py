"""Market endpoints: quotes, symbol lookup, option chains and option expiration dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from . import codes
from .market_data import COMPANIES, Market, OptionSpec, money
from .quotes import FLAG_BLOCKS, QuoteBuilder
from .tokens import NEW_YORK
from .wire import ApiError, Reply, SimRequest, ok, query_bool, query_choice, query_int

__all__ = ["MarketApi", "expirations"]

JSONDict = dict[str, Any]


def _third_friday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def expirations(today: date, expiry_type: str = "ALL") -> list[tuple[date, str]]:
    """Upcoming expirations: weekly Fridays (8 weeks) and monthly third Fridays (12 months)."""
    monthly: list[date] = []
    year, month = today.year, today.month
    while len(monthly) < 12:
        friday = _third_friday(year, month)
        if friday >= today:
            monthly.append(friday)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    first_friday = today + timedelta(days=(4 - today.weekday()) % 7)
    weekly = [first_friday + timedelta(weeks=i) for i in range(8)]
    found: dict[date, str] = {}
    if expiry_type in {"ALL", "UNSPECIFIED", "WEEKLY"}:
        found.update((d, "WEEKLY") for d in weekly if d not in monthly)
    if expiry_type in {"ALL", "UNSPECIFIED", "MONTHLY"}:
        found.update((d, "MONTHLY") for d in monthly)
    if expiry_type == "QUARTERLY":
        found.update((d, "QUARTERLY") for d in monthly if d.month % 3 == 0)
    if expiry_type == "DAILY":
        days = (today + timedelta(days=i) for i in range(15))
        found.update((d, "DAILY") for d in days if d.weekday() < 5)
    return sorted(found.items())


def _strike_step(price: Decimal) -> Decimal:
    if price < 25:
        return Decimal(1)
    return Decimal(5) if price < 200 else Decimal(10)


class MarketApi:
    """Handlers for ``/v1/market/...``."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.quotes_builder = QuoteBuilder(market)

    @property
    def now(self) -> float:
        return self.market.clock.now()

    def _today(self) -> date:
        return datetime.fromtimestamp(self.now, NEW_YORK).date()

    # -- quotes --------------------------------------------------------------------------

    def quotes(self, call: SimRequest) -> Reply:
        raw = unquote(call.params[0])
        symbols: list[str] = []
        for part in raw.split(","):
            symbol = part.strip().upper()
            if symbol and symbol not in symbols:
                symbols.append(symbol)
        if not symbols:
            raise ApiError(400, codes.INVALID_SYMBOL, "Please provide a valid symbol.")
        override = query_bool(call, "overrideSymbolCount")
        if len(symbols) > 50 or (len(symbols) > 25 and not override):
            limit = 50 if override else 25
            raise ApiError(
                400,
                codes.TOO_MANY_SYMBOLS,
                f"Too many symbols: the maximum is {limit} per request.",
            )
        flag = query_choice(call, "detailFlag", tuple(FLAG_BLOCKS), "ALL", codes.INVALID_PARAMETER)
        earnings = query_bool(call, "requireEarningsDate")
        data: list[JSONDict] = []
        messages: list[JSONDict] = []
        for symbol in symbols:
            spec = OptionSpec.parse(symbol)
            if spec is not None and self.market.is_equity_symbol(spec.underlier):
                data.append(self.quotes_builder.option(spec, flag))
            elif spec is None and self.market.is_equity_symbol(symbol):
                data.append(self.quotes_builder.equity(self.market.quote(symbol), flag, earnings))
            else:
                messages.append(
                    {
                        "description": f"{symbol} is an invalid symbol",
                        "code": codes.QUOTE_SYMBOL_MESSAGE,
                        "type": "ERROR",
                    }
                )
        body: JSONDict = {}
        if data:
            body["QuoteData"] = data
        if messages:
            body["Messages"] = {"Message": messages}
        return ok(call, {"QuoteResponse": body})

    # -- lookup --------------------------------------------------------------------------

    def lookup(self, call: SimRequest) -> Reply:
        text = unquote(call.params[0]).strip().upper()
        if not text:
            raise ApiError(400, codes.LOOKUP_MISSING_SYMBOL, "Please provide a search string.")
        found = [
            {"symbol": c.symbol, "description": c.name, "type": c.kind}
            for c in COMPANIES
            if c.symbol.startswith(text) or text in c.name
        ]
        return ok(call, {"LookupResponse": {"Data": found}})

    # -- options -------------------------------------------------------------------------

    def _underlier(self, call: SimRequest) -> str:
        symbol = call.query.get("symbol", "").strip().upper()
        if not symbol:
            raise ApiError(400, codes.LOOKUP_MISSING_SYMBOL, "The symbol parameter is required.")
        if not self.market.is_equity_symbol(symbol):
            raise ApiError(400, codes.LOOKUP_INVALID_SYMBOL, f"{symbol} is an invalid symbol.")
        return symbol

    def expire_dates(self, call: SimRequest) -> Reply:
        self._underlier(call)
        kinds = ("UNSPECIFIED", "DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "VIX", "ALL", "MONTHEND")
        kind = query_choice(call, "expiryType", kinds, "ALL", codes.INVALID_PARAMETER)
        dates = [
            {"year": d.year, "month": d.month, "day": d.day, "expiryType": t}
            for d, t in expirations(self._today(), kind)
        ]
        return ok(call, {"OptionExpireDateResponse": {"ExpirationDate": dates}})

    def _pick_expiry(self, call: SimRequest) -> date:
        weekly = query_bool(call, "includeWeekly")
        listed = [d for d, _ in expirations(self._today(), "ALL" if weekly else "MONTHLY")]
        year = query_int(call, "expiryYear", 0, codes.INVALID_PARAMETER, 0, 9999)
        month = query_int(call, "expiryMonth", 0, codes.INVALID_PARAMETER, 0, 12)
        day = query_int(call, "expiryDay", 0, codes.INVALID_PARAMETER, 0, 31)
        if year and month and day:
            try:
                return date(year, month, day)
            except ValueError:
                raise ApiError(
                    400, codes.INVALID_PARAMETER, "The expiry date is not valid."
                ) from None
        matches = [
            d for d in listed if (not year or d.year == year) and (not month or d.month == month)
        ]
        if not matches:
            raise ApiError(
                400, codes.INVALID_PARAMETER, "No option expiration matches the request."
            )
        return matches[0]

    def option_chain(self, call: SimRequest) -> Reply:
        symbol = self._underlier(call)
        chain_type = query_choice(
            call, "chainType", ("CALL", "PUT", "CALLPUT"), "CALLPUT", codes.INVALID_PARAMETER
        )
        category = query_choice(
            call, "optionCategory", ("STANDARD", "ALL", "MINI"), "STANDARD", codes.INVALID_PARAMETER
        )
        price_type = query_choice(
            call, "priceType", ("ATNM", "ALL"), "ALL", codes.INVALID_PARAMETER
        )
        query_bool(call, "skipAdjusted", True)
        expiry = self._pick_expiry(call)
        under = self.market.quote(symbol).last
        near_raw = call.query.get("strikePriceNear")
        try:
            near = money(Decimal(near_raw)) if near_raw else under
        except ArithmeticError:
            raise ApiError(
                400, codes.INVALID_PARAMETER, "strikePriceNear must be a number."
            ) from None
        step = _strike_step(near)
        center = (near / step).quantize(Decimal(1)) * step
        strikes = [center + step * i for i in range(-10, 11) if center + step * i > 0]
        default_count = 6 if price_type == "ATNM" else len(strikes)
        count = query_int(call, "noOfStrikes", default_count, codes.INVALID_PARAMETER, 1, 1000)
        strikes = sorted(sorted(strikes, key=lambda k: (abs(k - near), k))[:count])
        pairs: list[JSONDict] = []
        if category != "MINI":
            for strike in strikes:
                pair: JSONDict = {}
                for side, key in (("CALL", "Call"), ("PUT", "Put")):
                    if chain_type in {side, "CALLPUT"}:
                        pair[key] = self._chain_leg(call, OptionSpec(symbol, expiry, side, strike))
                pairs.append(pair)
        body = {
            "OptionPair": pairs,
            "timeStamp": int(self.now),
            "quoteType": "REALTIME" if self.market.is_market_open() else "CLOSING",
            "nearPrice": near,
            "SelectedED": {"day": expiry.day, "month": expiry.month, "year": expiry.year},
        }
        return ok(call, {"OptionChainResponse": body})

    def _chain_leg(self, call: SimRequest, spec: OptionSpec) -> JSONDict:
        oq = self.market.option_quote(spec)
        return {
            "optionCategory": "STANDARD",
            "optionRootSymbol": spec.underlier,
            "timeStamp": int(self.now),
            "adjustedFlag": False,
            "displaySymbol": spec.display,
            "optionType": spec.call_put,
            "strikePrice": spec.strike,
            "symbol": spec.underlier,
            "bid": oq.bid,
            "ask": oq.ask,
            "bidSize": oq.bid_size,
            "askSize": oq.ask_size,
            "inTheMoney": "y" if oq.in_the_money else "n",
            "volume": oq.volume,
            "openInterest": oq.open_interest,
            "netChange": Decimal("0.00"),
            "lastPrice": oq.price,
            "quoteDetail": f"{call.base_url}/v1/market/quote/{spec.symbol}",
            "osiKey": spec.osi_key,
            "OptionGreeks": self.quotes_builder.greeks(oq),
        }

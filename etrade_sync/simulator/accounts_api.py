"""Account endpoints: list, balance, portfolio and position lots."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import codes
from .book import Book
from .market_data import money
from .quotes import QuoteBuilder
from .state import ZERO, Account, Position
from .wire import ApiError, Reply, SimRequest, ok, query_bool, query_choice, query_int

__all__ = ["AccountsApi"]

JSONDict = dict[str, Any]
_VIEWS = ("QUICK", "COMPLETE", "PERFORMANCE", "FUNDAMENTAL", "OPTIONSWATCH")
_SORT_KEYS = {
    "SYMBOL": lambda row: row["symbolDescription"],
    "QUANTITY": lambda row: row["quantity"],
    "PRICE_PAID": lambda row: row["pricePaid"],
    "MARKET_VALUE": lambda row: row["marketValue"],
    "TOTAL_GAIN": lambda row: row["totalGain"],
    "TOTAL_GAIN_PCT": lambda row: row["totalGainPct"],
    "DAYS_GAIN": lambda row: row["daysGain"],
    "DATE_ACQUIRED": lambda row: row["dateAcquired"],
    "TYPE_NAME": lambda row: row["Product"]["securityType"],
}


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return money(part / whole * 100, "0.0001") if whole else ZERO


class AccountsApi:
    """Handlers for ``/v1/accounts/...`` except transactions and orders."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.quotes = QuoteBuilder(book.market)

    def list_accounts(self, call: SimRequest) -> Reply:
        with self.book.lock:
            rows = [a.summary() for a in self.book.accounts]
        return ok(call, {"AccountListResponse": {"Accounts": {"Account": rows}}})

    # -- balance -------------------------------------------------------------------------

    def balance(self, call: SimRequest) -> Reply:
        inst = call.query.get("instType")
        if not inst:
            raise ApiError(400, codes.INVALID_PARAMETER, "The instType parameter is required.")
        if inst.upper() != "BROKERAGE":
            raise ApiError(400, codes.NOT_BROKERAGE, f"Invalid instType {inst}; use BROKERAGE.")
        query_bool(call, "realTimeNAV")
        with self.book.lock:
            account = self.book.account(call.params[0])
            return ok(call, {"BalanceResponse": self._balance(account)})

    def _balance(self, account: Account) -> JSONDict:
        book = self.book
        long_mv, short_mv = book.net_mv(account)
        reserve = book.open_order_reserve(account)
        cash_bp, margin_bp = book.buying_power(account)
        cash = money(account.cash)
        total = money(cash + long_mv + short_mv)
        return {
            "accountId": account.account_id,
            "institutionType": "BROKERAGE",
            "asOfDate": int(book.clock.now()),
            "accountType": account.account_mode,
            "optionLevel": account.option_level,
            "accountDescription": account.account_desc,
            "quoteMode": 6,
            "dayTraderStatus": "NO_PDT",
            "accountMode": account.account_mode,
            "Cash": {"fundsForOpenOrdersCash": money(reserve), "moneyMktBalance": ZERO},
            "Margin": {"dtCashOpenOrderReserve": ZERO, "dtMarginOpenOrderReserve": ZERO},
            "Computed": {
                "cashAvailableForInvestment": cash_bp,
                "cashAvailableForWithdrawal": cash_bp,
                "totalAvailableForWithdrawal": cash_bp,
                "netCash": money(cash - reserve),
                "cashBalance": cash,
                "settledCashForInvestment": cash_bp,
                "unSettledCashForInvestment": ZERO,
                "fundsWithheldFromPurchasePower": money(reserve),
                "fundsWithheldFromWithdrawal": money(reserve),
                "marginBuyingPower": margin_bp,
                "cashBuyingPower": cash_bp,
                "dtMarginBuyingPower": money(margin_bp * 2),
                "dtCashBuyingPower": cash_bp,
                "shortAdjustBalance": money(short_mv),
                "accountBalance": total,
                "regtEquity": total,
                "regtEquityPercent": _pct(total, long_mv) if long_mv else Decimal(100),
                "OpenCalls": {
                    "minEquityCall": ZERO,
                    "fedCall": ZERO,
                    "cashCall": ZERO,
                    "houseCall": ZERO,
                },
                "RealTimeValues": {
                    "totalAccountValue": total,
                    "netMv": money(long_mv + short_mv),
                    "netMvLong": money(long_mv),
                    "netMvShort": money(short_mv),
                    "totalLongValue": money(long_mv),
                },
            },
        }

    # -- portfolio -----------------------------------------------------------------------

    def portfolio(self, call: SimRequest) -> Reply:
        count = query_int(call, "count", 50, codes.INVALID_PARAMETER, 1, 65535)
        page = query_int(call, "pageNumber", 1, codes.INVALID_PARAMETER, 1)
        view = query_choice(call, "view", _VIEWS, "QUICK", codes.INVALID_PARAMETER)
        order = query_choice(call, "sortOrder", ("ASC", "DESC"), "DESC", codes.INVALID_PARAMETER)
        query_choice(
            call, "marketSession", ("REGULAR", "EXTENDED"), "REGULAR", codes.INVALID_PARAMETER
        )
        totals = query_bool(call, "totalsRequired")
        lots = query_bool(call, "lotsRequired")
        sort_by = (call.query.get("sortBy") or "").upper()
        with self.book.lock:
            account = self.book.account(call.params[0])
            if not account.positions:
                return Reply(204)
            long_mv, _ = self.book.net_mv(account)
            rows = [
                self._position(call, account, p, view, lots, long_mv) for p in account.positions
            ]
            summary = self._totals(account, rows) if totals else None
        if sort_by in _SORT_KEYS:
            rows.sort(key=_SORT_KEYS[sort_by], reverse=order == "DESC")
        pages = max(1, -(-len(rows) // count))
        if page > pages:
            return Reply(204)
        entry: JSONDict = {"accountId": account.account_id, "totalPages": pages}
        if page < pages:
            params = {k: v for k, v in call.query.items() if k != "pageNumber"}
            params["pageNumber"] = str(page + 1)
            entry["nextPageNo"] = str(page + 1)
            entry["next"] = call.link(f"/v1/accounts/{account.account_id_key}/portfolio", params)
        entry["Position"] = rows[(page - 1) * count : page * count]
        body: JSONDict = {}
        if summary is not None:
            body["Totals"] = summary
        body["AccountPortfolio"] = [entry]
        return ok(call, {"PortfolioResponse": body})

    def _totals(self, account: Account, rows: list[JSONDict]) -> JSONDict:
        value = sum((r["marketValue"] for r in rows), ZERO)
        cost = sum((r["totalCost"] for r in rows), ZERO)
        days = sum((r["daysGain"] for r in rows), ZERO)
        return {
            "todaysGainLoss": money(days),
            "todaysGainLossPct": _pct(days, value - days),
            "totalMarketValue": money(value),
            "totalGainLoss": money(value - cost),
            "totalGainLossPct": _pct(value - cost, cost),
            "totalPricePaid": money(cost),
            "cashBalance": money(account.cash),
        }

    def _position(
        self,
        call: SimRequest,
        account: Account,
        p: Position,
        view: str,
        lots: bool,
        long_mv: Decimal,
    ) -> JSONDict:
        book = self.book
        price, prev = book.price(p), book.previous_price(p)
        value = book.market_value(p)
        cost = money(p.total_cost)
        days_gain = money((price - prev) * p.quantity * p.multiplier)
        paid = money(cost / (p.quantity * p.multiplier), "0.0001") if p.quantity else ZERO
        key = account.account_id_key
        product: JSONDict = {"symbol": p.symbol, "securityType": p.security_type}
        if p.option is not None:
            product.update(self.quotes.option_product(p.option))
        else:  # production fills the option fields with 0 on an equity position
            product.update({"expiryYear": 0, "expiryMonth": 0, "expiryDay": 0, "strikePrice": 0})
        row: JSONDict = {
            "positionId": p.position_id,
            "accountId": account.account_id,
            "Product": product,
            "osiKey": p.option.osi_key if p.option else "",
            "symbolDescription": p.option.display if p.option else p.symbol,
            "dateAcquired": p.date_acquired_ms,
            "pricePaid": paid,
            "price": price,
            "commissions": ZERO,
            "otherFees": ZERO,
            "quantity": p.quantity,
            "positionIndicator": "TYPE2" if account.is_margin else "TYPE1",
            "positionType": "LONG" if p.quantity > 0 else "SHORT",
            "change": money(price - prev),
            "changePct": _pct(price - prev, prev),
            "daysGain": days_gain,
            "daysGainPct": _pct(days_gain, value - days_gain),
            "marketValue": value,
            "totalCost": cost,
            "totalGain": money(value - cost),
            "totalGainPct": _pct(value - cost, abs(cost)),
            "pctOfPortfolio": _pct(value, long_mv),
            "costPerShare": paid,
            "todayCommissions": ZERO,
            "todayFees": ZERO,
            "todayPricePaid": ZERO,
            "todayQuantity": ZERO,
            "adjPrevClose": prev,
            "lotsDetails": call.link(f"/v1/accounts/{key}/portfolio/{p.position_id}"),
            "quoteDetails": call.link(f"/v1/market/quote/{p.key}"),
        }
        row.update(self._view(p, view, row))
        if lots:
            row["positionLot"] = self._lots(p)
        return row

    def _view(self, p: Position, view: str, row: JSONDict) -> JSONDict:
        now = int(self.book.clock.now())
        q = self.book.market.quote(p.symbol)
        status = "REALTIME" if self.book.market.is_market_open() else "CLOSING"
        base: JSONDict = {
            "lastTrade": row["price"],
            "lastTradeTime": now,
            "change": row["change"],
            "changePct": row["changePct"],
            "quoteStatus": status,
        }
        if view == "QUICK":
            return {"Quick": {**base, "volume": q.volume}}
        if view == "PERFORMANCE":
            perf = {k: row[k] for k in ("daysGain", "totalGain", "totalGainPct", "marketValue")}
            return {"Performance": {**base, **perf}}
        if view == "FUNDAMENTAL":
            extra = {"peRatio": q.pe, "eps": q.eps, "dividend": q.dividend,
                     "divYield": q.dividend_yield, "marketCap": q.market_cap,
                     "week52Range": f"{q.low52}-{q.high52}"}  # fmt: skip
            return {"Fundamental": {**base, **extra}}
        option = self.book.market.option_quote(p.option) if p.option else None
        if view == "OPTIONSWATCH":
            watch = {"baseSymbolAndPrice": f"{p.symbol} {q.last}",
                     "premium": option.price if option else ZERO,
                     "bid": option.bid if option else q.bid,
                     "ask": option.ask if option else q.ask}  # fmt: skip
            return {"OptionsWatch": {**base, **watch}}
        complete = {
            "priceAdjustedFlag": False, "price": row["price"], "prevClose": row["adjPrevClose"],
            "volume": q.volume, "symbolDescription": q.description, "beta": q.beta,
            "week52High": q.high52, "week52Low": q.low52, "marketCap": q.market_cap,
            "daysRange": f"{q.low}-{q.high}", "currency": "USD", "exchange": q.exchange,
            "marginable": p.option is None, "bid": q.bid, "ask": q.ask,
            "bidSize": q.bid_size, "askSize": q.ask_size, "open": q.open,
            "eps": q.eps, "peRatio": q.pe, "annualDividend": money(q.dividend * 4),
            "dividend": q.dividend, "divYield": q.dividend_yield,
            "delta": option.delta if option else 0, "gamma": option.gamma if option else 0,
            "theta": option.theta if option else 0, "vega": option.vega if option else 0,
            "ivPct": money(option.iv * 100) if option else 0,
            "intrinsicValue": option.intrinsic if option else 0,
            "daysToExpiration": option.days_to_expiration if option else 0,
            "openInterest": option.open_interest if option else 0,
            "optionMultiplier": p.multiplier if option else 0,
        }  # fmt: skip
        return {"Complete": {**base, **complete}}

    def _lots(self, p: Position) -> list[JSONDict]:
        price = self.book.price(p)
        rows = []
        for lot in p.lots:
            value = money(lot.quantity * price * p.multiplier)
            cost = money(lot.quantity * lot.price * p.multiplier)
            rows.append(
                {
                    "positionId": p.position_id,
                    "positionLotId": lot.lot_id,
                    "price": lot.price,
                    "termCode": 1,
                    "daysGain": ZERO,
                    "marketValue": value,
                    "totalCost": cost,
                    "totalCostForGainPct": cost,
                    "totalGain": money(value - cost),
                    "lotSourceCode": 0,
                    "originalQty": lot.quantity,
                    "remainingQty": lot.quantity,
                    "availableQty": lot.quantity,
                    "orderNo": 0,
                    "legNo": 0,
                    "acquiredDate": lot.acquired_ms,
                    "locationCode": 0,
                    "exchangeRate": 1,
                    "settlementCurrency": "USD",
                    "paymentCurrency": "USD",
                    "adjPrice": lot.price,
                    "commPerShare": ZERO,
                    "feesPerShare": ZERO,
                    "premiumAdj": ZERO,
                    "shortType": 0,
                }
            )
        return rows

    def position_lots(self, call: SimRequest) -> Reply:
        with self.book.lock:
            account = self.book.account(call.params[0])
            for position in account.positions:
                if str(position.position_id) == call.params[1]:
                    return ok(call, {"PositionLotsResponse": {"PositionLot": self._lots(position)}})
        raise ApiError(400, codes.INVALID_POSITION_ID, f"Invalid position id {call.params[1]}.")

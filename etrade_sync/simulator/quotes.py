"""Quote payloads: the ``QuoteData`` entries and their detail blocks."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .market_data import EquityQuote, Market, OptionQuote, OptionSpec, money
from .tokens import NEW_YORK

__all__ = ["FLAG_BLOCKS", "QuoteBuilder", "ny_time_string"]

JSONDict = dict[str, Any]
FLAG_BLOCKS = {
    "ALL": "All",
    "FUNDAMENTAL": "Fundamental",
    "INTRADAY": "Intraday",
    "OPTIONS": "Option",
    "WEEK_52": "Week52",
    "MF_DETAIL": "MutualFund",
}


def ny_time_string(epoch: float) -> str:
    """E*TRADE's display time, e.g. ``09:06:38 EDT 03-12-2020``."""
    return datetime.fromtimestamp(epoch, NEW_YORK).strftime("%H:%M:%S %Z %m-%d-%Y")


class QuoteBuilder:
    """Builds ``QuoteData`` entries from the simulated market."""

    def __init__(self, market: Market) -> None:
        self.market = market

    @property
    def now(self) -> float:
        return self.market.clock.now()

    def header(self) -> JSONDict:
        now = self.now
        is_open = self.market.is_market_open()
        return {
            "dateTime": ny_time_string(now),
            "dateTimeUTC": int(now),
            "quoteStatus": "REALTIME" if is_open else "CLOSING",
            "ahFlag": "false" if is_open else "true",
            "hasMiniOptions": False,
        }

    def equity(self, q: EquityQuote, flag: str, earnings: bool) -> JSONDict:
        now = int(self.now)
        if q.security_type == "MF":
            flag = "MF_DETAIL"
        common = {"companyName": q.description, "symbolDescription": q.description}
        block: JSONDict
        if flag == "ALL":
            block = self._all_block(q, now, earnings)
        elif flag == "FUNDAMENTAL":
            block = {
                **common,
                "eps": q.eps,
                "estEarnings": q.est_earnings,
                "high52": q.high52,
                "lastTrade": q.last,
                "low52": q.low52,
            }
        elif flag == "INTRADAY":
            block = {
                "ask": q.ask,
                "bid": q.bid,
                "changeClose": q.change,
                "changeClosePercentage": q.change_pct,
                "companyName": q.description,
                "high": q.high,
                "lastTrade": q.last,
                "low": q.low,
                "totalVolume": q.volume,
            }
        elif flag == "WEEK_52":
            block = {
                **common,
                "high52": q.high52,
                "lastTrade": q.last,
                "low52": q.low52,
                "perf12Months": money(q.last / q.low52 * 10),
                "previousClose": q.previous_close,
                "totalVolume": q.volume,
            }
        elif flag == "OPTIONS":
            block = {
                **common,
                "ask": q.ask,
                "askSize": q.ask_size,
                "bid": q.bid,
                "bidSize": q.bid_size,
                "lastTrade": q.last,
                "daysToExpiration": 0,
                "openInterest": 0,
                "optionMultiplier": 0,
                "contractSize": 0,
            }
        else:
            block = {
                "symbolDescription": q.description,
                "cusip": f"9{zlib.crc32(q.symbol.encode()) % 10**8:08d}",
                "changeClose": q.change,
                "changeClosePercentage": q.change_pct,
                "previousClose": q.previous_close,
                "netAssetValue": q.last,
                "publicOfferPrice": q.last,
                "timeOfLastTrade": now,
                "fundFamily": "VANGUARD",
                "fundName": q.description,
                "transactionFee": 0,
                "initialInvestment": 3000,
                "netExpenseRatio": 0.04,
                "grossExpenseRatio": 0.04,
                "availability": "Open to new buy and sell",
            }
        return {
            **self.header(),
            FLAG_BLOCKS[flag]: block,
            "Product": {"symbol": q.symbol, "securityType": q.security_type},
        }

    def _all_block(self, q: EquityQuote, now: int, earnings: bool) -> JSONDict:
        stamp = ny_time_string(self.now)
        block: JSONDict = {
            "adjustedFlag": False,
            "ask": q.ask,
            "askSize": q.ask_size,
            "askTime": stamp,
            "bid": q.bid,
            "bidExchange": "",
            "bidSize": q.bid_size,
            "bidTime": stamp,
            "changeClose": q.change,
            "changeClosePercentage": q.change_pct,
            "companyName": q.description,
            "daysToExpiration": 0,
            "dirLast": "1" if q.change >= 0 else "2",
            "dividend": q.dividend,
            "eps": q.eps,
            "estEarnings": q.est_earnings,
            "exDividendDate": now - 40 * 86400,
            "high": q.high,
            "high52": q.high52,
            "lastTrade": q.last,
            "low": q.low,
            "low52": q.low52,
            "open": q.open,
            "openInterest": 0,
            "optionStyle": "",
            "optionUnderlier": "",
            "previousClose": q.previous_close,
            "previousDayVolume": q.average_volume,
            "primaryExchange": q.exchange,
            "symbolDescription": q.description,
            "totalVolume": q.volume,
            "upc": 0,
            "cashDeliverable": 0,
            "marketCap": q.market_cap,
            "sharesOutstanding": q.shares_outstanding,
            "nextEarningDate": "",
            "beta": q.beta,
            "yield": q.dividend_yield,
            "declaredDividend": q.dividend,
            "dividendPayableDate": 0,
            "pe": q.pe,
            "week52LowDate": now - 200 * 86400,
            "week52HiDate": now - 30 * 86400,
            "intrinsicValue": 0,
            "timePremium": 0,
            "optionMultiplier": 0,
            "contractSize": 0,
            "expirationDate": 0,
            "timeOfLastTrade": now,
            "averageVolume": q.average_volume,
        }
        if earnings:
            block["nextEarningDate"] = (
                datetime.fromtimestamp(self.now, NEW_YORK).date() + timedelta(days=23)
            ).strftime("%m/%d/%Y")
        if not self.market.is_market_open():
            block["ExtendedHourQuoteDetail"] = {
                "lastPrice": q.last,
                "change": q.change,
                "percentChange": q.change_pct,
                "bid": q.bid,
                "bidSize": q.bid_size,
                "ask": q.ask,
                "askSize": q.ask_size,
                "volume": q.volume,
                "timeOfLastTrade": now,
                "timeZone": "ET",
                "quoteStatus": "EH_CLOSED",
            }
        return block

    def option(self, spec: OptionSpec, flag: str) -> JSONDict:
        oq = self.market.option_quote(spec)
        block: JSONDict = {
            "ask": oq.ask,
            "askSize": oq.ask_size,
            "bid": oq.bid,
            "bidSize": oq.bid_size,
            "companyName": self.market.quote(spec.underlier).description,
            "daysToExpiration": oq.days_to_expiration,
            "lastTrade": oq.price,
            "openInterest": oq.open_interest,
            "optionPreviousBidPrice": oq.bid,
            "optionPreviousAskPrice": oq.ask,
            "osiKey": spec.osi_key,
            "intrinsicValue": oq.intrinsic,
            "timePremium": max(oq.price - oq.intrinsic, Decimal(0)),
            "optionMultiplier": 100,
            "contractSize": 100,
            "symbolDescription": spec.display,
            "OptionGreeks": self.greeks(oq),
        }
        if flag == "ALL":
            block.update(
                {
                    "totalVolume": oq.volume,
                    "optionUnderlier": spec.underlier,
                    "optionStyle": "AMERICAN",
                    "timeOfLastTrade": int(self.now),
                    "expirationDate": int(spec.expiry_epoch()),
                }
            )
        key = "All" if flag == "ALL" else "Option"
        return {**self.header(), key: block, "Product": self.option_product(spec)}

    @staticmethod
    def option_product(spec: OptionSpec) -> JSONDict:
        return {
            "symbol": spec.underlier,
            "securityType": "OPTN",
            "callPut": spec.call_put,
            "expiryYear": spec.expiry.year,
            "expiryMonth": spec.expiry.month,
            "expiryDay": spec.expiry.day,
            "strikePrice": spec.strike,
        }

    @staticmethod
    def greeks(oq: OptionQuote) -> JSONDict:
        return {
            "rho": oq.rho,
            "vega": oq.vega,
            "theta": oq.theta,
            "delta": oq.delta,
            "gamma": oq.gamma,
            "iv": oq.iv,
            "currentValue": True,
        }

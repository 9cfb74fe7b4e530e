"""Deterministic market data: a company table, equity quotes and option prices.

Prices come from a hash of (seed, symbol) so the same simulator seed always shows the same
market. ``Market.set_price`` overrides a last price (bid and ask follow it).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from .clock import SimClock
from .tokens import NEW_YORK

__all__ = ["COMPANIES", "Company", "EquityQuote", "Market", "OptionQuote", "OptionSpec"]

CENT = Decimal("0.01")
_EQUITY_RE = re.compile(r"^[A-Z]{1,5}([.-][A-Z]{1,2})?$")
_OPTION_RE = re.compile(
    r"^([A-Z]{1,5}(?:[.-][A-Z]{1,2})?):(\d{4}):(\d{1,2}):(\d{1,2}):(CALL|PUT):(\d+(?:\.\d+)?)$"
)
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Company:
    symbol: str
    name: str
    exchange: str
    price: float
    kind: str = "EQUITY"


COMPANIES: tuple[Company, ...] = tuple(
    Company(sym, name, exch, price, kind)
    for sym, name, exch, price, kind in [
        ("AAPL", "APPLE INC COM", "NSDQ", 190.0, "EQUITY"),
        ("MSFT", "MICROSOFT CORP COM", "NSDQ", 410.0, "EQUITY"),
        ("GOOG", "ALPHABET INC CAP STK CL C", "NSDQ", 165.0, "EQUITY"),
        ("GOOGL", "ALPHABET INC CAP STK CL A", "NSDQ", 164.0, "EQUITY"),
        ("AMZN", "AMAZON COM INC COM", "NSDQ", 180.0, "EQUITY"),
        ("META", "META PLATFORMS INC CL A", "NSDQ", 490.0, "EQUITY"),
        ("NVDA", "NVIDIA CORP COM", "NSDQ", 120.0, "EQUITY"),
        ("TSLA", "TESLA INC COM", "NSDQ", 210.0, "EQUITY"),
        ("IBM", "INTERNATIONAL BUSINESS MACHS CORP COM", "NYSE", 185.0, "EQUITY"),
        ("INTC", "INTEL CORP COM", "NSDQ", 31.0, "EQUITY"),
        ("AMD", "ADVANCED MICRO DEVICES INC COM", "NSDQ", 160.0, "EQUITY"),
        ("ORCL", "ORACLE CORP COM", "NYSE", 125.0, "EQUITY"),
        ("CSCO", "CISCO SYS INC COM", "NSDQ", 48.0, "EQUITY"),
        ("JPM", "JPMORGAN CHASE & CO COM", "NYSE", 200.0, "EQUITY"),
        ("BAC", "BANK AMER CORP COM", "NYSE", 39.0, "EQUITY"),
        ("WFC", "WELLS FARGO CO NEW COM", "NYSE", 58.0, "EQUITY"),
        ("GS", "GOLDMAN SACHS GROUP INC COM", "NYSE", 460.0, "EQUITY"),
        ("V", "VISA INC COM CL A", "NYSE", 275.0, "EQUITY"),
        ("MA", "MASTERCARD INCORPORATED CL A", "NYSE", 455.0, "EQUITY"),
        ("KO", "COCA COLA CO COM", "NYSE", 62.0, "EQUITY"),
        ("PEP", "PEPSICO INC COM", "NSDQ", 170.0, "EQUITY"),
        ("WMT", "WALMART INC COM", "NYSE", 67.0, "EQUITY"),
        ("DIS", "DISNEY WALT CO COM", "NYSE", 100.0, "EQUITY"),
        ("NFLX", "NETFLIX INC COM", "NSDQ", 640.0, "EQUITY"),
        ("XOM", "EXXON MOBIL CORP COM", "NYSE", 115.0, "EQUITY"),
        ("CVX", "CHEVRON CORP NEW COM", "NYSE", 157.0, "EQUITY"),
        ("JNJ", "JOHNSON & JOHNSON COM", "NYSE", 150.0, "EQUITY"),
        ("PFE", "PFIZER INC COM", "NYSE", 28.0, "EQUITY"),
        ("T", "AT&T INC COM", "NYSE", 17.0, "EQUITY"),
        ("F", "FORD MTR CO DEL COM", "NYSE", 12.0, "EQUITY"),
        ("BRK.B", "BERKSHIRE HATHAWAY INC DEL CL B NEW", "NYSE", 410.0, "EQUITY"),
        ("SPY", "SPDR S&P 500 ETF TR TR UNIT", "ARCA", 530.0, "EQUITY"),
        ("QQQ", "INVESCO QQQ TR UNIT SER 1", "NSDQ", 460.0, "EQUITY"),
        ("VFIAX", "VANGUARD 500 INDEX FUND ADMIRAL SHARES", "MF", 490.0, "MUTUAL_FUND"),
    ]
)
_BY_SYMBOL = {c.symbol: c for c in COMPANIES}


def money(value: float | Decimal, places: str = "0.01") -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _unit(seed: int, symbol: str, salt: str) -> float:
    digest = hashlib.sha256(f"{seed}|{symbol}|{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class EquityQuote:
    symbol: str
    description: str
    exchange: str
    security_type: str
    last: Decimal
    bid: Decimal
    ask: Decimal
    bid_size: int
    ask_size: int
    previous_close: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume: int
    average_volume: int
    high52: Decimal
    low52: Decimal
    shares_outstanding: int
    eps: Decimal
    pe: Decimal
    beta: Decimal
    dividend: Decimal
    est_earnings: Decimal

    @property
    def change(self) -> Decimal:
        return self.last - self.previous_close

    @property
    def change_pct(self) -> Decimal:
        if not self.previous_close:
            return Decimal(0)
        return money(self.change / self.previous_close * 100)

    @property
    def market_cap(self) -> Decimal:
        return money(self.last * self.shares_outstanding)

    @property
    def dividend_yield(self) -> Decimal:
        return money(self.dividend * 4 / self.last * 100, "0.0001") if self.last else Decimal(0)


@dataclass(frozen=True)
class OptionSpec:
    underlier: str
    expiry: date
    call_put: str  # "CALL" | "PUT"
    strike: Decimal

    @classmethod
    def parse(cls, text: str) -> OptionSpec | None:
        match = _OPTION_RE.match(text)
        if not match:
            return None
        root, year, month, day, call_put, strike = match.groups()
        try:
            expiry = date(int(year), int(month), int(day))
        except ValueError:
            return None
        value = Decimal(strike)
        return cls(root, expiry, call_put, value) if value > 0 else None

    @property
    def symbol(self) -> str:
        e = self.expiry
        return f"{self.underlier}:{e.year}:{e.month}:{e.day}:{self.call_put}:{self.strike:.6f}"

    @property
    def osi_key(self) -> str:
        e = self.expiry
        root = self.underlier.replace(".", "").ljust(6, "-")
        return f"{root}{e:%y%m%d}{self.call_put[0]}{int(self.strike * 1000):08d}"

    @property
    def display(self) -> str:
        e = self.expiry
        label = "Call" if self.call_put == "CALL" else "Put"
        strike = f"{self.strike.normalize():f}"
        return f"{self.underlier} {_MONTHS[e.month - 1]} {e.day} '{e:%y} ${strike} {label}"

    def expiry_epoch(self) -> float:
        return datetime.combine(self.expiry, time(16, 0), tzinfo=NEW_YORK).timestamp()


@dataclass(frozen=True)
class OptionQuote:
    spec: OptionSpec
    underlying: Decimal
    price: Decimal
    bid: Decimal
    ask: Decimal
    bid_size: int
    ask_size: int
    volume: int
    open_interest: int
    iv: float
    delta: float
    gamma: float
    theta: float
    vega: float
    rho: float
    days_to_expiration: int

    @property
    def in_the_money(self) -> bool:
        if self.spec.call_put == "CALL":
            return self.underlying > self.spec.strike
        return self.underlying < self.spec.strike

    @property
    def intrinsic(self) -> Decimal:
        diff = self.underlying - self.spec.strike
        return max(diff if self.spec.call_put == "CALL" else -diff, Decimal(0))


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _norm_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


class Market:
    """Quotes for any valid symbol, deterministic per seed, with price overrides."""

    RATE = 0.045

    def __init__(self, seed: int, clock: SimClock) -> None:
        self.seed = seed
        self.clock = clock
        self.invalid_symbols: set[str] = {"APPL", "INVALID", "ZZZZZ"}
        self._overrides: dict[str, Decimal] = {}
        self._cache: dict[str, EquityQuote] = {}
        self._lock = threading.Lock()

    def set_price(self, symbol: str, price: float | Decimal | str) -> None:
        with self._lock:
            self._overrides[symbol.upper()] = money(Decimal(str(price)))
            self._cache.pop(symbol.upper(), None)

    def is_equity_symbol(self, symbol: str) -> bool:
        return bool(_EQUITY_RE.match(symbol)) and symbol not in self.invalid_symbols

    def company(self, symbol: str) -> Company | None:
        return _BY_SYMBOL.get(symbol)

    def is_market_open(self) -> bool:
        local = datetime.fromtimestamp(self.clock.now(), NEW_YORK)
        return local.weekday() < 5 and time(9, 30) <= local.time() < time(16, 0)

    def quote(self, symbol: str) -> EquityQuote:
        """The quote for an equity symbol (quotes do not move unless ``set_price`` is used)."""
        with self._lock:
            cached = self._cache.get(symbol)
            if cached is None:
                cached = self._compute_quote(symbol, self._overrides.get(symbol))
                if len(self._cache) > 5000:
                    self._cache.clear()
                self._cache[symbol] = cached
            return cached

    def _compute_quote(self, symbol: str, override: Decimal | None) -> EquityQuote:
        s, u = self.seed, symbol
        company = _BY_SYMBOL.get(symbol)
        base = company.price if company else 5.0 + 295.0 * _unit(s, u, "base")
        last = money(base * (1 + (_unit(s, u, "drift") - 0.5) * 0.06))
        if override is not None:
            last = override
        change_pct = (_unit(s, u, "chg") - 0.5) * 0.06
        prev = money(float(last) / (1 + change_pct))
        spread = max(CENT, money(float(last) * 0.0004))
        opened = money(float(prev) * (1 + (_unit(s, u, "open") - 0.5) * 0.01))
        high = max(opened, last) + money(float(last) * 0.01 * _unit(s, u, "hi"))
        low = max(min(opened, last) - money(float(last) * 0.01 * _unit(s, u, "lo")), CENT)
        pe = money(12 + 30 * _unit(s, u, "pe"))
        shares = int(2e8 + 5e9 * _unit(s, u, "shares"))
        return EquityQuote(
            symbol=symbol,
            description=company.name if company else f"{symbol} COMMON STOCK",
            exchange=company.exchange if company else "NYSE",
            security_type="MF" if company and company.kind == "MUTUAL_FUND" else "EQ",
            last=last,
            bid=last - spread if last > spread else Decimal(0),
            ask=last + spread,
            bid_size=100 * (1 + int(20 * _unit(s, u, "bs"))),
            ask_size=100 * (1 + int(20 * _unit(s, u, "as"))),
            previous_close=prev,
            open=opened,
            high=high,
            low=low,
            volume=int(5e5 + 4e7 * _unit(s, u, "vol")),
            average_volume=int(5e5 + 4e7 * _unit(s, u, "avgvol")),
            high52=max(high, money(float(last) * (1.05 + 0.4 * _unit(s, u, "h52")))),
            low52=min(low, money(float(last) * (0.95 - 0.4 * _unit(s, u, "l52")))),
            shares_outstanding=shares,
            eps=money(float(last) / float(pe)),
            pe=pe,
            beta=money(0.5 + 1.2 * _unit(s, u, "beta")),
            dividend=money(0.8 * _unit(s, u, "div")) if _unit(s, u, "pays") < 0.7 else Decimal(0),
            est_earnings=money(float(last) / float(pe) * 1.08),
        )

    def option_quote(self, spec: OptionSpec) -> OptionQuote:
        under = self.quote(spec.underlier).last
        s, u = self.seed, spec.symbol
        years = (spec.expiry_epoch() - self.clock.now()) / (365.0 * 86400.0)
        sigma = 0.2 + 0.35 * _unit(self.seed, spec.underlier, "iv")
        spot, strike, r = float(under), float(spec.strike), self.RATE
        is_call = spec.call_put == "CALL"
        if years <= 0:
            value = max(spot - strike, 0.0) if is_call else max(strike - spot, 0.0)
            delta = (1.0 if spot > strike else 0.0) if is_call else (-1.0 if spot < strike else 0.0)
            gamma = theta = vega = rho = 0.0
        else:
            root = sigma * math.sqrt(years)
            d1 = (math.log(spot / strike) + (r + sigma * sigma / 2) * years) / root
            d2 = d1 - root
            disc = math.exp(-r * years)
            if is_call:
                value = spot * _norm_cdf(d1) - strike * disc * _norm_cdf(d2)
                delta = _norm_cdf(d1)
                rho = strike * years * disc * _norm_cdf(d2) / 100
                carry = -r * strike * disc * _norm_cdf(d2)
            else:
                value = strike * disc * _norm_cdf(-d2) - spot * _norm_cdf(-d1)
                delta = _norm_cdf(d1) - 1
                rho = -strike * years * disc * _norm_cdf(-d2) / 100
                carry = r * strike * disc * _norm_cdf(-d2)
            gamma = _norm_pdf(d1) / (spot * root)
            vega = spot * _norm_pdf(d1) * math.sqrt(years) / 100
            theta = (-spot * _norm_pdf(d1) * sigma / (2 * math.sqrt(years)) + carry) / 365
        price = max(money(value), Decimal(0))
        half = max(CENT, money(float(price) * 0.03))
        days = max(
            0, (spec.expiry - datetime.fromtimestamp(self.clock.now(), NEW_YORK).date()).days
        )
        return OptionQuote(
            spec=spec,
            underlying=under,
            price=price,
            bid=max(price - half, Decimal(0)),
            ask=price + half,
            bid_size=int(1 + 200 * _unit(s, u, "bs")),
            ask_size=int(1 + 200 * _unit(s, u, "as")),
            volume=int(5000 * _unit(s, u, "vol")),
            open_interest=int(20000 * _unit(s, u, "oi")),
            iv=round(sigma, 4),
            delta=round(delta, 4),
            gamma=round(gamma, 4),
            theta=round(theta, 4),
            vega=round(vega, 4),
            rho=round(rho, 4),
            days_to_expiration=days,
        )

"""Deterministic starting state built from the simulator's seed.

Three accounts: an individual margin account (about $100,000 cash, several stock
positions, one held in two lots, and a long call), an IRA cash account (about $25,000 and
one or two positions) and a closed account. Each open account has about 120 transactions
over the year before the simulator's clock.
"""

from __future__ import annotations

import base64
import random
from datetime import datetime
from decimal import Decimal

from .market_api import expirations
from .market_data import Market, OptionSpec, money
from .state import Account, Lot, Position, Transaction
from .tokens import NEW_YORK

__all__ = ["build_accounts", "transaction_id"]

_STOCKS = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "JPM", "KO", "IBM", "CSCO", "PEP", "XOM", "DIS"]
_IRA_FUNDS = ["SPY", "QQQ", "JNJ", "WMT"]
DAY = 86400


def transaction_id(epoch: float, counter: int) -> str:
    """14-digit id: two-digit year, day of year, then a running counter."""
    moment = datetime.fromtimestamp(epoch, NEW_YORK)
    return f"{moment:%y}{moment.timetuple().tm_yday:03d}{counter % 10**9:09d}"


def _account_key(rng: random.Random) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(16)).decode().rstrip("=")


def _cash(rng: random.Random, around: float) -> Decimal:
    return money(around * (1 + rng.uniform(-0.04, 0.04)))


class _Builder:
    def __init__(self, seed: int, market: Market) -> None:
        self.rng = random.Random(seed)
        self.market = market
        self.now = market.clock.now()
        self.txn_counter = self.rng.randrange(10**8, 5 * 10**8)

    def ms_days_ago(self, low: int, high: int) -> int:
        return int((self.now - self.rng.uniform(low, high) * DAY) * 1000)

    def position_id(self) -> int:
        return self.rng.randrange(10**10, 10**11)

    def stock_position(self, symbol: str, lots: int = 1) -> Position:
        last = self.market.quote(symbol).last
        position = Position(self.position_id(), symbol, "EQ")
        for _ in range(lots):
            quantity = Decimal(self.rng.randrange(2, 40) * 5)
            price = money(float(last) * self.rng.uniform(0.75, 1.15))
            lot = Lot(self.position_id(), quantity, price, self.ms_days_ago(30, 700))
            position.lots.append(lot)
        return position

    def option_position(self, symbol: str) -> Position:
        today = datetime.fromtimestamp(self.now, NEW_YORK).date()
        monthly = [d for d, _ in expirations(today, "MONTHLY")]
        expiry = monthly[2]
        last = self.market.quote(symbol).last
        step = Decimal(1) if last < 25 else Decimal(5) if last < 200 else Decimal(10)
        strike = (last / step).quantize(Decimal(1)) * step + step
        spec = OptionSpec(symbol, expiry, "CALL", strike)
        premium = money(float(self.market.option_quote(spec).price) * self.rng.uniform(0.8, 1.1))
        lot = Lot(
            self.position_id(), Decimal(2), max(premium, Decimal("0.05")), self.ms_days_ago(5, 25)
        )
        return Position(self.position_id(), symbol, "OPTN", [lot], spec)

    def transactions(self, account_id: str, symbols: list[str], ira: bool) -> list[Transaction]:
        out: list[Transaction] = []
        stamps = sorted(self.now - self.rng.uniform(1, 365) * DAY for _ in range(120))
        kinds = ["Bought", "Sold", "Dividend", "Interest Income", "Online Transfer", "Fee"]
        weights = [35, 20, 20, 10, 10, 5]
        for stamp in stamps:
            self.txn_counter += self.rng.randrange(1, 5000)
            kind = self.rng.choices(kinds, weights)[0]
            txn = Transaction(
                transaction_id(stamp, self.txn_counter),
                int(stamp * 1000),
                Decimal(0),
                "",
                kind,
                "Trades",
            )
            symbol = self.rng.choice(symbols)
            if kind in {"Bought", "Sold"}:
                quantity = Decimal(self.rng.randrange(1, 50))
                price = money(float(self.market.quote(symbol).last) * self.rng.uniform(0.8, 1.2))
                sign = -1 if kind == "Bought" else 1
                txn.symbol, txn.security_type, txn.price = symbol, "EQ", price
                txn.quantity = quantity if kind == "Bought" else -quantity
                txn.amount = money(sign * quantity * price)
                txn.description = f"{self.market.quote(symbol).description}"
            elif kind == "Dividend":
                txn.symbol, txn.security_type, txn.category = symbol, "EQ", "Income"
                txn.amount = money(self.rng.uniform(5, 200))
                txn.description = f"{self.market.quote(symbol).description} CASH DIV"
            elif kind == "Interest Income":
                txn.amount, txn.category = money(self.rng.uniform(0.5, 30)), "Income"
                txn.description = "INTEREST ON CREDIT BALANCE"
            elif kind == "Online Transfer":
                txn.category = "Transfers"
                amount = self.rng.uniform(500, 5000) * (1 if ira or self.rng.random() < 0.7 else -1)
                txn.amount = money(amount)
                txn.description = "IRA CONTRIBUTION" if ira else "TRANSFER FROM BANK"
            else:
                txn.amount, txn.category = money(-self.rng.uniform(1, 25)), "Fees"
                txn.fee = -txn.amount
                txn.description = "ADR FEE" if self.rng.random() < 0.5 else "WIRE FEE"
            out.append(txn)
        return out


def build_accounts(seed: int, market: Market) -> tuple[list[Account], int]:
    """The starting accounts and the next free transaction counter."""
    b = _Builder(seed, market)
    rng = b.rng
    stocks = rng.sample(_STOCKS, rng.randint(4, 6))
    margin = Account(
        account_id=str(rng.randrange(10**7, 10**8)),
        account_id_key=_account_key(rng),
        account_type="INDIVIDUAL",
        account_mode="MARGIN",
        account_desc="Individual Brokerage",
        account_name="Brokerage",
        status="ACTIVE",
        cash=_cash(rng, 100_000),
        option_level="LEVEL_3",
    )
    margin.positions = [b.stock_position(sym, 2 if i == 0 else 1) for i, sym in enumerate(stocks)]
    margin.positions.append(b.option_position(stocks[1]))
    ira_symbols = rng.sample(_IRA_FUNDS, rng.randint(1, 2))
    ira = Account(
        account_id=str(rng.randrange(10**7, 10**8)),
        account_id_key=_account_key(rng),
        account_type="IRA",
        account_mode="CASH",
        account_desc="Rollover IRA",
        account_name="Retirement",
        status="ACTIVE",
        cash=_cash(rng, 25_000),
        option_level="LEVEL_1",
    )
    ira.positions = [b.stock_position(sym) for sym in ira_symbols]
    closed = Account(
        account_id=str(rng.randrange(10**7, 10**8)),
        account_id_key=_account_key(rng),
        account_type="INDIVIDUAL",
        account_mode="CASH",
        account_desc="Individual Brokerage",
        account_name="Old Brokerage",
        status="CLOSED",
        cash=Decimal("0.00"),
        closed_date=int(b.now - rng.randrange(60, 300) * DAY),
        option_level="NO_OPTIONS",
    )
    margin.transactions = b.transactions(margin.account_id, stocks, ira=False)
    ira.transactions = b.transactions(ira.account_id, ira_symbols, ira=True)
    return [margin, ira, closed], b.txn_counter + 1

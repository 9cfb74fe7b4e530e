"""The simulator's shared brokerage state: accounts, valuation and fills."""

from __future__ import annotations

import itertools
import threading
from decimal import Decimal

from . import codes
from .clock import SimClock
from .market_data import Market, money
from .seed_data import build_accounts, transaction_id
from .state import ZERO, Account, Lot, OrderLeg, OrderRecord, Position, Transaction
from .wire import ApiError

__all__ = ["OPTION_COMMISSION", "Book"]

OPTION_COMMISSION = Decimal("0.65")
_TXN_TYPES = {
    "BUY": "Bought",
    "SELL": "Sold",
    "SELL_SHORT": "Sold Short",
    "BUY_TO_COVER": "Bought To Cover",
    "BUY_OPEN": "Bought To Open",
    "SELL_OPEN": "Sold To Open",
    "BUY_CLOSE": "Bought To Close",
    "SELL_CLOSE": "Sold To Close",
}


class Book:
    """Accounts plus the counters and valuation rules shared by the endpoint groups."""

    def __init__(self, seed: int, clock: SimClock, lock: threading.RLock) -> None:
        self.clock = clock
        self.lock = lock
        self.market = Market(seed, clock)
        self.accounts, txn_counter = build_accounts(seed, self.market)
        self._txn_counter = itertools.count(txn_counter)
        self._ids = itertools.count(seed % 1000 * 10**7 + 52_000_000_000)

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def new_id(self) -> int:
        """A fresh position or lot id."""
        return next(self._ids)

    def account(self, key: str) -> Account:
        for account in self.accounts:
            if account.account_id_key == key:
                return account
        raise ApiError(400, codes.INVALID_ACCOUNT_KEY, f"Invalid account key {key}.")

    # -- valuation -----------------------------------------------------------------------

    def price(self, position: Position) -> Decimal:
        if position.option is not None:
            return self.market.option_quote(position.option).price
        return self.market.quote(position.symbol).last

    def previous_price(self, position: Position) -> Decimal:
        if position.option is not None:
            return self.price(position)
        return self.market.quote(position.symbol).previous_close

    def market_value(self, position: Position) -> Decimal:
        return money(position.quantity * self.price(position) * position.multiplier)

    def net_mv(self, account: Account) -> tuple[Decimal, Decimal]:
        """(long market value, short market value) of an account's positions."""
        values = [self.market_value(p) for p in account.positions]
        return sum((v for v in values if v > 0), ZERO), sum((v for v in values if v < 0), ZERO)

    def open_order_reserve(self, account: Account) -> Decimal:
        return sum(
            (o.order_value for o in account.orders if o.status == "OPEN" and o.order_value > 0),
            ZERO,
        )

    def buying_power(self, account: Account) -> tuple[Decimal, Decimal]:
        """(cash buying power, margin buying power)."""
        cash_bp = max(account.cash - self.open_order_reserve(account), ZERO)
        if not account.is_margin:
            return money(cash_bp), ZERO
        long_equity = sum(
            (
                self.market_value(p)
                for p in account.positions
                if p.option is None and p.quantity > 0
            ),
            ZERO,
        )
        return money(cash_bp), money(2 * cash_bp + long_equity)

    # -- fills ---------------------------------------------------------------------------

    @staticmethod
    def commission(leg: OrderLeg, quantity: Decimal) -> Decimal:
        return money(OPTION_COMMISSION * quantity) if leg.option is not None else ZERO

    def fill(self, account: Account, order: OrderRecord, leg: OrderLeg, price: Decimal) -> None:
        """Execute ``leg`` fully at ``price``: cash, position, transaction, order fields."""
        quantity = leg.quantity
        gross = money(quantity * price * leg.multiplier)
        fee = self.commission(leg, quantity)
        account.cash += -gross - fee if leg.is_buy else gross - fee
        self._move_position(account, leg, quantity if leg.is_buy else -quantity, price)
        leg.filled_quantity = quantity
        leg.average_execution_price = price
        order.executed_time = self.now_ms()
        order.status = "EXECUTED"
        counter = next(self._txn_counter)
        account.transactions.append(
            Transaction(
                transaction_id=transaction_id(self.clock.now(), counter),
                date_ms=self.now_ms(),
                amount=-gross - fee if leg.is_buy else gross - fee,
                description=leg.description,
                transaction_type=_TXN_TYPES.get(leg.action, leg.action.title()),
                category="Trades",
                symbol=leg.symbol,
                security_type=leg.security_type,
                quantity=quantity if leg.is_buy else -quantity,
                price=price,
                fee=fee,
            )
        )

    def _move_position(
        self, account: Account, leg: OrderLeg, delta: Decimal, price: Decimal
    ) -> None:
        position = account.position_for(leg.key)
        if position is None:
            position = Position(self.new_id(), leg.symbol, leg.security_type, [], leg.option)
            account.positions.append(position)
        held = position.quantity
        if held == 0 or (held > 0) == (delta > 0):
            position.lots.append(Lot(self.new_id(), delta, price, self.now_ms()))
        else:
            remaining = delta
            for lot in list(position.lots):
                if remaining == 0:
                    break
                take = min(abs(lot.quantity), abs(remaining))
                step = take if remaining > 0 else -take
                lot.quantity += step
                remaining -= step
                if lot.quantity == 0:
                    position.lots.remove(lot)
            if remaining != 0:
                position.lots.append(Lot(self.new_id(), remaining, price, self.now_ms()))
        if position.quantity == 0:
            account.positions.remove(position)

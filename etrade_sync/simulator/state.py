"""Account state records: accounts, positions and lots, transactions and orders.

The records are plain mutable dataclasses guarded by the simulator's lock. The simulator
hands out deep copies (``sim.accounts``, ``sim.orders(key)``), never the live objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .market_data import OptionSpec

__all__ = [
    "Account",
    "Lot",
    "OrderLeg",
    "OrderRecord",
    "Position",
    "Transaction",
]

ZERO = Decimal(0)


@dataclass
class Lot:
    lot_id: int
    quantity: Decimal  # negative for a short lot
    price: Decimal  # per share, or per-share premium for options
    acquired_ms: int


@dataclass
class Position:
    position_id: int
    symbol: str  # the underlier for an option position
    security_type: str  # "EQ" | "OPTN" | "MF"
    lots: list[Lot] = field(default_factory=list)
    option: OptionSpec | None = None

    @property
    def quantity(self) -> Decimal:
        return sum((lot.quantity for lot in self.lots), ZERO)

    @property
    def key(self) -> str:
        """The symbol orders use for this holding (an option's full colon symbol)."""
        return self.option.symbol if self.option else self.symbol

    @property
    def multiplier(self) -> int:
        return 100 if self.option else 1

    @property
    def total_cost(self) -> Decimal:
        return sum((lot.quantity * lot.price for lot in self.lots), ZERO) * self.multiplier

    @property
    def date_acquired_ms(self) -> int:
        return min((lot.acquired_ms for lot in self.lots), default=0)


@dataclass
class Transaction:
    transaction_id: str
    date_ms: int
    amount: Decimal
    description: str
    transaction_type: str
    category: str
    symbol: str | None = None
    security_type: str | None = None
    quantity: Decimal = ZERO
    price: Decimal = ZERO
    fee: Decimal = ZERO


@dataclass
class OrderLeg:
    symbol: str  # the underlier for an option leg
    security_type: str
    action: str
    quantity: Decimal
    quantity_type: str
    description: str
    option: OptionSpec | None = None
    filled_quantity: Decimal = ZERO
    average_execution_price: Decimal | None = None

    @property
    def key(self) -> str:
        return self.option.symbol if self.option else self.symbol

    @property
    def is_buy(self) -> bool:
        return self.action in {"BUY", "BUY_TO_COVER", "BUY_OPEN", "BUY_CLOSE"}

    @property
    def multiplier(self) -> int:
        return 100 if self.option else 1


@dataclass
class OrderRecord:
    order_id: int
    client_order_id: str
    account_id_key: str
    order_type: str
    status: str
    price_type: str
    order_term: str
    market_session: str
    all_or_none: bool
    limit_price: Decimal | None
    stop_price: Decimal | None
    legs: list[OrderLeg]
    placed_time: int  # epoch ms
    estimated_commission: Decimal = ZERO
    order_value: Decimal = ZERO
    executed_time: int | None = None  # epoch ms
    cancel_time: int | None = None  # epoch ms
    replaces_order_id: int | None = None
    replaced_by_order_id: int | None = None
    preview_id: int | None = None
    request_order: list[dict[str, Any]] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        return self.legs[0].symbol

    @property
    def quantity(self) -> Decimal:
        return self.legs[0].quantity

    @property
    def action(self) -> str:
        return self.legs[0].action

    @property
    def filled_quantity(self) -> Decimal:
        return self.legs[0].filled_quantity

    @property
    def average_execution_price(self) -> Decimal | None:
        return self.legs[0].average_execution_price

    @property
    def security_type(self) -> str:
        return self.legs[0].security_type


@dataclass
class Account:
    account_id: str
    account_id_key: str
    account_type: str  # INDIVIDUAL | IRA
    account_mode: str  # MARGIN | CASH
    account_desc: str
    account_name: str
    status: str  # ACTIVE | CLOSED
    cash: Decimal
    closed_date: int = 0  # epoch s
    option_level: str = "LEVEL_2"
    positions: list[Position] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)

    @property
    def is_margin(self) -> bool:
        return self.account_mode == "MARGIN"

    @property
    def is_open(self) -> bool:
        return self.status != "CLOSED"

    def position_for(self, key: str) -> Position | None:
        for position in self.positions:
            if position.key == key:
                return position
        return None

    def summary(self) -> dict[str, Any]:
        """The ``Account`` entry of List Accounts."""
        return {
            "accountId": self.account_id,
            "accountIdKey": self.account_id_key,
            "accountMode": self.account_mode,
            "accountDesc": self.account_desc,
            "accountName": self.account_name,
            "accountType": self.account_type,
            "institutionType": "BROKERAGE",
            "accountStatus": self.status,
            "closedDate": self.closed_date,
            "shareWorksAccount": False,
        }

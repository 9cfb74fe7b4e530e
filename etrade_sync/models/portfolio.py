"""
etrade_sync.models.portfolio
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the portfolio models: :class:`Portfolio` (every position of
an account, across pages), :class:`Position`, :class:`PositionLot` and
:class:`PortfolioTotals`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import Model, decimal_tree, to_datetime, to_decimal, to_int, to_str
from .common import Product

__all__ = [
    "PORTFOLIO_VIEWS",
    "POSITION_TYPES",
    "Portfolio",
    "PortfolioTotals",
    "Position",
    "PositionLot",
]

#: ``view`` parameter -> the keys the view's block may come under.
PORTFOLIO_VIEWS: Mapping[str, tuple[str, ...]] = {
    "QUICK": ("Quick", "QuickView"),
    "PERFORMANCE": ("Performance", "PerformanceView"),
    "FUNDAMENTAL": ("Fundamental", "FundamentalView"),
    "OPTIONSWATCH": ("OptionsWatch", "OptionsWatchView"),
    "COMPLETE": ("Complete", "CompleteView"),
}

#: ``Position.position_type`` values E*TRADE documents.
POSITION_TYPES = frozenset({"LONG", "SHORT"})

_VIEW_KEYS = tuple(key for keys in PORTFOLIO_VIEWS.values() for key in keys)


@dataclasses.dataclass(frozen=True)
class PositionLot(Model):
    """One tax lot of a position (``portfolio/{positionId}``)."""

    lot_id: int | None
    position_id: int | None
    price: Decimal | None = None
    quantity: Decimal | None = None
    original_quantity: Decimal | None = None
    available_quantity: Decimal | None = None
    acquired: datetime | None = None
    market_value: Decimal | None = None
    total_cost: Decimal | None = None
    total_gain: Decimal | None = None
    days_gain: Decimal | None = None
    term: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PositionLot:
        return cls(
            lot_id=to_int(data.get("positionLotId")),
            position_id=to_int(data.get("positionId")),
            price=to_decimal(data.get("price")),
            quantity=to_decimal(data.get("remainingQty")),
            original_quantity=to_decimal(data.get("originalQty")),
            available_quantity=to_decimal(data.get("availableQty")),
            acquired=to_datetime(data.get("acquiredDate")),
            market_value=to_decimal(data.get("marketValue")),
            total_cost=to_decimal(data.get("totalCost")),
            total_gain=to_decimal(data.get("totalGain")),
            days_gain=to_decimal(data.get("daysGain")),
            term=to_str(data.get("termCode")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class Position(Model):
    """One position. ``quantity`` is a ``Decimal`` (funds hold fractional shares).

    The view block (``Quick`` for the default view) fills :attr:`last_trade` and
    friends and is kept whole as :attr:`view`, its numbers as ``Decimal`` (whole
    numbers stay ``int``). :attr:`lots` is filled only when
    the portfolio was fetched with ``lots=True``.
    """

    position_id: int | None
    product: Product
    description: str | None = None
    position_type: str | None = None
    quantity: Decimal | None = None
    price_paid: Decimal | None = None
    cost_per_share: Decimal | None = None
    total_cost: Decimal | None = None
    market_value: Decimal | None = None
    total_gain: Decimal | None = None
    total_gain_pct: Decimal | None = None
    days_gain: Decimal | None = None
    days_gain_pct: Decimal | None = None
    pct_of_portfolio: Decimal | None = None
    commissions: Decimal | None = None
    other_fees: Decimal | None = None
    date_acquired: datetime | None = None
    last_trade: Decimal | None = None
    last_trade_time: datetime | None = None
    change: Decimal | None = None
    change_pct: Decimal | None = None
    volume: int | None = None
    quote_status: str | None = None
    lots_url: str | None = None
    view_type: str | None = None
    view: Mapping[str, Any] = dataclasses.field(default_factory=dict, repr=False)
    lots: tuple[PositionLot, ...] = ()

    @property
    def symbol(self) -> str:
        """The product's symbol: for an option, its underlier (see :attr:`display_symbol`)."""
        return self.product.symbol

    @property
    def display_symbol(self) -> str:
        """``NVDA``, or for an option ``NVDA Feb 19 '27 $125 Call``."""
        return self.product.display

    @property
    def security_type(self) -> str | None:
        return self.product.security_type

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Position:
        view_key = next((k for k in _VIEW_KEYS if isinstance(data.get(k), Mapping)), None)
        view: Mapping[str, Any] = data[view_key] if view_key else {}
        return cls(
            position_id=to_int(data.get("positionId")),
            product=Product.from_api(data.get("Product")),
            description=to_str(data.get("symbolDescription")),
            position_type=to_str(data.get("positionType")),
            quantity=to_decimal(data.get("quantity")),
            price_paid=to_decimal(data.get("pricePaid")),
            cost_per_share=to_decimal(data.get("costPerShare")),
            total_cost=to_decimal(data.get("totalCost")),
            market_value=to_decimal(data.get("marketValue")),
            total_gain=to_decimal(data.get("totalGain")),
            total_gain_pct=to_decimal(data.get("totalGainPct")),
            days_gain=to_decimal(data.get("daysGain")),
            days_gain_pct=to_decimal(data.get("daysGainPct")),
            pct_of_portfolio=to_decimal(data.get("pctOfPortfolio")),
            commissions=to_decimal(data.get("commissions")),
            other_fees=to_decimal(data.get("otherFees")),
            date_acquired=to_datetime(data.get("dateAcquired")),
            last_trade=to_decimal(view.get("lastTrade")),
            last_trade_time=to_datetime(view.get("lastTradeTime")),
            change=to_decimal(view.get("change")),
            change_pct=to_decimal(view.get("changePct")),
            volume=to_int(view.get("volume")),
            quote_status=to_str(view.get("quoteStatus")),
            lots_url=to_str(data.get("lotsDetails")),
            view_type=view_key,
            view=decimal_tree(view),
            raw=data,
        )

    def with_lots(self, lots: Sequence[PositionLot]) -> Position:
        """A copy of this position carrying ``lots``."""
        return dataclasses.replace(self, lots=tuple(lots))


@dataclasses.dataclass(frozen=True)
class PortfolioTotals(Model):
    """Account-wide totals (present when the portfolio was asked with ``totals=True``)."""

    total_market_value: Decimal | None = None
    total_gain_loss: Decimal | None = None
    total_gain_loss_pct: Decimal | None = None
    total_price_paid: Decimal | None = None
    todays_gain_loss: Decimal | None = None
    todays_gain_loss_pct: Decimal | None = None
    cash_balance: Decimal | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PortfolioTotals:
        return cls(
            total_market_value=to_decimal(data.get("totalMarketValue")),
            total_gain_loss=to_decimal(data.get("totalGainLoss")),
            total_gain_loss_pct=to_decimal(data.get("totalGainLossPct")),
            total_price_paid=to_decimal(data.get("totalPricePaid")),
            todays_gain_loss=to_decimal(data.get("todaysGainLoss")),
            todays_gain_loss_pct=to_decimal(data.get("todaysGainLossPct")),
            cash_balance=to_decimal(data.get("cashBalance")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class Portfolio(Model):
    """Every position of one account, gathered from all pages.

    :attr:`raw` is ``{"pages": [...]}``: the ``PortfolioResponse`` of each page.
    """

    account_id: str | None
    positions: tuple[Position, ...] = ()
    totals: PortfolioTotals | None = None

    def __len__(self) -> int:
        return len(self.positions)

    def __iter__(self) -> Iterator[Position]:
        return iter(self.positions)

    def by_symbol(self, symbol: str) -> list[Position]:
        """The positions whose product symbol is ``symbol`` (case-insensitive)."""
        wanted = symbol.strip().upper()
        return [p for p in self.positions if p.symbol.upper() == wanted]

    def to_dataframe(self, *, decimals: str = "float") -> Any:
        """One row per position as a pandas DataFrame (needs the pandas extra); the
        first column, ``symbol``, shows options as options (:attr:`Position.display_symbol`)."""
        from .frames import to_dataframe

        frame = to_dataframe(self.positions, decimals=decimals, model=Position)
        frame.insert(0, "symbol", [p.display_symbol for p in self.positions])
        return frame

    def _rows(self) -> list[dict[str, Any]]:
        from .frames import flatten

        keep = ("position_type", "quantity", "price_paid", "last_trade", "market_value",
                "total_gain")  # fmt: skip
        rows = []
        for position in self.positions:
            flat = flatten(position, decimals="decimal")
            rows.append({"symbol": position.display_symbol, **{k: flat.get(k) for k in keep}})
        return rows

    def _title(self) -> str:
        return f"account {self.account_id}: {len(self.positions)} positions"

    def _repr_html_(self) -> str:
        from .frames import html_table

        return html_table(self._rows(), title=self._title())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .frames import text_table

        printer.text("Portfolio(...)" if cycle else text_table(self._rows(), title=self._title()))

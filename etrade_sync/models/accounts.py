"""
etrade_sync.models.accounts
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the account models: :class:`Account` and :class:`Balance`.
Positions are in :mod:`~etrade_sync.models.portfolio`, transactions in
:mod:`~etrade_sync.models.transactions`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import Model, to_bool, to_datetime, to_decimal, to_str

__all__ = ["ACCOUNT_STATUSES", "Account", "Balance"]

#: ``Account.status`` values E*TRADE documents.
ACCOUNT_STATUSES = frozenset({"ACTIVE", "CLOSED"})


@dataclasses.dataclass(frozen=True)
class Account(Model):
    """One brokerage account from ``accounts/list``.

    Use :attr:`account_id_key` (not :attr:`account_id`) in every other call.
    """

    account_id: str | None
    account_id_key: str
    mode: str | None = None
    description: str | None = None
    name: str | None = None
    type: str | None = None
    institution_type: str | None = None
    status: str | None = None
    closed_at: datetime | None = None
    share_works: bool | None = None

    @property
    def is_closed(self) -> bool:
        return (self.status or "").upper() == "CLOSED"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Account:
        return cls(
            account_id=to_str(data.get("accountId")),
            account_id_key=to_str(data.get("accountIdKey")) or "",
            mode=to_str(data.get("accountMode")),
            description=to_str(data.get("accountDesc")),
            name=(to_str(data.get("accountName")) or "").strip() or None,
            type=to_str(data.get("accountType")),
            institution_type=to_str(data.get("institutionType")),
            status=to_str(data.get("accountStatus")),
            closed_at=to_datetime(data.get("closedDate")),
            share_works=to_bool(data.get("shareWorksAccount")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class Balance(Model):
    """Balances of one account from ``accounts/{k}/balance``.

    Money fields are ``Decimal`` (``None`` when E*TRADE left them out). The
    computed block's fields are flattened; :attr:`raw` has everything else.
    """

    account_id: str | None
    account_type: str | None = None
    account_mode: str | None = None
    account_description: str | None = None
    institution_type: str | None = None
    option_level: str | None = None
    quote_mode: str | None = None
    day_trader_status: str | None = None
    as_of: datetime | None = None
    # Computed
    account_balance: Decimal | None = None
    net_cash: Decimal | None = None
    cash_balance: Decimal | None = None
    cash_available_for_investment: Decimal | None = None
    cash_available_for_withdrawal: Decimal | None = None
    total_available_for_withdrawal: Decimal | None = None
    settled_cash_for_investment: Decimal | None = None
    unsettled_cash_for_investment: Decimal | None = None
    funds_withheld_from_purchase_power: Decimal | None = None
    funds_withheld_from_withdrawal: Decimal | None = None
    cash_buying_power: Decimal | None = None
    margin_buying_power: Decimal | None = None
    dt_cash_buying_power: Decimal | None = None
    dt_margin_buying_power: Decimal | None = None
    short_adjust_balance: Decimal | None = None
    # Computed.RealTimeValues
    total_account_value: Decimal | None = None
    net_market_value: Decimal | None = None
    net_market_value_long: Decimal | None = None
    net_market_value_short: Decimal | None = None
    # Computed.OpenCalls
    min_equity_call: Decimal | None = None
    fed_call: Decimal | None = None
    cash_call: Decimal | None = None
    house_call: Decimal | None = None
    # Cash and Margin
    funds_for_open_orders_cash: Decimal | None = None
    money_market_balance: Decimal | None = None
    dt_cash_open_order_reserve: Decimal | None = None
    dt_margin_open_order_reserve: Decimal | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Balance:
        body = data.get("BalanceResponse", data)
        if not isinstance(body, Mapping):
            body = {}
        computed = _mapping(body.get("Computed"))
        real_time = _mapping(computed.get("RealTimeValues"))
        calls = _mapping(computed.get("OpenCalls"))
        cash = _mapping(body.get("Cash"))
        margin = _mapping(body.get("Margin"))
        return cls(
            account_id=to_str(body.get("accountId")),
            account_type=to_str(body.get("accountType")),
            account_mode=to_str(body.get("accountMode")),
            account_description=to_str(body.get("accountDescription")),
            institution_type=to_str(body.get("institutionType")),
            option_level=to_str(body.get("optionLevel")),
            quote_mode=to_str(body.get("quoteMode")),
            day_trader_status=to_str(body.get("dayTraderStatus")),
            as_of=to_datetime(body.get("asOfDate")),
            account_balance=to_decimal(computed.get("accountBalance")),
            net_cash=to_decimal(computed.get("netCash")),
            cash_balance=to_decimal(computed.get("cashBalance")),
            cash_available_for_investment=to_decimal(computed.get("cashAvailableForInvestment")),
            cash_available_for_withdrawal=to_decimal(computed.get("cashAvailableForWithdrawal")),
            total_available_for_withdrawal=to_decimal(computed.get("totalAvailableForWithdrawal")),
            settled_cash_for_investment=to_decimal(computed.get("settledCashForInvestment")),
            unsettled_cash_for_investment=to_decimal(computed.get("unSettledCashForInvestment")),
            funds_withheld_from_purchase_power=to_decimal(
                computed.get("fundsWithheldFromPurchasePower")
            ),
            funds_withheld_from_withdrawal=to_decimal(computed.get("fundsWithheldFromWithdrawal")),
            cash_buying_power=to_decimal(computed.get("cashBuyingPower")),
            margin_buying_power=to_decimal(computed.get("marginBuyingPower")),
            dt_cash_buying_power=to_decimal(computed.get("dtCashBuyingPower")),
            dt_margin_buying_power=to_decimal(computed.get("dtMarginBuyingPower")),
            short_adjust_balance=to_decimal(computed.get("shortAdjustBalance")),
            total_account_value=to_decimal(real_time.get("totalAccountValue")),
            net_market_value=to_decimal(real_time.get("netMv")),
            net_market_value_long=to_decimal(real_time.get("netMvLong")),
            net_market_value_short=to_decimal(real_time.get("netMvShort")),
            min_equity_call=to_decimal(calls.get("minEquityCall")),
            fed_call=to_decimal(calls.get("fedCall")),
            cash_call=to_decimal(calls.get("cashCall")),
            house_call=to_decimal(calls.get("houseCall")),
            funds_for_open_orders_cash=to_decimal(cash.get("fundsForOpenOrdersCash")),
            money_market_balance=to_decimal(cash.get("moneyMktBalance")),
            dt_cash_open_order_reserve=to_decimal(margin.get("dtCashOpenOrderReserve")),
            dt_margin_open_order_reserve=to_decimal(margin.get("dtMarginOpenOrderReserve")),
            raw=data,
        )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}

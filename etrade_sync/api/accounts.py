"""
etrade_sync.api.accounts
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides ``client.accounts``: account list, balances, portfolio (every
page, optionally with tax lots) and transactions (an iterator over every page).
All of them are reads, safe to repeat.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from ..errors import ValidationError
from ..models.accounts import Account, Balance
from ..models.base import as_list, dig, to_int
from ..models.portfolio import PORTFOLIO_VIEWS, Portfolio, PortfolioTotals, Position, PositionLot
from ..models.transactions import TransactionDetail
from .base import Resource, check_account_key, segment
from .paging import TransactionPages
from .params import check_choice, check_count, check_id, mmddyyyy

if TYPE_CHECKING:
    from .bulk import BulkResult

__all__ = ["AccountsAPI"]

#: ``sortOrder`` values.
SORT_ORDERS = frozenset({"ASC", "DESC"})
#: ``marketSession`` values of the portfolio.
PORTFOLIO_SESSIONS = frozenset({"REGULAR", "EXTENDED"})
#: The largest transaction page E*TRADE serves.
MAX_TRANSACTION_COUNT = 50
#: A ceiling on portfolio pages, far above any real account.
MAX_PORTFOLIO_PAGES = 1000


class AccountsAPI(Resource):
    """``client.accounts``."""

    category = "accounts"

    @overload
    def balances_all(
        self,
        *,
        progress: bool = ...,
        collect_errors: Literal[False] = ...,
        workers: int = ...,
    ) -> dict[str, Balance]: ...
    @overload
    def balances_all(
        self, *, progress: bool = ..., collect_errors: Literal[True], workers: int = ...
    ) -> BulkResult[str, Balance]: ...
    def balances_all(
        self, *, progress: bool = False, collect_errors: bool = False, workers: int = 4
    ) -> dict[str, Balance] | BulkResult[str, Balance]:
        """Every open account's balance, through the gate and the cache; see
        :func:`etrade_sync.api.bulk.balances_all`."""
        from .bulk import balances_all

        if collect_errors:
            return balances_all(self, progress=progress, collect_errors=True, workers=workers)
        return balances_all(self, progress=progress, workers=workers)

    def list(self, *, fresh: bool = False) -> list[Account]:
        """Every account of the user, open and closed (see :attr:`Account.is_closed`).

        Cached for ``Settings.accounts_ttl`` seconds; ``fresh=True`` asks E*TRADE.
        """
        cached = self._client.cache.accounts.get_or_fetch("list", self._fetch_list, fresh=fresh)
        return builtins.list(cached)

    def _fetch_list(self) -> tuple[Account, ...]:
        data = self._get("/v1/accounts/list", "accounts.list")
        rows = as_list(dig(data, "AccountListResponse", "Accounts", "Account"))
        return tuple(Account.from_api(row) for row in rows if isinstance(row, dict))

    def balance(
        self,
        account_id_key: str,
        *,
        real_time_nav: bool = False,
        account_type: str | None = None,
        fresh: bool = False,
    ) -> Balance:
        """Cash, buying power and account value of one account.

        Cached per (account, ``real_time_nav``) for ``Settings.balance_ttl``
        seconds, and dropped when an order in the account is placed, changed or
        cancelled; ``fresh=True`` asks E*TRADE.
        """
        key = check_account_key(account_id_key)
        kind = check_choice(account_type, None, field="account_type")
        params = {"instType": "BROKERAGE", "realTimeNAV": bool(real_time_nav), "accountType": kind}

        def fetch() -> Balance:
            data = self._get(f"/v1/accounts/{key}/balance", "accounts.balance", params)
            return Balance.from_api(data if isinstance(data, Mapping) else {})

        cache = self._client.cache.balances
        return cache.get_or_fetch((key, bool(real_time_nav), kind), fetch, fresh=fresh)

    def portfolio(
        self,
        account_id_key: str,
        *,
        view: str = "QUICK",
        lots: bool = False,
        totals: bool = False,
        sort_by: str | None = None,
        sort_order: str | None = None,
        market_session: str | None = None,
        count: int | None = None,
    ) -> Portfolio:
        """Every position of the account, gathered across pages.

        ``lots=True`` also fetches each position's tax lots (one request per
        position). ``totals=True`` asks for account-wide totals. An account without
        positions gives an empty :class:`Portfolio`.
        """
        key = check_account_key(account_id_key)
        params: dict[str, Any] = {
            "view": check_choice(view, PORTFOLIO_VIEWS, field="view"),
            "totalsRequired": True if totals else None,
            "sortBy": check_choice(sort_by, None, field="sort_by"),
            "sortOrder": check_choice(sort_order, SORT_ORDERS, field="sort_order"),
            "marketSession": check_choice(
                market_session, PORTFOLIO_SESSIONS, field="market_session"
            ),
            "count": check_count(count, high=10_000),
        }
        path = f"/v1/accounts/{key}/portfolio"
        pages: builtins.list[Any] = []
        positions: builtins.list[Position] = []
        totals_model: PortfolioTotals | None = None
        account_id: str | None = None
        page = 1
        while page <= MAX_PORTFOLIO_PAGES:
            data = self._get(path, "accounts.portfolio", {**params, "pageNumber": page})
            body = dig(data, "PortfolioResponse")
            if not isinstance(body, Mapping):
                break
            pages.append(body)
            if isinstance(body.get("Totals"), Mapping):
                totals_model = PortfolioTotals.from_api(body["Totals"])
            next_page = None
            for block in as_list(body.get("AccountPortfolio")):
                if not isinstance(block, Mapping):
                    continue
                account_id = account_id or block.get("accountId")
                positions += [
                    Position.from_api(p)
                    for p in as_list(block.get("Position"))
                    if isinstance(p, Mapping)
                ]
                next_page = _next_page(block, page) or next_page
            if next_page is None:
                break
            page = next_page
        if lots:
            positions = [self._with_lots(key, p) for p in positions]
        return Portfolio(
            account_id=str(account_id) if account_id is not None else None,
            positions=tuple(positions),
            totals=totals_model,
            raw={"pages": pages},
        )

    def position_lots(self, account_id_key: str, position_id: int) -> builtins.list[PositionLot]:
        """The tax lots of one position (``Position.position_id``)."""
        key = check_account_key(account_id_key)
        pid = check_id(position_id, field="position_id")
        data = self._get(f"/v1/accounts/{key}/portfolio/{pid}", "accounts.position_lots")
        rows = as_list(dig(data, "PositionLotsResponse", "PositionLot"))
        return [PositionLot.from_api(row) for row in rows if isinstance(row, Mapping)]

    def _with_lots(self, key: str, position: Position) -> Position:
        if position.position_id is None:
            return position
        return position.with_lots(self.position_lots(key, position.position_id))

    def transactions(
        self,
        account_id_key: str,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        sort_order: str | None = None,
        count: int = MAX_TRANSACTION_COUNT,
    ) -> TransactionPages:
        """Every transaction in the range, page after page (E*TRADE keeps two years).

        A lazy iterator: pages are fetched as you go, following E*TRADE's ``marker``
        until a page comes without one (or a 204). No transactions is an empty
        iterator. Wrap in ``list()`` to fetch them all. If the last page leaves fewer
        rows than E*TRADE's ``totalCount``, the iterator's ``complete`` is False and
        an :class:`~etrade_sync.errors.IncompleteResultWarning` is issued.
        """
        key = check_account_key(account_id_key)
        params: dict[str, Any] = {
            "startDate": mmddyyyy(start, field="start"),
            "endDate": mmddyyyy(end, field="end"),
            "sortOrder": check_choice(sort_order, SORT_ORDERS, field="sort_order"),
            "count": check_count(count, high=MAX_TRANSACTION_COUNT),
        }
        if (
            isinstance(start, dt.date)
            and isinstance(end, dt.date)
            and _as_date(start) > _as_date(end)
        ):
            raise ValidationError("start must not be after end", field="start")
        return self._iter_transactions(f"/v1/accounts/{key}/transactions", params)

    def _iter_transactions(self, path: str, params: dict[str, Any]) -> TransactionPages:
        def fetch(marker: str | None) -> Any:
            return self._get(path, "accounts.transactions", {**params, "marker": marker})

        return TransactionPages(fetch, name="accounts.transactions", path=path)

    def transaction(
        self, account_id_key: str, transaction_id: str, *, store_id: int | None = None
    ) -> TransactionDetail:
        """The details of one transaction (``Transaction.transaction_id``)."""
        key = check_account_key(account_id_key)
        tid = segment(str(transaction_id), field="transaction_id")
        params = {"storeId": store_id}
        data = self._get(f"/v1/accounts/{key}/transactions/{tid}", "accounts.transaction", params)
        return TransactionDetail.from_api(data if isinstance(data, Mapping) else {})


def _next_page(block: Mapping[str, Any], page: int) -> int | None:
    """The next page number of a portfolio block, or None on the last page."""
    total = to_int(block.get("totalPages"))
    following = to_int(block.get("nextPageNo"))
    if total is not None and page >= total:
        return None
    if following is not None and following > page:
        return following
    if total is not None and page < total:
        return page + 1
    return None


def _as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value

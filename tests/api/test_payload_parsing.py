"""Parsing of E*TRADE's real payload shapes (captured responses, see tests/api/data)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from etrade_sync.api.accounts import AccountsAPI
from etrade_sync.api.alerts import AlertsAPI
from etrade_sync.api.market import MarketAPI
from etrade_sync.api.orders import OrdersAPI
from etrade_sync.api.params import mmddyyyy
from etrade_sync.errors import APIError, IncompleteResultWarning, NotFoundError
from etrade_sync.models import (
    Account,
    Balance,
    CancelResult,
    OptionChain,
    Order,
    PlacedOrder,
    Preview,
    Quote,
    TransactionDetail,
)

UTC = dt.UTC
KEY = "dBZOKt9xDrtRSAOl4MSiiA"


def test_account_list_shape(payload: Any) -> None:
    raw = payload("accounts_list")["AccountListResponse"]["Accounts"]["Account"][0]
    account = Account.from_api(raw)
    assert account.account_id_key == KEY
    assert account.name is None  # E*TRADE sends a single space
    assert account.closed_at is None  # closedDate 0 means "never"
    assert not account.is_closed
    assert account.raw is raw


def test_balance_flattens_computed_blocks_as_decimals(payload: Any) -> None:
    balance = Balance.from_api(payload("balance"))
    assert balance.cash_buying_power == Decimal("301.44")
    assert balance.total_account_value == Decimal("450.28")
    assert balance.net_market_value_long == Decimal("74.11")
    assert balance.funds_for_open_orders_cash == Decimal("74.73")
    assert balance.fed_call == Decimal(0)
    assert balance.option_level == "LEVEL_4"
    assert balance.as_of == dt.datetime(2020, 2, 24, 19, 4, 26, 674000, tzinfo=UTC)


def _portfolio_page(payload: Any, page: int, pages: int, position_id: int) -> Any:
    data = payload("portfolio_page")
    block = data["PortfolioResponse"]["AccountPortfolio"][0]
    block["totalPages"] = pages
    block["nextPageNo"] = str(page + 1) if page < pages else None
    block["Position"][0]["positionId"] = position_id
    if page > 1:
        del data["PortfolioResponse"]["Totals"]
    return data


def test_portfolio_gathers_every_page(fake_client: Any, scripted: Any, payload: Any) -> None:
    scripted.script(
        "/portfolio",
        _portfolio_page(payload, 1, 3, 1),
        _portfolio_page(payload, 2, 3, 2),
        _portfolio_page(payload, 3, 3, 3),
    )
    portfolio = AccountsAPI(fake_client).portfolio(KEY, totals=True)
    assert [p.position_id for p in portfolio.positions] == [1, 2, 3]
    assert [p["pageNumber"] for p in scripted.params("/portfolio")] == ["1", "2", "3"]
    assert scripted.params("/portfolio")[0]["totalsRequired"] == "true"
    assert portfolio.totals is not None and portfolio.totals.cash_balance == Decimal(0)
    assert len(portfolio.raw["pages"]) == 3


def test_portfolio_trusts_total_pages_over_next_page_no(
    fake_client: Any, scripted: Any, payload: Any
) -> None:
    # The captured page says totalPages 1 yet nextPageNo "2": one page only.
    scripted.script("/portfolio", payload("portfolio_page"))
    portfolio = AccountsAPI(fake_client).portfolio(KEY)
    assert len(scripted.calls) == 1
    (position,) = portfolio.positions
    assert position.symbol == "COCP"
    assert position.quantity == Decimal(53)
    assert position.price_paid == Decimal("1.405")
    assert position.total_gain == Decimal("-0.35")
    assert position.date_acquired == dt.datetime(2020, 2, 24, 5, 0, tzinfo=UTC)
    assert position.last_trade == Decimal("1.3984")
    assert position.last_trade_time == dt.datetime(2020, 2, 24, 19, 8, tzinfo=UTC)
    assert position.view_type == "Quick"
    assert position.quote_status == "REALTIME"


def test_portfolio_without_positions_is_empty(fake_client: Any, scripted: Any) -> None:
    scripted.script("/portfolio", None)  # HTTP 204
    portfolio = AccountsAPI(fake_client).portfolio(KEY)
    assert portfolio.positions == ()
    assert portfolio.totals is None


def _txn_page(payload: Any, ids: list[str], *, more: bool, marker: str | None) -> Any:
    data = payload("transactions_page")
    body = data["TransactionListResponse"]
    template = body["Transaction"][0]
    body["Transaction"] = [dict(template, transactionId=i) for i in ids]
    body["moreTransactions"] = more
    body.pop("totalCount", None)
    body["marker"] = marker
    if marker is None:
        body.pop("next", None)
    return data


def test_transactions_follow_markers(fake_client: Any, scripted: Any, payload: Any) -> None:
    scripted.script(
        "/transactions",
        _txn_page(payload, ["1", "2"], more=True, marker="m1"),
        _txn_page(payload, ["2", "3"], more=True, marker="m2"),  # "2" repeated at the boundary
        _txn_page(payload, ["4"], more=False, marker=None),  # no marker ends the list
    )
    txns = list(AccountsAPI(fake_client).transactions(KEY, start=dt.date(2020, 1, 2)))
    assert [t.transaction_id for t in txns] == ["1", "2", "3", "4"]
    markers = [p.get("marker") for p in scripted.params("/transactions")]
    assert markers == [None, "m1", "m2"]
    assert scripted.params("/transactions")[0]["startDate"] == "01022020"


def test_transaction_dates_are_eastern_days() -> None:
    late_evening = dt.datetime(2024, 3, 2, 2, 30, tzinfo=UTC)  # 21:30 on March 1 in New York
    assert mmddyyyy(late_evening, field="start") == "03012024"
    assert mmddyyyy(dt.datetime(2024, 3, 2, 2, 30), field="start") == "03022024"
    assert mmddyyyy("2024-03-02", field="start") == "03022024"
    assert mmddyyyy(dt.date(2024, 12, 31), field="end") == "12312024"


def test_transactions_refuse_a_repeated_marker(
    fake_client: Any, scripted: Any, payload: Any
) -> None:
    scripted.script(
        "/transactions",
        _txn_page(payload, ["1"], more=True, marker="same"),
        _txn_page(payload, ["2"], more=True, marker="same"),
    )
    iterator = AccountsAPI(fake_client).transactions(KEY)
    assert [next(iterator).transaction_id, next(iterator).transaction_id] == ["1", "2"]
    with pytest.raises(APIError, match="marker"):
        next(iterator)
    assert len(scripted.calls) == 2


def test_transaction_row_shape(fake_client: Any, scripted: Any, payload: Any) -> None:
    # The captured page has a marker (and says 274 in all): the next answer is a 204.
    scripted.script("/transactions", payload("transactions_page"), None)
    with pytest.warns(IncompleteResultWarning):
        (txn,) = AccountsAPI(fake_client).transactions(KEY)
    assert txn.symbol == "MITO"  # lower-case brokerage.product in lists
    assert txn.quantity == Decimal(-53)
    assert txn.amount == Decimal("211.98")
    assert txn.date == dt.datetime(2020, 3, 3, 18, 10, 6, tzinfo=UTC)
    assert txn.post_date is None
    assert txn.store_id == 0


def test_no_transactions_is_an_empty_iterator(fake_client: Any, scripted: Any) -> None:
    scripted.script("/transactions", None)
    assert list(AccountsAPI(fake_client).transactions(KEY)) == []


def test_transaction_detail_shape(payload: Any) -> None:
    detail = TransactionDetail.from_api(payload("transaction_detail"))
    assert detail.symbol == "MITO"  # capitalised Brokerage.Product in details
    assert detail.category_id == "1"
    assert detail.type == "Sold"
    assert detail.price == Decimal(4)


def test_mixed_valid_and_invalid_quotes(fake_client: Any, scripted: Any, payload: Any) -> None:
    scripted.script("/quote/INO,APPL", payload("quotes_mixed"))
    result = MarketAPI(fake_client).quotes(["ino", "APPL"])
    assert list(result) == ["INO"]
    assert result.errors["APPL"].code == 1002
    assert len(result.messages) == 1
    quote = result["INO"]
    assert quote.bid == Decimal("10.32")
    assert quote.market_cap == Decimal("837083700.0")
    assert quote.after_hours is True  # "true" as a string
    assert quote.as_of == dt.datetime(2020, 3, 12, 13, 6, 38, tzinfo=UTC)
    assert quote.extended_hours is not None
    assert quote.extended_hours.last == Decimal("10.33")
    assert quote.detail["primaryExchange"] == "NSDQ"


def test_only_invalid_symbols_give_errors_not_an_exception(
    fake_client: Any, scripted: Any, payload: Any
) -> None:
    scripted.script("/quote/APPL", payload("quotes_invalid"))
    result = MarketAPI(fake_client).quotes("APPL")
    assert dict(result) == {}
    assert result.errors["APPL"].description == "APPL is an invalid symbol"


def test_quote_date_string_fallback() -> None:
    quote = Quote.from_api(
        {"dateTime": "09:06:38 EDT 03-12-2020", "Product": {"symbol": "X"}, "Intraday": {}}
    )
    assert quote.as_of == dt.datetime(2020, 3, 12, 13, 6, 38, tzinfo=UTC)
    assert quote.detail_type == "Intraday"


def test_option_chain_shape(payload: Any) -> None:
    chain = OptionChain.from_api(payload("option_chain"), symbol="IBM")
    (pair,) = chain.pairs
    assert pair.put is None  # "Put": {}
    call = pair.call
    assert call is not None
    assert call.strike == Decimal("200.0")
    assert call.expiry == dt.date(2018, 8, 17)
    assert call.in_the_money is False  # "n"
    assert call.greeks is not None and call.greeks.delta == Decimal("0.0049")
    assert call.option_symbol is not None
    assert call.option_symbol.osi == "IBM   180817C00200000"
    assert chain.expiry == dt.date(2018, 8, 17)
    assert chain.near_price == Decimal("200.0")
    assert chain.at_strike(200) is pair


def test_option_expirations_and_lookup(fake_client: Any, scripted: Any, payload: Any) -> None:
    scripted.script("/optionexpiredate", payload("option_expirations"))
    scripted.script("/lookup/apple", payload("lookup"))
    market = MarketAPI(fake_client)
    (expiry,) = market.option_expirations("GOOG", expiry_type="all")
    assert expiry.date == dt.date(2018, 6, 22)
    assert expiry.expiry_type == "WEEKLY"
    assert scripted.params("/optionexpiredate")[0] == {"symbol": "GOOG", "expiryType": "ALL"}
    (found,) = market.lookup("apple")
    assert (found.symbol, found.type) == ("AAPL", "EQUITY")


def test_order_list_shape_and_paging(fake_client: Any, scripted: Any, payload: Any) -> None:
    scripted.script("/orders", payload("orders_list"), None)  # the second page is a 204
    orders = OrdersAPI(fake_client).list(KEY)
    assert [p.get("marker") for p in scripted.params("/orders")] == [None, ".."]
    (order,) = orders
    assert order.order_id == 674
    assert order.status == "EXECUTED"
    detail = order.details[0]
    assert detail.limit_price == Decimal("1.41")
    assert detail.stop_price is None  # 0 means "no stop price"
    assert detail.executed_at == dt.datetime(2020, 2, 24, 19, 4, 26, 944000, tzinfo=UTC)
    (leg,) = order.instruments
    assert (leg.symbol, leg.action, leg.filled_quantity) == ("COCP", "BUY", Decimal("53.0"))


def test_no_orders_is_an_empty_list(fake_client: Any, scripted: Any) -> None:
    scripted.script("/orders", None)
    assert OrdersAPI(fake_client).list(KEY) == []


def test_junk_executed_time_of_a_cancelled_order_is_dropped() -> None:
    order = Order.from_api(
        {
            "orderId": 5,
            "OrderDetail": [
                {
                    "status": "CANCELLED",
                    "executedTime": 2023137072,
                    "Instrument": [{"filledQuantity": 0}],
                }
            ],
        }
    )
    assert order.details[0].executed_at is None
    assert order.is_final


def test_unknown_values_are_kept() -> None:
    order = Order.from_api(
        {"orderId": "9", "orderType": "NEW_KIND", "OrderDetail": {"status": "X"}}
    )
    assert order.order_id == 9
    assert order.order_type == "NEW_KIND"
    assert order.status == "X"  # a lone object instead of an array is accepted too


def test_preview_then_place_echoes_the_previewed_body(
    fake_client: Any, scripted: Any, payload: Any
) -> None:
    request = payload("preview_request")
    scripted.script("/orders/preview", payload("preview_response"))
    scripted.script("/orders/place", payload("place_response"))
    orders = OrdersAPI(fake_client)
    preview = orders.preview(KEY, request)
    assert preview.preview_ids == (266606056106,)
    assert preview.client_order_id == "abc123"
    assert preview.total_order_value == Decimal("-293.53")
    assert preview.estimated_total_amount == Decimal("-293.53")
    assert preview.previewed_at == dt.datetime(2020, 2, 24, 14, 39, 0, 615000, tzinfo=UTC)
    placed = orders.place(KEY, preview)
    place_call = scripted.calls[-1]
    expected = dict(request["PreviewOrderRequest"], PreviewIds=[{"previewId": 266606056106}])
    assert place_call.json == {"PlaceOrderRequest": expected}
    assert not place_call.safe
    assert fake_client.journal.find(KEY, "abc123").order_id == 673
    assert placed.order_id == 673
    assert placed.client_order_id == "abc123"
    assert [m.code for m in placed.messages] == [1026]


def test_preview_and_place_models(payload: Any) -> None:
    preview = Preview.from_api(
        payload("preview_response"), account_id_key=KEY, request={"clientOrderId": "a"}
    )
    (detail,) = preview.details
    assert detail.price_type == "STOP_LIMIT"
    assert detail.limit_price == Decimal("0.202")
    assert detail.instruments[0].reserve_order is True
    placed = PlacedOrder.from_api(
        payload("place_response"), account_id_key=KEY, client_order_id="a"
    )
    assert placed.placed_at == dt.datetime(2020, 2, 24, 14, 39, 1, 165000, tzinfo=UTC)
    cancel = CancelResult.from_api(payload("cancel_response"), order_id=673)
    assert cancel.order_id == 673
    assert cancel.messages[0].code == 5011


def test_alerts_shapes(fake_client: Any, scripted: Any, payload: Any) -> None:
    scripted.script("/alerts", payload("alerts_list"))
    scripted.script("/alerts/1234", payload("alert_detail"))
    scripted.script("/alerts/1234,1235", payload("alerts_delete"))
    alerts = AlertsAPI(fake_client)
    assert [a.alert_id for a in alerts.list()] == [1234, 1235]
    detail = alerts.get(1234)
    assert detail.text == "<p>IBM traded above $200</p>"
    assert detail.deleted_at is None
    assert detail.previous_url is None
    result = alerts.delete([1234, 1235])
    assert result.failed_ids == (1235,)
    assert result.deleted_ids == (1234,)
    assert not result.ok


def test_no_alerts_404_code_53_is_an_empty_list(fake_client: Any, scripted: Any) -> None:
    scripted.script("/alerts", NotFoundError("no alerts", status=404, code=53))
    assert AlertsAPI(fake_client).list() == []


def test_other_alert_404s_still_raise(fake_client: Any, scripted: Any) -> None:
    scripted.script("/alerts", NotFoundError("gone", status=404, code=1))
    with pytest.raises(NotFoundError):
        AlertsAPI(fake_client).list()


def test_get_never_returns_another_order(fake_client: Any, scripted: Any, payload: Any) -> None:
    scripted.script("/orders/675", payload("orders_list"))  # holds order 674 only
    with pytest.raises(NotFoundError):
        OrdersAPI(fake_client).get(KEY, 675)
    scripted.script("/orders/674", payload("orders_list"))
    assert OrdersAPI(fake_client).get(KEY, 674).order_id == 674

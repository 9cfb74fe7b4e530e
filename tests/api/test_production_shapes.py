"""The client on answers shaped like E*TRADE production's (tests/fixtures/production).

Each answer is served over a real socket by the simulator (a scripted ``Fault.status``
carries the production-shaped body), so the whole request path runs.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from etrade_sync import EquityOrder
from etrade_sync.client import Client
from etrade_sync.errors import IncompleteResultWarning, OrderError
from etrade_sync.simulator import Fault, Simulator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "production"


def production(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def key(sim: Simulator) -> str:
    return next(a.account_id_key for a in sim.accounts if a.is_open)


def _serve(sim: Simulator, glob: str, *bodies: Any, method: str | None = None) -> None:
    sim.faults.script(glob, *(Fault.status(200, body) for body in bodies), method=method)


def test_transactions_follow_markers_although_more_transactions_is_false(
    sim: Simulator, client: Client, key: str
) -> None:
    pages = production("transactions_pages")["pages"]
    _serve(sim, "/v1/accounts/*/transactions", *pages)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete list must not warn
        rows = client.accounts.transactions(key)
        got = list(rows)
    assert len(got) == 7 == pages[0]["TransactionListResponse"]["totalCount"]
    assert rows.complete is True and rows.received == 7 and rows.pages == 3
    markers = [r.query.get("marker") for r in sim.log.records() if "transactions" in r.path]
    first, second = (p["TransactionListResponse"]["marker"] for p in pages[:2])
    assert markers == [None, first, second]
    sold = got[0]
    assert sold.symbol == "ACME" and sold.amount == Decimal("249.98")
    assert sold.product is not None and sold.product.strike is None


def test_transactions_warn_when_fewer_than_total_count_arrive(
    sim: Simulator, client: Client, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    first, second, _ = production("transactions_pages")["pages"]
    _serve(sim, "/v1/accounts/*/transactions", first, second)
    sim.faults.script("/v1/accounts/*/transactions", Fault.status(204, b""))
    caplog.set_level(logging.WARNING, logger="etrade_sync")
    rows = client.accounts.transactions(key)
    with pytest.warns(IncompleteResultWarning, match="announced 7 transactions"):
        got = list(rows)
    assert len(got) == 6 and rows.complete is False and rows.total_count == 7
    assert any("incomplete" in r.getMessage() for r in caplog.records)


def test_transactions_marker_taken_from_the_next_link(
    sim: Simulator, client: Client, key: str
) -> None:
    first, _, last = production("transactions_pages")["pages"]
    del first["TransactionListResponse"]["marker"]  # only the next link carries it
    last["TransactionListResponse"]["totalCount"] = 4
    first["TransactionListResponse"]["totalCount"] = 4
    _serve(sim, "/v1/accounts/*/transactions", first, last)
    assert len(list(client.accounts.transactions(key))) == 4


def test_production_positions_have_no_strike_on_an_equity_and_decimal_views(
    sim: Simulator, client: Client, key: str
) -> None:
    _serve(sim, "/v1/accounts/*/portfolio", production("portfolio_page"))
    equity, option = client.accounts.portfolio(key)
    assert equity.product.strike is None and equity.product.expiry is None
    assert not equity.product.is_option
    assert option.product.strike == Decimal("12.5")
    assert option.product.option_symbol == "ACME:2021:7:16:CALL:12.500000"
    assert equity.view["lastTrade"] == Decimal("11.7345")
    assert equity.view["volume"] == 1234567
    floats = [v for p in (equity, option) for v in p.view.values() if isinstance(v, float)]
    assert floats == []


def test_production_preview_and_place_answers_parse(
    sim: Simulator, client: Client, key: str
) -> None:
    _serve(sim, "/v1/accounts/*/orders/preview", production("preview_response"))
    _serve(sim, "/v1/accounts/*/orders/place", production("place_response"))
    order = EquityOrder("ACME", "BUY", 20, price_type="LIMIT", limit_price=Decimal("11.50"))
    preview = client.orders.preview(key, order)
    assert preview.preview_ids == (310045566778,)
    assert preview.total_order_value == Decimal("230.0012")
    placed = client.orders.place(key, preview)
    # The production place answer has no PreviewIds, totals or buying power: not needed.
    assert placed.order_id == 517
    assert placed.placed_at is not None and placed.account_id == "84120007"
    assert [m.code for m in placed.messages] == [1026]
    sent = json.loads(sim.log.last(path_glob="/v1/accounts/*/orders/place").body)
    assert sent["PlaceOrderRequest"]["PreviewIds"] == [{"previewId": 310045566778}]


def test_production_101_message_is_an_order_error(
    sim: Simulator, make_client: Callable[..., Client], key: str
) -> None:
    client = make_client()
    order = EquityOrder("ACME", "BUY", 20, price_type="LIMIT", limit_price=Decimal("11.50"))
    _serve(sim, "/v1/accounts/*/orders/preview", production("preview_response"))
    preview = client.orders.preview(key, order)
    sim.faults.script(
        "/v1/accounts/*/orders/place", Fault.status(400, production("error_101_timed_out"))
    )
    with pytest.raises(OrderError) as info:
        client.orders.place(key, preview)
    assert info.value.code == 101 and "timed out your original order" in str(info.value)


def test_the_client_relies_only_on_etrades_own_codes() -> None:
    from etrade_sync.api import alerts, market
    from etrade_sync.simulator.codes import ETRADE_CODES
    from etrade_sync.transport.decode import DUPLICATE_CLIENT_ORDER_ID_CODES

    relied_on = {alerts.NO_ALERTS_CODE, *market._LOOKUP_NO_MATCH_CODES}
    relied_on |= set(DUPLICATE_CLIENT_ORDER_ID_CODES)
    assert relied_on <= ETRADE_CODES


def test_alerts_ask_for_etrades_maximum_and_warn_when_a_full_answer_is_short(
    sim: Simulator, client: Client
) -> None:
    assert client.alerts.list()  # the simulator's own alerts
    assert sim.log.last(path_glob="/v1/user/alerts").query["count"] == "300"
    rows = [
        {"id": i, "createTime": 1623765600, "subject": f"Alert {i}", "status": "UNREAD"}
        for i in range(1, 301)
    ]
    _serve(sim, "/v1/user/alerts", {"AlertsResponse": {"totalAlerts": 412, "Alert": rows}})
    with pytest.warns(IncompleteResultWarning, match="announced 412 alerts"):
        assert len(client.alerts.list()) == 300
    _serve(sim, "/v1/user/alerts", {"AlertsResponse": {"totalAlerts": 412, "Alert": rows[:5]}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a short answer to a small count is what was asked
        assert len(client.alerts.list(count=5)) == 5

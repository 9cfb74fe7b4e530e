"""Paper trading: a live-trading script runs unchanged on live quotes (the simulator
playing production), fills at the quoted prices, and no order request ever leaves."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from etrade_sync import EquityOrder
from etrade_sync.client import Client
from etrade_sync.errors import ConfigurationError, OrderError, PaperOrderRefusedError
from etrade_sync.paper import PaperBroker
from etrade_sync.simulator import Fault, Simulator
from etrade_sync.transport import Call
from tests.paper.conftest import book_requests

#: Resting orders in these tests are good until cancelled: a day order could expire at
#: 16:00 New York time while a test runs.
GTC = "GOOD_UNTIL_CANCEL"


def live_script(client: Client, sim: Simulator) -> dict[str, Any]:
    """A script written for live trading: preview, place, list, cancel, portfolio,
    balance. ``sim`` only scripts the market (set_price)."""
    key = client.accounts.list()[0].account_id_key
    sim.set_price("IBM", "120.00")
    ask = client.market.quote("IBM").ask
    buy = client.orders.place(key, client.orders.preview(key, EquityOrder("IBM", "BUY", 10)))
    rest = client.orders.place(
        key,
        client.orders.preview(
            key, EquityOrder("IBM", "BUY", 5, price_type="LIMIT", limit_price="100.00", term=GTC)
        ),
    )
    take = client.orders.place(
        key,
        client.orders.preview(
            key, EquityOrder("IBM", "SELL", 4, price_type="LIMIT", limit_price="125.00", term=GTC)
        ),
    )
    listed = {o.order_id: o.details[0].status for o in client.orders.list(key)}
    client.orders.cancel(key, rest.order_id)
    sim.set_price("IBM", "126.00")
    bid = client.market.quote("IBM").bid  # the quote arrives: the resting sell fills
    orders = {o.order_id: o for o in client.orders.list(key)}
    return {
        "key": key,
        "ask": ask,
        "bid": bid,
        "listed": listed,
        "buy": buy.order_id,
        "rest": rest.order_id,
        "take": take.order_id,
        "orders": orders,
        "portfolio": client.accounts.portfolio(key),
        "balance": client.accounts.balance(key, fresh=True),
    }


def test_live_script_runs_unchanged_in_paper_mode(
    sim: Simulator, make_paper: Callable[..., Client], tmp_path: Path
) -> None:
    client = make_paper()
    out = live_script(client, sim)
    assert book_requests(sim) == []  # 0 account, order or alert requests at E*TRADE
    assert sim.log.hits("/v1/market/quote/*") > 0  # quotes are live
    assert out["listed"] == {out["buy"]: "EXECUTED", out["rest"]: "OPEN", out["take"]: "OPEN"}
    orders = out["orders"]
    assert orders[out["rest"]].details[0].status == "CANCELLED"
    buy, take = orders[out["buy"]].details[0], orders[out["take"]].details[0]
    assert buy.instruments[0].average_execution_price == out["ask"]  # market buy at the ask
    assert take.status == "EXECUTED"
    assert take.instruments[0].average_execution_price == out["bid"]  # limit sell at the bid
    positions = {p.symbol: p.quantity for p in out["portfolio"].positions}
    assert positions == {"IBM": Decimal(6)}
    expected_cash = Decimal("100000") - 10 * out["ask"] + 4 * out["bid"]
    assert out["balance"].cash_balance == expected_cash
    fills = client.paper.history()
    assert [(f.action, f.quantity, f.price) for f in fills] == [
        ("BUY", 10, out["ask"]),
        ("SELL", 4, out["bid"]),
    ]
    client.close()

    # a new process sees the same book
    code = (
        "import json, sys\n"
        "from etrade_sync import Client\n"
        "from tests.support import settings_for\n"
        "from etrade_sync.paper import PaperStore\n"
        "store = PaperStore(sys.argv[1])\n"
        "a = store.accounts()[0]\n"
        "print(json.dumps({'cash': str(a.cash), 'pos': {s: str(q) for s, (q, c, _) in "
        "store.positions(a.key).items()}, 'orders': {o.order_id: o.status for o in "
        "store.orders(a.key)}}))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "paper.sqlite3")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    seen = json.loads(done.stdout)
    assert seen["cash"] == str(expected_cash)
    assert seen["pos"] == {"IBM": "6"}
    assert seen["orders"] == {
        str(out["buy"]): "EXECUTED",
        str(out["rest"]): "CANCELLED",
        str(out["take"]): "EXECUTED",
    }

    # and a new client on the same file answers the same
    again = make_paper()
    assert again.accounts.balance(out["key"], fresh=True).cash_balance == expected_cash


def test_no_order_request_reaches_etrade_under_faults(
    sim: Simulator, make_paper: Callable[..., Client]
) -> None:
    sim.faults.random(0.3, [Fault.status(503), Fault.drop(), Fault.throttle()], seed=7)
    client = make_paper(max_retries=8, throttle_pause=0.02)
    key = client.accounts.list()[0].account_id_key
    placed = 0
    for n in range(8):
        order = EquityOrder("MSFT", "BUY" if n % 2 == 0 else "SELL", 1)
        try:
            client.orders.place(key, client.orders.preview(key, order))
            placed += 1
        except OrderError:
            pass  # e.g. a sell before any buy filled: refused locally
        client.orders.list(key)
        client.accounts.balance(key, fresh=True)
        client.alerts.list()
    assert placed >= 4
    assert sim.faults.fired  # faults and retries ran on the market reads
    assert book_requests(sim) == []
    # structurally: the book groups hold the broker, which has no transport
    broker = client.orders._client.transport
    assert isinstance(broker, PaperBroker)
    assert client.accounts._client.transport is broker
    assert client.alerts._client.transport is broker
    assert not any(hasattr(broker, name) for name in ("session", "transport", "request"))
    # and the paper client's HTTP transport refuses anything but market data
    with pytest.raises(ConfigurationError):
        client.transport.call_json(
            Call(
                "PUT",
                f"/v1/accounts/{key}/orders/cancel",
                name="orders.cancel",
                category="orders",
                safe=False,
                json={},
            )
        )
    assert book_requests(sim) == []


def test_stop_and_stop_limit_trigger_on_quotes(
    sim: Simulator, make_paper: Callable[..., Client]
) -> None:
    client = make_paper()
    key = client.accounts.list()[0].account_id_key
    sim.set_price("KO", "50.00")
    client.orders.place(key, client.orders.preview(key, EquityOrder("KO", "BUY", 20)))
    stop = client.orders.place(
        key,
        client.orders.preview(
            key, EquityOrder("KO", "SELL", 10, price_type="STOP", stop_price="45", term=GTC)
        ),
    )
    stop_limit = client.orders.place(
        key,
        client.orders.preview(
            key,
            EquityOrder(
                "KO", "BUY", 5, price_type="STOP_LIMIT", term=GTC, stop_price="55", limit_price="56"
            ),
        ),
    )
    sim.set_price("KO", "47.00")
    client.market.quote("KO")
    status = {o.order_id: o.details[0].status for o in client.orders.list(key)}
    assert status[stop.order_id] == "OPEN" and status[stop_limit.order_id] == "OPEN"
    sim.set_price("KO", "44.00")
    low = client.market.quote("KO")
    sim.set_price("KO", "58.00")  # triggers the stop-limit, but 58 is above its limit
    client.market.quote("KO")
    orders = {o.order_id: o.details[0] for o in client.orders.list(key)}
    assert orders[stop.order_id].status == "EXECUTED"
    assert orders[stop.order_id].instruments[0].average_execution_price == low.bid
    assert orders[stop_limit.order_id].status == "OPEN"
    sim.set_price("KO", "55.50")
    back = client.market.quote("KO")
    orders = {o.order_id: o.details[0] for o in client.orders.list(key)}
    assert orders[stop_limit.order_id].status == "EXECUTED"
    assert orders[stop_limit.order_id].instruments[0].average_execution_price == back.ask
    assert book_requests(sim) == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            {
                "orderType": "OPTN",
                "Order": [
                    {
                        "priceType": "MARKET",
                        "orderTerm": "GOOD_FOR_DAY",
                        "Instrument": [
                            {
                                "Product": {"securityType": "OPTN", "symbol": "AAPL"},
                                "orderAction": "BUY_OPEN",
                                "quantity": "1",
                            }
                        ],
                    }
                ],
            },
            "orderType",
        ),
        (
            {
                "orderType": "SPREADS",
                "Order": [
                    {
                        "priceType": "NET_DEBIT",
                        "Instrument": [
                            {
                                "Product": {"securityType": "EQ", "symbol": "AAPL"},
                                "orderAction": "BUY",
                                "quantity": "1",
                            }
                        ]
                        * 2,
                    }
                ],
            },
            "orderType",
        ),
        (
            {
                "orderType": "EQ",
                "Order": [
                    {
                        "priceType": "MARKET",
                        "orderTerm": "GOOD_FOR_DAY",
                        "Instrument": [
                            {
                                "Product": {"securityType": "EQ", "symbol": "AAPL"},
                                "orderAction": "BUY",
                                "quantity": "1",
                            }
                        ]
                        * 2,
                    }
                ],
            },
            "multi-leg",
        ),
        (
            {
                "orderType": "EQ",
                "Order": [
                    {
                        "priceType": "MARKET",
                        "orderTerm": "GOOD_FOR_DAY",
                        "allOrNone": "true",
                        "Instrument": [
                            {
                                "Product": {"securityType": "EQ", "symbol": "AAPL"},
                                "orderAction": "BUY",
                                "quantity": "1",
                            }
                        ],
                    }
                ],
            },
            "all-or-none",
        ),
        (
            {
                "orderType": "EQ",
                "Order": [
                    {
                        "priceType": "MARKET",
                        "orderTerm": "GOOD_FOR_DAY",
                        "Instrument": [
                            {
                                "Product": {"securityType": "EQ", "symbol": "AAPL"},
                                "orderAction": "SELL_SHORT",
                                "quantity": "1",
                            }
                        ],
                    }
                ],
            },
            "margin",
        ),
        (
            {
                "orderType": "EQ",
                "Order": [
                    {
                        "priceType": "MARKET",
                        "orderTerm": "FILL_OR_KILL",
                        "Instrument": [
                            {
                                "Product": {"securityType": "EQ", "symbol": "AAPL"},
                                "orderAction": "BUY",
                                "quantity": "1",
                            }
                        ],
                    }
                ],
            },
            "orderTerm",
        ),
        (
            {
                "orderType": "EQ",
                "Order": [
                    {
                        "priceType": "MARKET",
                        "orderTerm": "GOOD_FOR_DAY",
                        "Instrument": [
                            {
                                "Product": {"securityType": "EQ", "symbol": "AAPL"},
                                "orderAction": "BUY",
                                "quantity": "100000",
                            }
                        ],
                    }
                ],
            },
            "insufficient cash",
        ),
        (
            {
                "orderType": "EQ",
                "Order": [
                    {
                        "priceType": "MARKET",
                        "orderTerm": "GOOD_FOR_DAY",
                        "Instrument": [
                            {
                                "Product": {"securityType": "EQ", "symbol": "AAPL"},
                                "orderAction": "SELL",
                                "quantity": "1",
                            }
                        ],
                    }
                ],
            },
            "shares to sell",
        ),
    ],
)
def test_unsupported_orders_are_refused_never_filled(
    sim: Simulator, make_paper: Callable[..., Client], body: dict[str, Any], words: str
) -> None:
    client = make_paper()
    key = client.accounts.list()[0].account_id_key
    with pytest.raises(PaperOrderRefusedError, match=words):
        client.orders.preview(key, body)
    assert client.orders.list(key) == []
    assert client.paper is not None and client.paper.history() == []
    assert book_requests(sim) == []


def test_day_orders_expire_at_their_close_good_until_cancel_rests(
    sim: Simulator, make_paper: Callable[..., Client]
) -> None:
    client = make_paper()
    assert client.paper is not None
    key = client.accounts.list()[0].account_id_key
    sim.set_price("KO", "50.00")
    day, gtc = (
        client.orders.place(
            key,
            client.orders.preview(
                key,
                EquityOrder("KO", "BUY", 1, price_type="LIMIT", limit_price="40", term=term),
            ),
        )
        for term in ("GOOD_FOR_DAY", "GOOD_UNTIL_CANCEL")
    )
    status = {o.order_id: o.details[0].status for o in client.orders.list(key)}
    assert status == {day.order_id: "OPEN", gtc.order_id: "OPEN"}
    # both orders were placed a week ago: the day order's close has passed
    store = client.paper.broker.store
    week_ago = client.paper.broker.now_ms() - 7 * 86_400_000
    for order_id in (day.order_id, gtc.order_id):
        store.update_order(order_id, placed_ms=week_ago)
    status = {o.order_id: o.details[0].status for o in client.orders.list(key)}
    assert status == {day.order_id: "EXPIRED", gtc.order_id: "OPEN"}
    sim.set_price("KO", "39.00")
    client.market.quote("KO")
    status = {o.order_id: o.details[0].status for o in client.orders.list(key)}
    assert status == {day.order_id: "EXPIRED", gtc.order_id: "EXECUTED"}


def test_change_and_poll_and_resolve(sim: Simulator, make_paper: Callable[..., Client]) -> None:
    client = make_paper()
    assert client.paper is not None
    key = client.accounts.list()[0].account_id_key
    sim.set_price("MSFT", "400.00")
    resting = client.orders.place(
        key,
        client.orders.preview(
            key, EquityOrder("MSFT", "BUY", 2, price_type="LIMIT", limit_price="380", term=GTC)
        ),
    )
    new_terms = EquityOrder("MSFT", "BUY", 2, price_type="LIMIT", limit_price="390", term=GTC)
    changed = client.orders.place_change(
        key, resting.order_id, client.orders.preview_change(key, resting.order_id, new_terms)
    )
    assert changed.order_id != resting.order_id
    orders = {o.order_id: o.details[0] for o in client.orders.list(key)}
    assert orders[resting.order_id].status == "CANCELLED"
    assert orders[changed.order_id].status == "OPEN"
    assert client.orders.resolve(key, changed.client_order_id).order_id == changed.order_id
    sim.set_price("MSFT", "385.00")  # nobody reads a quote ...
    assert client.paper.poll(0.01, rounds=1) == 1  # ... until the poll does
    fill = client.paper.history()[-1]
    assert (fill.order_id, fill.price) == (changed.order_id, sim.quote("MSFT").ask)
    if importlib.util.find_spec("pandas") is not None:  # the pandas extra
        frame = client.paper.history().to_dataframe()
        assert list(frame["symbol"]) == ["MSFT"]
        assert list(frame["price"]) == [float(fill.price)]
    assert book_requests(sim) == []


def test_a_simulator_paper_client_without_files_keeps_a_private_book(
    sim: Simulator, make_paper: Callable[..., Client]
) -> None:
    client = make_paper(journal_file=None)
    assert client.paper is not None
    path = Path(client.paper.path)
    assert path.exists() and "etrade_sync-paper-" in str(path.parent)
    client.orders.place("PAPER1", client.orders.preview("PAPER1", EquityOrder("KO", "BUY", 1)))
    client.close()
    assert not path.exists()

"""Redirects are never followed: a 3xx to an order call is an unknown outcome, sent once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from etrade_sync import EquityOrder
from etrade_sync.client import Client
from etrade_sync.errors import OrderOutcomeUnknownError, RedirectError
from etrade_sync.simulator import Fault, Simulator

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")
REDIRECTS = [301, 302, 303, 307, 308]


class _Target:
    """A second local HTTP server standing in for the redirect's Location."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                seen.append((self.command, self.path))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"PlaceOrderResponse": {"OrderIds": [{"orderId": 999}]}}')

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target() -> Iterator[_Target]:
    server = _Target()
    yield server
    server.close()


@pytest.fixture
def trader(make_client: Callable[..., Client]) -> Client:
    return make_client(rate_limits=UNLIMITED)


def limit_buy(quantity: int = 1) -> EquityOrder:
    return EquityOrder("IBM", "BUY", quantity, price_type="LIMIT", limit_price=Decimal("1.00"))


def redirect(code: int, target: _Target, path: str) -> Fault:
    return Fault.status(code, body="", headers={"Location": target.url + path})


@pytest.mark.parametrize("code", REDIRECTS)
def test_redirect_to_a_read_is_a_typed_error(
    sim: Simulator, trader: Client, target: _Target, code: int
) -> None:
    sim.faults.script("/v1/accounts/list", redirect(code, target, "/v1/accounts/list"))
    with pytest.raises(RedirectError) as info:
        trader.accounts.list()
    assert info.value.status == code
    assert info.value.location == target.url + "/v1/accounts/list"
    assert sim.log.hits("/v1/accounts/list") == 1
    assert target.requests == []


@pytest.mark.parametrize("code", REDIRECTS)
def test_redirect_to_place_is_unknown_and_never_followed(
    sim: Simulator, trader: Client, target: _Target, code: int
) -> None:
    key = sim.accounts[0].account_id_key
    preview = trader.orders.preview(key, limit_buy())
    path = "/v1/accounts/*/orders/place"
    sim.faults.script(path, redirect(code, target, f"/v1/accounts/{key}/orders/place"))
    with pytest.raises(OrderOutcomeUnknownError) as info:
        trader.orders.place(key, preview)
    assert info.value.client_order_id == preview.client_order_id
    assert isinstance(info.value.__cause__, RedirectError)
    assert sim.log.hits(path) == 1
    assert target.requests == []
    assert sim.orders(key) == []


@pytest.mark.parametrize("code", REDIRECTS)
def test_redirect_to_change_is_unknown_and_never_followed(
    sim: Simulator, trader: Client, target: _Target, code: int
) -> None:
    key = sim.accounts[0].account_id_key
    placed = trader.orders.place(key, trader.orders.preview(key, limit_buy()))
    change = trader.orders.preview_change(key, placed.order_id, limit_buy(2))
    path = "/v1/accounts/*/orders/*/change/place"
    sim.faults.script(path, redirect(code, target, path.replace("*", "x")))
    with pytest.raises(OrderOutcomeUnknownError) as info:
        trader.orders.place_change(key, placed.order_id, change)
    assert info.value.order_id == placed.order_id
    assert sim.log.hits(path) == 1
    assert target.requests == []
    assert [o.status for o in sim.orders(key)] == ["OPEN"]


@pytest.mark.parametrize("code", REDIRECTS)
def test_redirect_to_cancel_is_unknown_and_never_followed(
    sim: Simulator, trader: Client, target: _Target, code: int
) -> None:
    key = sim.accounts[0].account_id_key
    placed = trader.orders.place(key, trader.orders.preview(key, limit_buy()))
    path = "/v1/accounts/*/orders/cancel"
    sim.faults.script(path, redirect(code, target, "/v1/accounts/x/orders/cancel"))
    with pytest.raises(OrderOutcomeUnknownError) as info:
        trader.orders.cancel(key, placed.order_id)
    assert info.value.order_id == placed.order_id
    assert sim.log.hits(path) == 1
    assert target.requests == []
    assert [o.status for o in sim.orders(key)] == ["OPEN"]

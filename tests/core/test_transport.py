"""The request path over real sockets: gate, sign, send, retry, decode."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

from etrade_sync.client import Client
from etrade_sync.errors import (
    NetworkError,
    OrderOutcomeUnknownError,
    RateLimitError,
    ServerError,
)
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Fault, Simulator
from etrade_sync.transport import Call
from tests.support import settings_for


def quote_call(symbol: str = "AAPL") -> Call:
    return Call("GET", f"/v1/market/quote/{symbol}", name="market.quote", category="market",
                safe=True)  # fmt: skip


def order_call(sim: Simulator, action: str = "place", client_order_id: str = "ABC123") -> Call:
    key = sim.accounts[0].account_id_key
    return Call(
        "POST",
        f"/v1/accounts/{key}/orders/{action}",
        name=f"orders.{action}",
        category="orders",
        safe=False,
        json={"PlaceOrderRequest": {"clientOrderId": client_order_id}},
    )


def test_every_request_is_signed_and_verifies(sim: Simulator, client: Client) -> None:
    accounts = client.accounts.list()
    quotes = client.market.quotes(["AAPL", "MSFT"])
    assert accounts and set(quotes) == {"AAPL", "MSFT"}
    records = sim.log.records(path_glob="/v1/*")
    assert len(records) == 2
    assert all(r.status == 200 and r.nonce for r in records)


def test_get_503_then_200_succeeds_with_a_fresh_nonce_per_attempt(
    sim: Simulator, client: Client
) -> None:
    sim.faults.script("/v1/accounts/list", Fault.status(503))
    assert client.accounts.list()
    attempts = sim.log.records(path_glob="/v1/accounts/list")
    assert [r.status for r in attempts] == [503, 200]
    assert len({r.nonce for r in attempts}) == 2
    assert sim.log.duplicate_nonces() == 0
    assert client.stats()["calls"]["endpoints"]["accounts.list"]["retries"] == 1


def test_throttle_page_then_200_succeeds(sim: Simulator, client: Client) -> None:
    sim.faults.script("/v1/market/quote/*", Fault.throttle())
    started = time.monotonic()
    assert "IBM" in client.market.quotes("IBM")
    assert time.monotonic() - started >= 0.9  # paused before asking again
    assert [r.status for r in sim.log.records(path_glob="/v1/market/quote/*")] == [400, 200]


def test_retry_after_is_honoured_and_capped(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(retry_after_max=1.0)
    sim.faults.script("/v1/market/quote/*", Fault.too_many(retry_after=30))
    started = time.monotonic()
    client.transport.call_json(quote_call())
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 5


def test_retries_run_out_into_a_typed_error(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(max_retries=2)
    sim.faults.script("/v1/market/quote/*", *[Fault.status(502)] * 5)
    with pytest.raises(ServerError) as info:
        client.transport.call_json(quote_call())
    assert info.value.status == 502
    assert sim.log.hits(path_glob="/v1/market/quote/*") == 3


def test_dropped_connection_on_a_read_is_retried(sim: Simulator, client: Client) -> None:
    sim.faults.script("/v1/market/quote/*", Fault.drop())
    data = client.transport.call_json(quote_call("MSFT"))
    assert data["QuoteResponse"]["QuoteData"][0]["Product"]["symbol"] == "MSFT"


def test_order_post_answered_503_reaches_the_server_once(sim: Simulator, client: Client) -> None:
    sim.faults.script("/v1/accounts/*/orders/place", Fault.status(503))
    with pytest.raises(ServerError) as info:
        client.transport.call_json(order_call(sim))
    assert sim.log.hits(path_glob="/v1/accounts/*/orders/place") == 1
    assert info.value.status == 503


def test_order_preview_503_is_a_server_error_sent_once(sim: Simulator, client: Client) -> None:
    sim.faults.script("/v1/accounts/*/orders/preview", Fault.status(503))
    with pytest.raises(ServerError):
        client.transport.call_json(order_call(sim, "preview"))
    assert sim.log.hits(path_glob="/v1/accounts/*/orders/preview") == 1


@pytest.mark.parametrize("fault", [Fault.drop(), Fault.commit_then_drop()])
def test_dropped_order_post_is_never_resent(sim: Simulator, client: Client, fault: Fault) -> None:
    sim.faults.script("/v1/accounts/*/orders/place", fault)
    with pytest.raises(NetworkError) as info:
        client.transport.call_json(order_call(sim))
    assert info.value.sent  # it may have reached the server
    assert sim.log.hits(path_glob="/v1/accounts/*/orders/place") == 1


def test_throttled_order_is_refused_not_resent(sim: Simulator, client: Client) -> None:
    sim.faults.script("/v1/accounts/*/orders/place", Fault.throttle())
    with pytest.raises(RateLimitError):
        client.transport.call_json(order_call(sim))
    assert sim.log.hits(path_glob="/v1/accounts/*/orders/place") == 1


def test_connection_refused_is_a_network_error_not_an_unknown_outcome(sim: Simulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_for(sim, base_url=f"http://127.0.0.1:{port}", connect_timeout=1.0)
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
    token, secret = sim.issue_access_token()
    client.auth.use_token(token, secret)
    with pytest.raises(NetworkError) as info:
        client.transport.call_json(order_call(sim))
    assert not isinstance(info.value, OrderOutcomeUnknownError)
    assert info.value.sent is False
    client.close()


def test_hundred_sequential_gets_use_one_connection(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(rate_limits={"market": "unlimited"})
    before = sim.log.connections_opened
    for _ in range(100):
        client.transport.call_json(quote_call())
    assert sim.log.connections_opened - before == 1
    assert sim.log.hits(path_glob="/v1/market/quote/*") == 100


def test_threads_never_exceed_the_market_limit_at_the_server(
    sim: Simulator, client: Client
) -> None:
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            for _ in range(3):
                client.transport.call_json(quote_call())
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert not errors
    assert sim.log.hits(path_glob="/v1/market/quote/*") == 24
    assert sim.log.max_in_window("market", 1.0) <= 4
    assert elapsed >= 5.0  # 24 permits at 4/s cannot be granted faster


def test_empty_answer_decodes_to_none(sim: Simulator, client: Client) -> None:
    sim.faults.script("/v1/market/quote/*", Fault.status(204, body=""))
    assert client.transport.call_json(quote_call()) is None

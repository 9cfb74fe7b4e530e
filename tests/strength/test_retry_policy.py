"""The transport's retry policy as a user sees it, over real sockets: how long it
waits when E*TRADE says how long, which answers a read is retried on, and which calls
are never sent twice."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import pytest

from etrade_sync.client import Client
from etrade_sync.errors import NetworkError, OrderOutcomeUnknownError, ServerError
from etrade_sync.simulator import Fault, Simulator
from etrade_sync.transport import Call

QUOTES = "/v1/market/quote/*"


def quote_call() -> Call:
    return Call("GET", "/v1/market/quote/IBM", name="market.quote", category="market",
                safe=True)  # fmt: skip


def gaps(sim: Simulator, glob: str) -> list[float]:
    """Seconds between the arrivals of successive attempts, as the server saw them."""
    times = [r.time for r in sim.log.records(path_glob=glob)]
    return [b - a for a, b in itertools.pairwise(times)]


def test_retry_after_on_a_503_is_waited_out(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    # the backoff alone would be ~0.01 s: only the header can make it wait 2 s
    client = make_client(throttle_pause=0.0)
    sim.faults.script(QUOTES, Fault.status(503, headers={"Retry-After": "2"}))
    client.transport.call_json(quote_call())
    assert gaps(sim, QUOTES)[0] >= 1.9
    assert [r.status for r in sim.log.records(path_glob=QUOTES)] == [503, 200]


def test_retry_after_on_a_429_beats_a_short_throttle_pause(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(throttle_pause=0.05)
    sim.faults.script(QUOTES, Fault.too_many(retry_after=2))
    client.transport.call_json(quote_call())
    assert gaps(sim, QUOTES)[0] >= 1.9


def test_a_long_retry_after_is_capped_not_obeyed(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(retry_after_max=1.0, throttle_pause=0.0)
    sim.faults.script(QUOTES, Fault.status(503, headers={"Retry-After": "30"}))
    client.transport.call_json(quote_call())
    assert 0.9 <= gaps(sim, QUOTES)[0] < 5


def test_backoff_grows_but_stops_at_backoff_max(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    # factor 0.5: 0.5, 1, 2, ... without a cap; backoff_max 0.3 keeps each pause short
    client = make_client(backoff_factor=0.5, backoff_jitter=0.0, backoff_max=0.3, max_retries=4)
    sim.faults.script(QUOTES, *[Fault.status(502)] * 4)
    started = time.monotonic()
    client.transport.call_json(quote_call())
    elapsed = time.monotonic() - started
    assert sim.log.hits(path_glob=QUOTES) == 5
    assert elapsed < 3.0  # capped: 4 x 0.3 s; uncapped: 0.5 + 1 + 2 + 4 s


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_a_safe_read_is_retried_on_every_server_error(
    sim: Simulator, client: Client, code: int
) -> None:
    sim.faults.script(QUOTES, Fault.status(code))
    data = client.transport.call_json(quote_call())
    assert data["QuoteResponse"]["QuoteData"][0]["Product"]["symbol"] == "IBM"
    assert [r.status for r in sim.log.records(path_glob=QUOTES)] == [code, 200]


def test_a_client_error_is_not_retried(sim: Simulator, client: Client) -> None:
    sim.faults.script(QUOTES, Fault.status(404, body={"Error": {"code": 1, "message": "no"}}))
    with pytest.raises(Exception):  # noqa: B017 - the type is decode's business
        client.transport.call_json(quote_call())
    assert sim.log.hits(path_glob=QUOTES) == 1


@pytest.mark.parametrize("fault", [Fault.drop(), Fault.commit_then_drop()])
def test_an_unsafe_alert_delete_is_not_resent_after_a_network_failure(
    sim: Simulator, client: Client, fault: Fault
) -> None:
    call = Call("DELETE", "/v1/user/alerts/1", name="alerts.delete", category="alerts",
                safe=False)  # fmt: skip
    sim.faults.script("/v1/user/alerts/*", fault)
    with pytest.raises(NetworkError) as info:
        client.transport.call_json(call)
    assert sim.log.hits(path_glob="/v1/user/alerts/*") == 1
    # not an order: a plain network error, not an unknown order outcome
    assert not isinstance(info.value, OrderOutcomeUnknownError)


def test_an_unsafe_call_is_not_resent_after_a_503(sim: Simulator, client: Client) -> None:
    call = Call("DELETE", "/v1/user/alerts/1", name="alerts.delete", category="alerts",
                safe=False)  # fmt: skip
    sim.faults.script("/v1/user/alerts/*", Fault.status(503))
    with pytest.raises(ServerError):
        client.transport.call_json(call)
    assert sim.log.hits(path_glob="/v1/user/alerts/*") == 1


def test_an_unknown_order_outcome_names_the_operation(sim: Simulator, client: Client) -> None:
    from decimal import Decimal

    from etrade_sync import EquityOrder

    key = sim.accounts[0].account_id_key
    order = EquityOrder("IBM", "BUY", 1, price_type="LIMIT", limit_price=Decimal("1.00"))
    preview = client.orders.preview(key, order)
    sim.faults.script("/v1/accounts/*/orders/place", Fault.drop())
    with pytest.raises(OrderOutcomeUnknownError) as info:
        client.orders.place(key, preview)
    assert info.value.operation == "orders.place"
    assert info.value.client_order_id == preview.client_order_id


def test_retry_after_zero_means_ask_again_at_once(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(throttle_pause=0.0)
    sim.faults.script(QUOTES, Fault.status(503, headers={"Retry-After": "0"}))
    client.transport.call_json(quote_call())
    assert gaps(sim, QUOTES)[0] < 0.8  # a Retry-After of 1 s would show


def test_a_policy_built_without_settings_is_the_default_clients() -> None:
    from etrade_sync import Settings
    from etrade_sync.transport.policy import RetryPolicy

    assert RetryPolicy() == RetryPolicy.from_settings(Settings())


def test_a_fresh_attempt_state_has_not_renewed_yet() -> None:
    from etrade_sync.errors import AuthenticationError
    from etrade_sync.transport.policy import AttemptState, Renew, RetryPolicy, decide

    rejected = AuthenticationError("rejected", status=401, oauth_problem="token_rejected")
    outcome = decide(True, rejected, AttemptState(1, 0.0, can_renew=True), RetryPolicy())
    assert outcome == Renew(retry=True, error=rejected)

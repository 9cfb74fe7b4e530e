"""Garbage answers over real sockets: only ETradeError subclasses escape, never KeyError & co."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from etrade_sync.client import Client
from etrade_sync.errors import CircuitOpenError, ETradeError, ServerError
from etrade_sync.simulator import Fault, Simulator
from tests.support import settings_for

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Bodies shaped like the real answers, with junk inside, and plain junk.
shaped = st.one_of(
    json_values.map(lambda v: {"AccountListResponse": {"Accounts": {"Account": v}}}),
    json_values.map(lambda v: {"QuoteResponse": {"QuoteData": v}}),
    json_values.map(lambda v: {"QuoteResponse": {"QuoteData": [{"Product": v, "All": v}]}}),
    json_values.map(lambda v: {"BalanceResponse": v}),
    json_values.map(lambda v: {"Error": v}),
    json_values,
)
bodies = st.one_of(
    shaped.map(json.dumps),
    st.text(max_size=80),
    st.sampled_from(["<Error><code>x</code></Error>", "<html>oauth_problem=</html>", "{", "[]"]),
)
content_types = st.sampled_from(["application/json", "text/html", "application/xml", "text/plain"])


@pytest.fixture(scope="module")
def wire() -> Iterator[tuple[Simulator, Client]]:
    with Simulator() as sim:
        settings = settings_for(
            sim,
            rate_limits=UNLIMITED,
            max_retries=1,
            circuit_failures=0,
            token_store="memory",
            accounts_ttl=0,
            quote_ttl=0,
            balance_ttl=0,
            throttle_pause=0.0,
        )
        client = Client(settings)
        client.auth.use_token(*sim.issue_access_token())
        yield sim, client
        client.close()


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    status=st.sampled_from([200, 200, 200, 204, 400, 401, 404, 429, 500, 503]),
    body=bodies,
    content_type=content_types,
    which=st.integers(0, 2),
)
def test_any_answer_gives_data_or_an_etrade_error(
    wire: tuple[Simulator, Client], status: int, body: str, content_type: str, which: int
) -> None:
    sim, client = wire
    calls: list[Callable[[], object]] = [
        lambda: client.accounts.list(),
        lambda: client.market.quotes(["AAPL", "MSFT"]),
        lambda: client.accounts.balance(sim.accounts[0].account_id_key),
    ]
    sim.faults.clear()
    sim.faults.script(
        "/v1/*",
        Fault.status(status, body=body, content_type=content_type),
        Fault.status(status, body=body, content_type=content_type),
    )
    try:
        calls[which]()
    except ETradeError:
        pass
    finally:
        sim.faults.clear()


def test_circuit_opens_after_server_failures_and_recovers(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(
        rate_limits=UNLIMITED,
        max_retries=0,
        circuit_failures=3,
        circuit_cooldown=0.5,
        accounts_ttl=0,
    )
    sim.faults.script("/v1/accounts/list", *[Fault.status(503)] * 3)
    for _ in range(3):
        with pytest.raises(ServerError):
            client.accounts.list()
    hits = sim.log.hits("/v1/accounts/list")
    with pytest.raises(CircuitOpenError) as info:
        client.accounts.list()
    assert sim.log.hits("/v1/accounts/list") == hits  # failed fast, nothing sent
    assert info.value.retry_in <= 0.5
    assert client.stats()["circuit"]["state"] == "open"
    time.sleep(0.55)
    assert client.accounts.list()  # the trial call succeeds and closes the circuit
    assert client.stats()["circuit"]["state"] == "closed"

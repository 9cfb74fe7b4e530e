"""No input value can move a request off its endpoint (the path the server receives)."""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from etrade_sync.client import Client
from etrade_sync.errors import ETradeError, ValidationError
from etrade_sync.transport import Call
from tests.transport.hostile import HostileServer, answer, client_for

OK = answer(200, b"{}")


@pytest.fixture(scope="module")
def wire() -> Iterator[tuple[HostileServer, Client]]:
    with HostileServer(OK) as server:
        client = client_for(server.url, max_retries=0)
        yield server, client
        client.close()


def test_symbol_with_dot_segments_never_leaves_the_quote_endpoint(
    wire: tuple[HostileServer, Client],
) -> None:
    server, client = wire
    before = server.count
    with pytest.raises(ValidationError) as info:
        client.market.quotes("AAPL/../../v1/accounts/list")
    assert "'/'" in str(info.value)
    assert server.count == before  # nothing was sent


def test_lookup_text_with_slashes_is_one_encoded_segment(
    wire: tuple[HostileServer, Client],
) -> None:
    server, client = wire
    client.market.lookup("../../v1/accounts/list")
    path = server.received[-1].path
    assert path == "/v1/market/lookup/..%2F..%2Fv1%2Faccounts%2Flist.json"


@pytest.mark.parametrize("text", [".", "..", " .. "])
def test_dot_segments_are_refused(wire: tuple[HostileServer, Client], text: str) -> None:
    server, client = wire
    before = server.count
    with pytest.raises(ValidationError):
        client.market.lookup(text)
    with pytest.raises(ValidationError):
        client.accounts.balance(text)
    assert server.count == before


def _under(path: str, prefix: str) -> bool:
    """True when ``path`` (raw, as received) stays one segment below ``prefix``,
    however a server resolves dot segments or decodes it."""
    raw = path.split("?", 1)[0]
    if not raw.startswith(prefix + "/"):
        return False
    rest = raw[len(prefix) + 1 :]
    resolved = posixpath.normpath(raw)
    return (
        "/" not in rest and unquote(rest) not in {".", ".."} and resolved.startswith(prefix + "/")
    )


KEY = "k" * 22
ENDPOINTS: dict[str, tuple[str, Callable[[Client, str], Any]]] = {
    "lookup": ("/v1/market/lookup", lambda c, s: c.market.lookup(s)),
    "quote": ("/v1/market/quote", lambda c, s: c.market.quotes(s)),
    "balance": ("/v1/accounts", lambda c, s: c.accounts.balance(s)),
    "transaction": (
        f"/v1/accounts/{KEY}/transactions",
        lambda c, s: c.accounts.transaction(KEY, s),
    ),
}


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(which=st.sampled_from(sorted(ENDPOINTS)), text=st.text(max_size=30))
def test_any_string_stays_under_its_endpoint(
    wire: tuple[HostileServer, Client], which: str, text: str
) -> None:
    server, client = wire
    prefix, call = ENDPOINTS[which]
    before = server.count
    with contextlib.suppress(ETradeError):
        call(client, text)
    for received in server.received[before:]:
        path = received.path
        if which == "balance":  # /v1/accounts/{key}/balance
            assert path.split("?")[0].endswith("/balance.json")
            path = path.split("?")[0].removesuffix("/balance.json")
        assert _under(path, prefix), received.path


@pytest.mark.parametrize(
    "path",
    ["/v1/market/quote/../../v1/accounts/list", "/v1/market/quote/%2e%2E/x", "/v1//x",
     "/v1/market/quote/A?x=1", "/v1/market/quote/A B", "/v1/market/quote/É"],
)  # fmt: skip
def test_the_transport_refuses_paths_that_could_be_steered(
    wire: tuple[HostileServer, Client], path: str
) -> None:
    server, client = wire
    before = server.count
    call = Call("GET", path, name="market.quote", category="market", safe=True)
    with pytest.raises(ValidationError):
        client.transport.call_json(call)
    assert server.count == before

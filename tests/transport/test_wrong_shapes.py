"""Property: structurally wrong JSON, answered over a real socket to every read
endpoint's parser, gives data or an ETradeError, never another exception."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from etrade_sync.client import Client
from etrade_sync.errors import ETradeError
from tests.transport.hostile import HostileServer, Received, client_for

# Every object key the parsers look up, so the junk lands where they read.
KEYS = [
    "AccountListResponse",
    "AccountPortfolio",
    "AlertDetailsResponse",
    "AlertsResponse",
    "BalanceResponse",
    "Brokerage",
    "Call",
    "CancelOrderResponse",
    "Cash",
    "Category",
    "Computed",
    "ExtendedHourQuoteDetail",
    "Instrument",
    "LookupResponse",
    "Margin",
    "Message",
    "Messages",
    "OpenCalls",
    "OptionChainResponse",
    "OptionExpireDateResponse",
    "OptionGreeks",
    "OptionPair",
    "Order",
    "OrderDetail",
    "OrderIds",
    "OrdersResponse",
    "PlaceOrderResponse",
    "PortfolioResponse",
    "Position",
    "PositionLotsResponse",
    "PreviewIds",
    "PreviewOrderResponse",
    "Product",
    "Put",
    "QuoteData",
    "QuoteResponse",
    "RealTimeValues",
    "SelectedED",
    "Totals",
    "Transaction",
    "TransactionDetailsResponse",
    "TransactionListResponse",
    "accountIdKey",
    "symbol",
    "marker",
    "moreTransactions",
    "nextPageNo",
]

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=16,
)


def bodies(top: str) -> st.SearchStrategy[str | bytes]:
    """Junk under the endpoint's own top-level key (where the parser starts), and more."""
    return st.one_of(
        values.map(lambda v: json.dumps({top: v})),
        st.lists(values, max_size=3).map(lambda v: json.dumps({top: v})),
        scalars.map(lambda v: json.dumps({top: v})),
        st.dictionaries(st.sampled_from(KEYS), values, min_size=1, max_size=4).map(
            lambda d: json.dumps({top: d})
        ),
        st.dictionaries(st.sampled_from(KEYS), values, min_size=1, max_size=2).map(json.dumps),
        values.map(json.dumps),
        st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
        st.binary(max_size=40).map(lambda b: b'{"' + top.encode() + b'": "' + b + b'"}'),
    )


KEY = "k" * 22
# endpoint -> (its top-level answer key, the call)
CALLS: dict[str, tuple[str, Callable[[Client], Any]]] = {
    "accounts.list": ("AccountListResponse", lambda c: c.accounts.list()),
    "accounts.balance": ("BalanceResponse", lambda c: c.accounts.balance(KEY)),
    "accounts.portfolio": ("PortfolioResponse", lambda c: c.accounts.portfolio(KEY)),
    "accounts.position_lots": ("PositionLotsResponse", lambda c: c.accounts.position_lots(KEY, 7)),
    "accounts.transactions": (
        "TransactionListResponse",
        lambda c: list(c.accounts.transactions(KEY)),
    ),
    "accounts.transaction": (
        "TransactionDetailsResponse",
        lambda c: c.accounts.transaction(KEY, "123"),
    ),
    "market.quotes": ("QuoteResponse", lambda c: c.market.quotes(["AAPL", "MSFT"])),
    "market.lookup": ("LookupResponse", lambda c: c.market.lookup("apple")),
    "market.option_chain": ("OptionChainResponse", lambda c: c.market.option_chain("AAPL")),
    "market.option_expirations": (
        "OptionExpireDateResponse",
        lambda c: c.market.option_expirations("AAPL"),
    ),
    "orders.list": ("OrdersResponse", lambda c: c.orders.list(KEY)),
    "orders.get": ("OrdersResponse", lambda c: c.orders.get(KEY, 5)),
    "alerts.list": ("AlertsResponse", lambda c: c.alerts.list()),
    "alerts.get": ("AlertDetailsResponse", lambda c: c.alerts.get(5)),
    "alerts.delete": ("AlertsResponse", lambda c: c.alerts.delete([5, 6])),
}


class Body:
    data = b"{}"


@pytest.fixture(scope="module")
def wire() -> Iterator[Client]:
    def behaviour(conn: Any, request: Received) -> None:
        data = Body.data
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}"
        conn.sendall(head.encode() + b"\r\nConnection: close\r\n\r\n" + data)

    with HostileServer(behaviour) as server:
        client = client_for(server.url, max_retries=0, expirations_ttl=0)
        yield client
        client.close()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(which=st.sampled_from(sorted(CALLS)), data=st.data())
def test_wrong_shapes_give_data_or_an_etrade_error(
    wire: Client, which: str, data: st.DataObject
) -> None:
    top, call = CALLS[which]
    body = data.draw(bodies(top))
    Body.data = body if isinstance(body, bytes) else body.encode()
    with contextlib.suppress(ETradeError):
        call(wire)

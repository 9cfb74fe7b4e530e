"""Threads waiting on one key share the failure of the fetch they waited for."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from etrade_sync.client import Client
from etrade_sync.errors import ServerError
from tests.transport.hostile import HostileServer, answer, client_for

WAITERS = 32


def hammer(call: Callable[[], Any]) -> list[BaseException | None]:
    """``call`` from 32 threads released together; what each one got."""
    barrier = threading.Barrier(WAITERS)
    outcomes: list[BaseException | None] = [None] * WAITERS

    def run(i: int) -> None:
        barrier.wait()
        try:
            call()
        except BaseException as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WAITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize(
    "what",
    [
        lambda c: c.accounts.list(),  # get_or_fetch
        lambda c: c.market.quotes(["AAPL", "MSFT"]),  # get_many
    ],
    ids=["accounts.list", "market.quotes"],
)
def test_a_failing_fetch_with_32_waiters_is_one_request(what: Callable[[Client], Any]) -> None:
    with HostileServer(answer(503, b"busy", "text/plain", delay=0.5)) as server:
        client = client_for(server.url, max_retries=0, accounts_ttl=300, quote_ttl=5)
        try:
            outcomes = hammer(lambda: what(client))
        finally:
            client.close()
    assert server.count == 1
    assert all(isinstance(o, ServerError) and o.status == 503 for o in outcomes), outcomes

"""Shared fixtures: a simulator on 127.0.0.1 and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator
from tests.support import settings_for

#: redis-server and PostgreSQL fixtures (tests/servers.py), for every test directory.
pytest_plugins = ["tests.servers"]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def make_client(sim: Simulator, tmp_path: Any) -> Iterator[Callable[..., Client]]:
    """Build clients on ``sim`` with a private rate gate and an active access token."""
    made: list[Client] = []

    def factory(*, login: bool = True, **overrides: Any) -> Client:
        overrides.setdefault("token_file", tmp_path / "tokens.json")
        overrides.setdefault("journal_file", tmp_path / "journal.sqlite3")
        settings = settings_for(sim, **overrides)
        client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
        if login:
            token, secret = sim.issue_access_token()
            client.auth.use_token(token, secret)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., Client]) -> Client:
    """A logged-in client on the simulator, with a private rate gate."""
    return make_client()

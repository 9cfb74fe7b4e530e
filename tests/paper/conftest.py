"""Paper clients on the simulator, which plays production for the quotes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator
from tests.support import settings_for

#: The simulator's paths that a paper client must never reach.
BOOK_PATHS = ("/v1/accounts*", "/v1/user/alerts*")


def book_requests(sim: Simulator) -> list[str]:
    """Every request the simulator saw on an account, order or alert path."""
    return [f"{r.method} {r.path}" for glob in BOOK_PATHS for r in sim.log.records(glob)]


@pytest.fixture
def make_paper(sim: Simulator, tmp_path: Path) -> Iterator[Callable[..., Client]]:
    """Paper clients on ``sim``: quotes from ``sim``, book in ``tmp_path``."""
    made: list[Client] = []

    def factory(**overrides: Any) -> Client:
        overrides.setdefault("environment", "paper")
        overrides.setdefault("token_file", tmp_path / "tokens.json")
        overrides.setdefault("journal_file", tmp_path / "journal.sqlite3")
        overrides.setdefault("quote_ttl", 0.0)
        settings = settings_for(sim, **overrides)
        client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
        token, secret = sim.issue_access_token()
        client.auth.use_token(token, secret)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()

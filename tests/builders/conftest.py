"""Fixtures for the builder tests: one simulator and client per module (for hypothesis)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from etrade_sync import Settings
from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


@pytest.fixture(scope="module")
def module_sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture(scope="module")
def module_client(
    module_sim: Simulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Client]:
    folder: Path = tmp_path_factory.mktemp("builders")
    settings = Settings(
        consumer_key=module_sim.consumer_key,
        consumer_secret=module_sim.consumer_secret,
        base_url=module_sim.url,
        oauth_base_url=module_sim.url,
        authorize_url=module_sim.authorize_url,
        token_file=folder / "tokens.json",
        journal_file=folder / "journal.sqlite3",
        rate_limits=UNLIMITED,
    )
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
    client.auth.use_token(*module_sim.issue_access_token())
    yield client
    client.close()


@pytest.fixture(scope="module")
def margin_key(module_sim: Simulator) -> str:
    return next(a.account_id_key for a in module_sim.accounts if a.is_open and a.is_margin)

"""Fixtures for the simulator's own tests: plain requests + requests-oauthlib clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth1

from etrade_sync.simulator import SimClock, Simulator
from tests.clock import SIM_START


class Api:
    """A signed requests session against one simulator (JSON by default)."""

    def __init__(self, sim: Simulator, token: str, secret: str) -> None:
        self.sim = sim
        self.token = token
        self.secret = secret
        self.session = requests.Session()
        self.session.auth = OAuth1(sim.consumer_key, sim.consumer_secret, token, secret)

    def url(self, path: str) -> str:
        return f"{self.sim.url}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params or None)

    def ok(self, path: str, **params: Any) -> Any:
        """GET and decode JSON, asserting HTTP 200."""
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: Any) -> requests.Response:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.request("PUT", path, json=body)

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def sim_start() -> datetime:
    """The instant the simulator's clock stands at; parametrize ``sim_start`` to choose another."""
    return SIM_START


@pytest.fixture
def sim(sim_start: datetime) -> Iterator[Simulator]:
    """A simulator whose clock holds at ``sim_start`` until a test moves it.

    Holding the clock keeps these tests independent of the real date and time: a test
    that moves the clock forward by hours never crosses a real midnight in New York.
    """
    with Simulator(seed=7, clock=SimClock(sim_start)) as simulator:
        yield simulator


@pytest.fixture
def make_api() -> Iterator[Callable[..., Api]]:
    """Build signed sessions: ``make_api(sim)`` (fresh token) or ``make_api(sim, t, s)``."""
    made: list[Api] = []

    def factory(sim: Simulator, token: str | None = None, secret: str | None = None) -> Api:
        if token is None or secret is None:
            token, secret = sim.issue_access_token()
        client = Api(sim, token, secret)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def api(sim: Simulator, make_api: Callable[..., Api]) -> Api:
    return make_api(sim)


@pytest.fixture
def margin_key(sim: Simulator) -> str:
    return next(a.account_id_key for a in sim.accounts if a.account_mode == "MARGIN")


@pytest.fixture
def ira_key(sim: Simulator) -> str:
    return next(a.account_id_key for a in sim.accounts if a.account_type == "IRA")


@pytest.fixture
def closed_key(sim: Simulator) -> str:
    return next(a.account_id_key for a in sim.accounts if a.status == "CLOSED")

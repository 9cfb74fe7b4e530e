"""Fixtures for the endpoint tests: captured payloads, a scripted transport, fast clients."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from etrade_sync import Settings
from etrade_sync.cache import CacheSet
from etrade_sync.client import Client
from etrade_sync.orders import OrderJournal
from etrade_sync.simulator import Simulator
from etrade_sync.transport import Call

DATA = Path(__file__).parent / "data"

#: No client-side rate limit, so tests measure behaviour, not the gate.
UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


def load_payload(name: str) -> Any:
    """A captured E*TRADE payload from ``tests/api/data/<name>.json`` (a fresh copy)."""
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.fixture
def payload() -> Callable[[str], Any]:
    return load_payload


class ScriptedTransport:
    """Answers calls from a script of decoded bodies per path suffix; records every call."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._script: dict[str, list[Any]] = {}

    def script(self, path_suffix: str, *answers: Any) -> None:
        queue = self._script.setdefault(path_suffix, [])
        queue.extend(a if isinstance(a, BaseException) else copy.deepcopy(a) for a in answers)

    def call_json(self, call: Call) -> Any:
        self.calls.append(call)
        for suffix, answers in self._script.items():
            if call.path.endswith(suffix) and answers:
                answer = answers.pop(0)
                if isinstance(answer, BaseException):
                    raise answer
                return answer
        raise AssertionError(f"unscripted call {call.method} {call.path}")

    def params(self, path_suffix: str) -> list[dict[str, Any]]:
        return [dict(c.params or {}) for c in self.calls if c.path.endswith(path_suffix)]


@pytest.fixture
def scripted() -> ScriptedTransport:
    return ScriptedTransport()


@pytest.fixture
def fake_client(scripted: ScriptedTransport, tmp_path: Path) -> Any:
    """An object standing in for Client: endpoint groups need the transport, and order
    calls also the journal and the caches."""
    return SimpleNamespace(
        transport=scripted,
        journal=OrderJournal(tmp_path / "journal.sqlite3"),
        cache=CacheSet(Settings()),
    )


@pytest.fixture
def fast_client(make_client: Callable[..., Client]) -> Client:
    """A logged-in simulator client without client-side rate limits."""
    return make_client(rate_limits=UNLIMITED)


@pytest.fixture
def margin_key(sim: Simulator) -> str:
    """The accountIdKey of the simulator's open margin account."""
    return next(a.account_id_key for a in sim.accounts if a.is_open and a.is_margin)


@pytest.fixture
def cash_key(sim: Simulator) -> str:
    """The accountIdKey of the simulator's open cash (IRA) account."""
    return next(a.account_id_key for a in sim.accounts if a.is_open and not a.is_margin)

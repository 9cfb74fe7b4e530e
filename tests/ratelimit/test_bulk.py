"""Bulk helpers: thousands of symbols and every account, through the gate and the cache."""

from __future__ import annotations

import itertools
import string
import sys
from collections.abc import Callable

import pytest

from etrade_sync.api.bulk import BulkResult, balances_all, quotes_bulk
from etrade_sync.api.market import InvalidSymbolError
from etrade_sync.client import Client
from etrade_sync.errors import ConfigurationError, ServerError, ValidationError
from etrade_sync.simulator import Fault, Simulator


def symbols(count: int) -> list[str]:
    return [
        "".join(c)
        for c in itertools.islice(itertools.product(string.ascii_uppercase, repeat=3), count)
    ]


@pytest.fixture
def enforcing(sim: Simulator) -> Simulator:
    sim.enforce_rate_limits = True
    return sim


def test_quotes_bulk_sweeps_in_requests_of_fifty_without_a_throttle(
    enforcing: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    wanted = symbols(260)
    result = quotes_bulk(client.market, wanted)
    assert list(result) == wanted
    assert enforcing.log.hits("/v1/market/quote/*") == 6
    assert enforcing.log.throttled == 0
    assert enforcing.log.max_in_window("market") <= 4
    assert client.stats()["gate"]["categories"]["market"]["permits"] == 6


def test_collect_errors_returns_successes_and_failures(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(max_retries=0)
    wanted = symbols(120)
    sim.invalid_symbols = {"AAC"}
    # the second request (symbols 50..99) fails
    sim.faults.script("/v1/market/quote/*", Fault.ok(), Fault.status(500))
    result = quotes_bulk(client.market, [*wanted, "not a symbol"], collect_errors=True, workers=1)
    assert isinstance(result, BulkResult)
    assert not result.ok
    failed_chunk = set(wanted[50:100])
    assert set(result.results) == set(wanted) - failed_chunk - {"AAC"}
    assert set(result.failures) == failed_chunk | {"AAC", "not a symbol"}
    assert isinstance(result.failures["AAC"], InvalidSymbolError)
    assert result.failures["AAC"].symbol == "AAC"
    assert isinstance(result.failures["not a symbol"], ValidationError)
    assert all(isinstance(result.failures[s], ServerError) for s in failed_chunk)
    with pytest.raises(ValidationError):
        result.raise_first()  # failures keep the order they happened in


def test_without_collect_errors_the_first_failure_is_raised(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(max_retries=0)
    sim.faults.script("/v1/market/quote/*", Fault.status(500))
    with pytest.raises(ServerError):
        quotes_bulk(client.market, symbols(200))
    with pytest.raises(ValidationError):
        quotes_bulk(client.market, ["AAPL", "not a symbol"])


def test_refused_symbols_stay_in_errors_without_collect_mode(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    sim.invalid_symbols = {"AAB"}
    result = quotes_bulk(make_client().market, ["AAA", "AAB", "AAC"])
    assert list(result) == ["AAA", "AAC"]
    assert "AAB" in result.errors


def test_progress_bar_needs_tqdm(
    make_client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client()
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ConfigurationError, match=r"etrade_sync\[progress\]"):
        quotes_bulk(client.market, ["AAPL"], progress=True)


def test_progress_bar_counts_symbols(
    make_client: Callable[..., Client], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm")
    result = quotes_bulk(make_client().market, symbols(75), progress=True)
    assert len(result) == 75
    assert "75/75" in capsys.readouterr().err


def test_balances_all_reads_every_open_account(
    enforcing: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client()
    accounts = client.accounts.list()
    open_keys = [a.account_id_key for a in accounts if not a.is_closed]
    assert len(open_keys) < len(accounts), "the simulator should have a closed account"
    balances = balances_all(client.accounts)
    assert list(balances) == open_keys
    assert enforcing.log.hits("/v1/accounts/*/balance") == len(open_keys)
    assert enforcing.log.throttled == 0


def test_balances_all_collects_a_failed_account(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(max_retries=0)
    open_keys = [a.account_id_key for a in client.accounts.list() if not a.is_closed]
    sim.faults.script(f"/v1/accounts/{open_keys[0]}/balance", Fault.status(503))
    result = balances_all(client.accounts, collect_errors=True)
    assert set(result.failures) == {open_keys[0]}
    assert set(result.results) == set(open_keys[1:])


def test_workers_must_be_positive(make_client: Callable[..., Client]) -> None:
    with pytest.raises(ConfigurationError):
        quotes_bulk(make_client().market, ["AAPL"], workers=0)

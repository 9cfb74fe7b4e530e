"""``etrade-sync paper status | reset | history`` and the data commands in paper mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from etrade_sync.client import Client
from etrade_sync.simulator import Simulator
from tests.paper.conftest import book_requests
from tests.support import logged_in_env, settings_for


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etrade_sync", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_paper_commands_and_data_commands(sim: Simulator, tmp_path: Path) -> None:
    env = logged_in_env(sim, tmp_path)
    # the production login, which paper mode uses for its quotes
    production = settings_for(
        sim,
        environment="production",
        token_file=env["ETRADE_TOKEN_FILE"],
        token_key=env["ETRADE_TOKEN_KEY"],
        journal_file=env["ETRADE_JOURNAL_FILE"],
    )
    with Client(production) as client:
        client.auth.use_token(*sim.issue_access_token())
    env["ETRADE_ENV"] = "paper"

    reset = _run(env, "paper", "reset", "--cash", "25000", "--accounts", "2")
    assert reset.returncode == 0, reset.stderr
    assert "PAPER1, PAPER2 with 25000.00 each" in reset.stdout
    assert (Path(env["ETRADE_JOURNAL_FILE"]).parent / "paper.sqlite3").exists()

    accounts = _run(env, "accounts")
    assert accounts.returncode == 0, accounts.stderr
    assert "PAPER1" in accounts.stdout and "PAPER2" in accounts.stdout
    balance = _run(env, "balance", "PAPER2")
    assert balance.returncode == 0, balance.stderr
    assert "25,000.00" in balance.stdout
    quote = _run(env, "quote", "IBM")
    assert quote.returncode == 0, quote.stderr

    settings = settings_for(
        sim, environment="paper", token_file=env["ETRADE_TOKEN_FILE"],
        token_key=env["ETRADE_TOKEN_KEY"], journal_file=env["ETRADE_JOURNAL_FILE"],
    )  # fmt: skip
    from etrade_sync import EquityOrder

    with Client(settings) as client:
        ask = client.market.quote("IBM", fresh=True).ask
        client.orders.place("PAPER1", client.orders.preview("PAPER1", EquityOrder("IBM", "BUY", 3)))

    status = _run(env, "paper", "status")
    assert status.returncode == 0, status.stderr
    assert "PAPER1" in status.stdout and "IBM: 3 shares" in status.stdout
    history = _run(env, "paper", "history")
    assert f"BUY 3 IBM @ {ask}" in history.stdout
    orders = _run(env, "orders", "PAPER1")
    assert orders.returncode == 0, orders.stderr
    assert "EXECUTED" in orders.stdout
    assert book_requests(sim) == []

"""The etrade-sync command: demo, data commands, exit codes, both entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync.client import Client
from etrade_sync.simulator import Simulator
from tests.support import settings_for


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etrade_sync", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_demo_runs_on_the_embedded_simulator() -> None:
    done = run("demo", "--fast")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for step in ("Log in", "Accounts", "Quote sweep", "placed as order", "CANCELLED"):
        assert step in out
    assert "throttled 0 requests" in out
    assert "Paper trading" in out and "order requests the simulator saw: 0" in out


def test_console_script_and_module_agree() -> None:
    script = Path(sys.executable).with_name("etrade-sync")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    a = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    b = run("--version")
    assert a.stdout == b.stdout
    assert "etrade-sync" in b.stdout


@pytest.fixture
def cli_env(sim: Simulator, tmp_path: Path) -> dict[str, str]:
    """Environment for a logged-in CLI on the simulator (token saved encrypted)."""
    from etrade_sync.client import Client

    key = Fernet.generate_key().decode()
    settings = settings_for(sim, token_file=tmp_path / "tokens.json", token_key=key)
    with Client(settings) as client:
        client.auth.use_token(*sim.issue_access_token())
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETRADE_")}
    env.update(
        ETRADE_CONSUMER_KEY=sim.consumer_key,
        ETRADE_CONSUMER_SECRET=sim.consumer_secret,
        ETRADE_BASE_URL=sim.url,
        ETRADE_TOKEN_FILE=str(tmp_path / "tokens.json"),
        ETRADE_TOKEN_KEY=key,
        ETRADE_JOURNAL_FILE=str(tmp_path / "journal.sqlite3"),
        PYTHON_DOTENV_DISABLED="1",
    )
    return env


def test_data_commands_print_tables_and_json(
    sim: Simulator, cli_env: dict[str, str], make_client: Callable[..., Client]
) -> None:
    accounts = run("accounts", "--json", env=cli_env)
    assert accounts.returncode == 0, accounts.stderr
    keys = [a["account_id_key"] for a in json.loads(accounts.stdout)]
    assert keys == [a.account_id_key for a in sim.accounts]
    # --json is the models' own plain form: the same conversion as Model.to_dict
    listed = make_client().accounts.list()
    assert json.loads(accounts.stdout) == [a.to_dict(decimals="str", times="iso") for a in listed]
    table = run("quote", "AAPL", "MSFT", env=cli_env)
    assert table.returncode == 0, table.stderr
    assert "AAPL" in table.stdout
    assert "MSFT" in table.stdout
    balance = run("balance", sim.accounts[0].account_id, "--json", env=cli_env)
    assert balance.returncode == 0, balance.stderr
    assert json.loads(balance.stdout)["account_id"] == sim.accounts[0].account_id


def test_errors_are_one_line_with_documented_exit_codes(
    sim: Simulator, cli_env: dict[str, str], tmp_path: Path
) -> None:
    refused = run("quote", "AAPL", "APPL", env=cli_env)
    assert refused.returncode == 1
    assert "APPL is an invalid symbol" in refused.stderr
    no_login = dict(cli_env, ETRADE_TOKEN_FILE=str(tmp_path / "none.json"))
    missing = run("accounts", env=no_login)
    assert missing.returncode == 3
    assert "etrade-sync login" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    bad = run("accounts", env=dict(cli_env, ETRADE_ENV="staging"))
    assert bad.returncode == 2
    assert "ETRADE_ENV" in bad.stderr
    assert "Traceback" not in bad.stderr + missing.stderr + refused.stderr


def test_resolve_answers_placed_not_placed_and_cancel(
    sim: Simulator, cli_env: dict[str, str], tmp_path: Path
) -> None:
    from decimal import Decimal

    from etrade_sync import EquityOrder
    from etrade_sync.client import Client
    from etrade_sync.errors import OrderOutcomeUnknownError
    from etrade_sync.simulator import Fault

    settings = settings_for(sim, journal_file=tmp_path / "journal.sqlite3", order_settle_time=0.0)
    key = sim.accounts[0].account_id_key
    order = EquityOrder("IBM", "BUY", 1, price_type="LIMIT", limit_price=Decimal("1.00"))
    with Client(settings) as client:
        client.auth.use_token(*sim.issue_access_token())
        preview = client.orders.preview(key, order)
        sim.faults.script("/v1/accounts/*/orders/place", Fault.commit_then_drop())
        with pytest.raises(OrderOutcomeUnknownError):
            client.orders.place(key, preview)
        (placed,) = sim.orders(key)
        sim.faults.script("/v1/accounts/*/orders/cancel", Fault.drop())
        with pytest.raises(OrderOutcomeUnknownError):
            client.orders.cancel(key, placed.order_id)
    env = dict(cli_env, ETRADE_ORDER_SETTLE_TIME="0")
    done = run("resolve", key, preview.client_order_id, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["order"]["order_id"] == placed.order_id
    cancel = run("resolve", key, "--cancel", str(placed.order_id), "--json", env=env)
    assert cancel.returncode == 0, cancel.stderr
    assert json.loads(cancel.stdout)["cancelled"] is False

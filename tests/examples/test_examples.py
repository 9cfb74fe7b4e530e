"""The examples/ folder runs against the simulator, as a user would run it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etrade_sync.simulator import Simulator
from tests.support import logged_in_env

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(
    script: str, *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cron_rebalance_previews_then_places_and_exits_by_the_readme(tmp_path: Path) -> None:
    with Simulator() as sim:
        env = logged_in_env(sim, tmp_path)
        key = next(a.account_id_key for a in sim.accounts if a.status != "CLOSED")
        dry = run(
            "cron_rebalance.py", "--target", "AAPL=0.1", "--account", key, env=env, cwd=tmp_path
        )
        assert dry.returncode == 0, dry.stderr
        assert "AAPL: BUY" in dry.stdout or "AAPL: SELL" in dry.stdout, dry.stdout
        assert sim.log.hits("/v1/accounts/*/orders/place") == 0  # a dry run places nothing
        wet = run(
            "cron_rebalance.py", "--target", "AAPL=0.1", "--account", key, "--place",
            env=env, cwd=tmp_path,
        )  # fmt: skip
        assert wet.returncode == 0, wet.stderr
        assert "placed order" in wet.stdout
        assert sim.log.hits("/v1/accounts/*/orders/place") == 1
        bad = run("cron_rebalance.py", "--target", "AAPL=x", env=env, cwd=tmp_path)
        assert bad.returncode == 2
        sim.oauth.tokens.access_tokens.clear()  # E*TRADE forgot the login
        login = run("cron_rebalance.py", "--target", "AAPL=0.1", env=env, cwd=tmp_path)
    assert login.returncode == 3, login.stdout + login.stderr
    assert "etrade-sync login" in login.stderr


def test_polling_strategy_polls_at_its_pace_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    with Simulator() as sim:
        env = logged_in_env(sim, tmp_path)
        done = run("polling_strategy.py", "AAPL", "--every", "0.3", "--window", "3",
                   "--polls", "4", env=env, cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "4 polls" in done.stdout
        assert sim.log.hits("/v1/market/quote/*") == 4
        proc = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "polling_strategy.py"), "AAPL", "--every", "2"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert proc.stdout is not None
        assert "AAPL" in proc.stdout.readline()
        time.sleep(0.5)  # Ctrl-C lands while the watch waits 2 s for its next poll
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "polls" in out and "Traceback" not in err


@pytest.mark.slow
def test_multiprocess_sweep_stays_under_the_limit(tmp_path: Path) -> None:
    with Simulator(enforce_rate_limits=True) as sim:
        env = logged_in_env(sim, tmp_path)
        env["ETRADE_RATE_LIMIT_BACKEND"] = f"sqlite:///{tmp_path / 'gate.sqlite3'}"
        done = run("multiprocess_sweep.py", "--processes", "3", "--symbols", "600",
                   env=env, cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("600 quotes from 3 processes")
        assert sim.log.throttled == 0
        assert sim.log.max_in_window("market") <= 4
        assert sim.log.hits("/v1/market/quote/*") == 12  # 3 x 200 symbols, 50 a request

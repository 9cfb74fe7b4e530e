"""Helpers for the first-hour tests: the CLI in a subprocess with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync.simulator import Simulator

Run = Callable[..., subprocess.CompletedProcess[str]]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without ETRADE_ variables, a private HOME, no .env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETRADE_")}
    env.update(HOME=str(home), XDG_STATE_HOME=str(home / "state"), PYTHON_DOTENV_DISABLED="1")
    env.update(extra)
    return env


def sim_env(sim: Simulator, home: Path, **extra: str) -> dict[str, str]:
    """Every variable pointing at ``sim``, with a token file and key of its own."""
    values = {
        "ETRADE_BASE_URL": sim.url,
        "ETRADE_AUTHORIZE_URL": sim.authorize_url,
        "ETRADE_CONSUMER_KEY": sim.consumer_key,
        "ETRADE_CONSUMER_SECRET": sim.consumer_secret,
        "ETRADE_TOKEN_FILE": str(home / "tokens.json"),
        "ETRADE_TOKEN_KEY": Fernet.generate_key().decode(),
        "ETRADE_JOURNAL_FILE": str(home / "journal.sqlite3"),
    }
    values.update(extra)
    return clean_env(home, **values)


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    """``cli(*args, env=..., input=...)``: ``python -m etrade_sync`` in ``tmp_path``."""

    def run(
        *args: str, env: dict[str, str], input: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "etrade_sync", *args],
            env=env,
            cwd=tmp_path,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run

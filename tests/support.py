"""Helpers shared by the tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from etrade_sync import Settings
from etrade_sync.simulator import Simulator

__all__ = ["clean_env", "logged_in_env", "real_clock_env", "settings_for", "sim_env"]


def settings_for(sim: Simulator, **overrides: Any) -> Settings:
    """Settings that point every host at ``sim``."""
    values: dict[str, Any] = {
        "consumer_key": sim.consumer_key,
        "consumer_secret": sim.consumer_secret,
        "base_url": sim.url,
        "oauth_base_url": sim.url,
        "authorize_url": sim.authorize_url,
        "backoff_factor": 0.01,
        "backoff_jitter": 0.01,
        "read_timeout": 10.0,
    }
    values.update(overrides)
    return Settings(**values)


#: Variables by which a test run moves a process's clock (see ``scripts/time-guard.sh``).
_FAKE_CLOCK_VARS = ("ETRADE_TEST_CLOCK_OFFSET", "LD_PRELOAD", "FAKETIME")


def real_clock_env() -> dict[str, str]:
    """The environment for third-party servers (redis-server, PostgreSQL) the tests start.

    When the test run moves its own wall clock, servers stand for other machines and
    keep the real clock.
    """
    return {k: v for k, v in os.environ.items() if k not in _FAKE_CLOCK_VARS}


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


def logged_in_env(sim: Simulator, home: Path) -> dict[str, str]:
    """:func:`sim_env` after the day's login: an access token is saved, encrypted, in
    the token file, so ``Client.from_env()`` works at once; this checkout on PYTHONPATH.
    """
    from etrade_sync.client import Client

    env = sim_env(
        sim,
        home,
        ETRADE_OAUTH_BASE_URL=sim.url,
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    settings = settings_for(
        sim,
        token_file=env["ETRADE_TOKEN_FILE"],
        token_key=env["ETRADE_TOKEN_KEY"],
        journal_file=env["ETRADE_JOURNAL_FILE"],
    )
    with Client(settings) as client:
        client.auth.use_token(*sim.issue_access_token())
    return env

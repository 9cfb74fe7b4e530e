"""Helpers shared by the tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from etrade_sync import Settings
from etrade_sync.simulator import Simulator

__all__ = ["logged_in_env", "real_clock_env", "settings_for"]


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


def logged_in_env(sim: Simulator, home: Path) -> dict[str, str]:
    """An environment for a user's program on ``sim``, after the day's login.

    Every ``ETRADE_`` variable points at ``sim`` and at state under ``home``, and an
    access token is saved encrypted there, so ``Client.from_env()`` works at once.
    """
    from cryptography.fernet import Fernet

    from etrade_sync.client import Client

    key = Fernet.generate_key().decode()
    state = home / "state"
    token_file, journal = state / "tokens.json", state / "journal.sqlite3"
    settings = settings_for(sim, token_file=token_file, token_key=key, journal_file=journal)
    with Client(settings) as client:
        client.auth.use_token(*sim.issue_access_token())
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ETRADE_")},
        "HOME": str(home),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        "ETRADE_CONSUMER_KEY": sim.consumer_key,
        "ETRADE_CONSUMER_SECRET": sim.consumer_secret,
        "ETRADE_BASE_URL": sim.url,
        "ETRADE_OAUTH_BASE_URL": sim.url,
        "ETRADE_AUTHORIZE_URL": sim.authorize_url,
        "ETRADE_TOKEN_KEY": key,
        "ETRADE_TOKEN_FILE": str(token_file),
        "ETRADE_JOURNAL_FILE": str(journal),
    }

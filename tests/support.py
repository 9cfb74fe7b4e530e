"""Helpers shared by the tests."""

from __future__ import annotations

import os
from typing import Any

from etrade_sync import Settings
from etrade_sync.simulator import Simulator

__all__ = ["real_clock_env", "settings_for"]


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


#: Variables by which libfaketime moves a process's clock (see ``scripts/test.sh``).
_FAKE_CLOCK_VARS = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "DONT_FAKE_MONOTONIC")


def real_clock_env() -> dict[str, str]:
    """The environment for third-party servers (redis-server, PostgreSQL) the tests start.

    When the test run moves its own clock with libfaketime, servers stand for other
    machines and keep the real clock (redis-server does not run under libfaketime).
    """
    return {k: v for k, v in os.environ.items() if k not in _FAKE_CLOCK_VARS}

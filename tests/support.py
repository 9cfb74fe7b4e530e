"""Helpers shared by the tests."""

from __future__ import annotations

from typing import Any

from etrade_sync import Settings
from etrade_sync.simulator import Simulator

__all__ = ["settings_for"]


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

"""Helpers for the login tests: settings, clients and a "browser" for the authorize page."""

from __future__ import annotations

import re
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from etrade_sync import Settings
from etrade_sync.auth import AuthStatus, TokenStore
from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator
from tests.support import settings_for

__all__ = ["ET", "approve_in_browser", "at_et", "auth_client", "auth_settings", "login"]

ET = ZoneInfo("America/New_York")
_VERIFIER = re.compile(r'<code id="verifier">([^<]+)</code>')


def at_et(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """An aware datetime in US Eastern time."""
    return datetime(year, month, day, hour, minute, tzinfo=ET, fold=fold)


def auth_settings(sim: Simulator, token_file: Path, key: str | None, **overrides: Any) -> Settings:
    """Settings on ``sim`` with the token in ``token_file`` under ``key``."""
    overrides.setdefault("max_retries", 1)
    # accounts.list() and market.quote() are the probe requests here: no caching
    overrides.setdefault("accounts_ttl", 0)
    overrides.setdefault("quote_ttl", 0)
    return settings_for(sim, token_file=token_file, token_key=key, **overrides)


def auth_client(
    sim: Simulator,
    settings: Settings,
    *,
    clock: Any = None,
    store: TokenStore | None = None,
) -> Client:
    """A client on ``sim`` with a private gate whose lifetime rules follow ``sim.clock``."""
    return Client(
        settings,
        gate=RateGate(settings.resolved_rate_limits),
        token_store=store,
        clock=clock if clock is not None else sim.clock.now_dt,
    )


def approve_in_browser(url: str) -> str:
    """What the user does: open the login page over HTTP and read the code on it."""
    with urllib.request.urlopen(url, timeout=10) as page:
        html = page.read().decode("utf-8")
    found = _VERIFIER.search(html)
    assert found is not None, "no verifier on the authorize page"
    return found.group(1)


def login(client: Client) -> AuthStatus:
    """The whole login: request token, approve on the page, exchange the code."""
    request = client.auth.request_authorization()
    return client.auth.complete(approve_in_browser(request.url))

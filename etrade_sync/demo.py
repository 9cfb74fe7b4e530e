"""
etrade_sync.demo
~~~~~~~~~~~~~~~~

This module provides ``etrade-sync demo``: a walk through a real session against
the built-in simulator, printing each step. No E*TRADE account is needed.
"""

from __future__ import annotations

import time

__all__ = ["run_demo"]


def _say(text: str) -> None:
    print(text, flush=True)


def run_demo(*, fast: bool = False) -> int:
    """Start the simulator, log in, and show accounts and quotes."""
    from .client import Client
    from .config import Settings
    from .ratelimit import RateGate
    from .simulator import Simulator

    pause = 0.0 if fast else 0.4
    with Simulator() as sim:
        _say(f"simulator listening on {sim.url} (a local stand-in for E*TRADE)")
        settings = Settings(
            consumer_key=sim.consumer_key,
            consumer_secret=sim.consumer_secret,
            base_url=sim.url,
            oauth_base_url=sim.url,
            authorize_url=sim.authorize_url,
        )
        gate = RateGate(settings.resolved_rate_limits)
        with Client(settings, gate=gate) as client:
            token, secret = sim.issue_access_token()
            client.auth.use_token(token, secret)
            _say("\n1. accounts")
            for account in client.accounts.list():
                _say(
                    f"   {account.account_id}  {account.type or '':<12} "
                    f"{account.description or '':<24} {account.status}"
                )
            time.sleep(pause)
            _say("\n2. quotes")
            quotes = client.market.quotes(["AAPL", "MSFT", "IBM", "APPL"])
            for symbol, quote in quotes.items():
                _say(f"   {symbol:<6} last {quote.last}  bid {quote.bid}  ask {quote.ask}")
            for symbol, message in quotes.errors.items():
                _say(f"   {symbol:<6} refused: {message.description} (code {message.code})")
            _say("\n3. what it cost")
            calls = client.stats()["calls"]["totals"]
            _say(f"   {calls['count']} calls, {calls['errors']} errors, {calls['retries']} retries")
    return 0

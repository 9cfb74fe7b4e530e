"""
etrade_sync.cli.demo
~~~~~~~~~~~~~~~~~~~~

This module provides ``etrade-sync demo``: a walk through a real session against
the built-in simulator, printing each step: the login (approved automatically,
as the simulator allows), accounts, a balance, a quote sweep that shows the rate
gate and the cache at work, an order previewed, placed and cancelled, the
client's own figures, and a paper trade on the simulator's quotes. No E*TRADE
account is needed; nothing is written outside a temporary folder.
"""

from __future__ import annotations

import re
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["run_demo"]

_VERIFIER = re.compile(r'<code id="verifier">([^<]+)</code>')


def _say(text: str = "") -> None:
    print(text, flush=True)


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _approve(url: str) -> str:
    """Open the simulator's login page as a browser would and read the code on it."""
    with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 - loopback simulator
        found = _VERIFIER.search(page.read().decode("utf-8"))
    if found is None:
        raise RuntimeError("the simulator's login page showed no code")
    return found.group(1)


def _paper_step(sim: Any, settings: Any, tmp: Path, pause: float) -> None:
    """Paper trading: the simulator plays production for the quotes; the orders stay
    on a local paper book and never reach it."""
    from ..builders import EquityOrder
    from ..client import Client
    from ..ratelimit import RateGate

    time.sleep(pause)
    _say("\n7. Paper trading (ETRADE_ENV=paper): live quotes, orders on a local book")
    before = sim.log.hits("/v1/accounts*")
    paper = settings.replace(environment="paper", paper_file=tmp / "paper.sqlite3", quote_ttl=0)
    with Client(paper, gate=RateGate(paper.resolved_rate_limits)) as client:
        client.auth.use_token(*sim.issue_access_token())
        key = client.accounts.list()[0].account_id_key
        sim.set_price("IBM", "120.00")
        placed = client.orders.place(key, client.orders.preview(key, EquityOrder("IBM", "BUY", 10)))
        fill = client.paper.history()[-1] if client.paper else None
        _say(f"   {key}: order {placed.order_id} BUY 10 IBM filled at the ask "
             f"{_money(fill.price if fill else None)}")  # fmt: skip
        balance = client.accounts.balance(key)
        _say(f"   paper cash now {_money(balance.cash_balance)}; order requests the "
             f"simulator saw: {sim.log.hits('/v1/accounts*') - before}")  # fmt: skip


def run_demo(*, fast: bool = False) -> int:
    """Run the walk-through; return the process exit code."""
    from ..builders import EquityOrder
    from ..client import Client
    from ..config import Settings
    from ..ratelimit import RateGate
    from ..simulator import Simulator

    pause = 0.0 if fast else 0.6
    with Simulator(enforce_rate_limits=True) as sim, tempfile.TemporaryDirectory() as tmp:
        _say(f"E*TRADE simulator on {sim.url} (it enforces E*TRADE's rate limits)")
        settings = Settings(
            consumer_key=sim.consumer_key,
            consumer_secret=sim.consumer_secret,
            base_url=sim.url,
            oauth_base_url=sim.url,
            authorize_url=sim.authorize_url,
            token_store="memory",
            journal_file=Path(tmp) / "journal.sqlite3",
        )
        with Client(settings, gate=RateGate(settings.resolved_rate_limits)) as client:
            _say("\n1. Log in (the daily chore; approved automatically here)")
            request = client.auth.request_authorization()
            _say(f"   login page: {request.url.split('?')[0]}?key=…&token=…")
            client.auth.complete(_approve(request.url), request)
            status = client.auth.status()
            _say(f"   token {status.status.value}, expires {status.expires_at:%Y-%m-%d %H:%M} UTC")
            time.sleep(pause)

            _say("\n2. Accounts")
            accounts = client.accounts.list()
            for account in accounts:
                _say(
                    f"   {account.account_id}  {account.type or '':<12} "
                    f"{account.description or '':<24} {account.status}"
                )
            key = next(a.account_id_key for a in accounts if not a.is_closed)
            time.sleep(pause)

            _say("\n3. Balance (cached 60 s)")
            balance = client.accounts.balance(key)
            _say(
                f"   account value {_money(balance.account_balance)}, "
                f"cash to invest {_money(balance.cash_available_for_investment)}"
            )
            time.sleep(pause)

            _say("\n4. Quote sweep: 300 symbols in 6 calls of 50, at 4 calls a second")
            symbols = [f"{a}{b}{c}" for a in "ABC" for b in "ABCDEFGHIJ" for c in "ABCDEFGHIJ"]
            started = time.monotonic()
            quotes = client.market.quotes(symbols)
            first = time.monotonic() - started
            started = time.monotonic()
            client.market.quotes(symbols)
            second = time.monotonic() - started
            gate = client.stats()["gate"]["categories"].get("market", {})
            _say(
                f"   first sweep  {first:6.2f} s  ({len(quotes)} quotes; the gate waited "
                f"{gate.get('wait_total_s', 0):.2f} s in all)"
            )
            _say(f"   second sweep {second * 1000:6.2f} ms (every quote from the 5 s cache)")
            _say(
                f"   the simulator throttled {sim.log.throttled} requests; most in any "
                f"second: {sim.log.max_in_window('market')} (E*TRADE allows 4)"
            )
            refused = client.market.quotes(["AAPL", "APPL"]).errors
            for symbol, message in refused.items():
                _say(f"   {symbol}: {message.description} (code {message.code})")
            time.sleep(pause)

            _say("\n5. An order: preview, place, cancel")
            order = EquityOrder("IBM", "BUY", 10, price_type="LIMIT", limit_price=Decimal("50"))
            preview = client.orders.preview(key, order)
            _say(
                f"   preview {preview.preview_ids[0]}: BUY 10 IBM LIMIT $50, estimated "
                f"{_money(preview.estimated_total_amount)} (clientOrderId "
                f"{preview.client_order_id})"
            )
            placed = client.orders.place(key, preview)
            _say(f"   placed as order {placed.order_id}")
            client.orders.cancel(key, placed.order_id)
            state = client.orders.get(key, placed.order_id)
            _say(f"   cancelled: status now {state.details[0].status if state.details else '?'}")
            journal = client.journal.entries(limit=2)
            _say(f"   journal: {', '.join(f'{e.operation} {e.status}' for e in journal)}")
            time.sleep(pause)

            _say("\n6. What it cost (client.stats())")
            stats = client.stats()
            totals = stats["calls"]["totals"]
            _say(
                f"   {totals['count']} calls, {totals['errors']} errors, {totals['retries']} "
                f"retries, p50 {totals['latency_ms']['p50']} ms"
            )
            quotes_cache = stats.get("cache", {}).get("quotes", {})
            if quotes_cache:
                _say(
                    f"   quote cache: {quotes_cache.get('hits')} hits, "
                    f"{quotes_cache.get('misses')} misses"
                )
            _say(f"   circuit breaker: {stats['circuit']['state']}")
        _paper_step(sim, settings, Path(tmp), pause)
    _say(
        "\nDone. Next: try the login yourself on the simulator (`etrade-sync simulator`, "
        "then README: Try the login against the simulator), or `etrade-sync login` with "
        "your own keys."
    )
    return 0

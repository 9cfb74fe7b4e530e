"""No secret in any log line (DEBUG, every library), repr, error or journal row."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet

from etrade_sync import EquityOrder
from etrade_sync.errors import ETradeError, OrderOutcomeUnknownError
from etrade_sync.simulator import Fault, Simulator
from tests.auth.helpers import approve_in_browser, auth_client, auth_settings

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


def forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(quote(secret, safe=""), safe="")}


def test_full_login_and_trading_session_at_debug_leaks_nothing(
    sim: Simulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("oauthlib", "requests_oauthlib", "urllib3", "etrade_sync", "requests"):
        caplog.set_level(logging.DEBUG, logger=name)
    settings = auth_settings(
        sim,
        tmp_path / "tokens.json",
        Fernet.generate_key().decode(),
        journal_file=tmp_path / "journal.sqlite3",
        rate_limits=UNLIMITED,
    )
    client = auth_client(sim, settings)
    request = client.auth.request_authorization()
    verifier = approve_in_browser(request.url)
    client.auth.complete(verifier, request)

    errors: list[str] = []
    key = client.accounts.list()[0].account_id_key
    client.accounts.balance(key)
    client.accounts.portfolio(key)
    client.market.quotes(["AAPL", "APPL", "MSFT"])
    order = EquityOrder("IBM", "BUY", 2, price_type="LIMIT", limit_price=Decimal("1.00"))
    placed = client.orders.place(key, client.orders.preview(key, order))
    client.orders.cancel(key, placed.order_id)
    sim.faults.script("/v1/accounts/*/orders/place", Fault.commit_then_drop())
    preview = client.orders.preview(key, order.replace())
    with pytest.raises(OrderOutcomeUnknownError) as unknown:
        client.orders.place(key, preview)
    errors.append(str(unknown.value))
    assert client.orders.resolve(key, preview.client_order_id) is not None
    sim.faults.script("/v1/market/quote/*", Fault.oauth("token_rejected"), Fault.status(503))
    client.market.quotes(["IBM"], fresh=True)
    sim.faults.script("/v1/accounts/list", *[Fault.oauth("signature_invalid")] * 2)
    with pytest.raises(ETradeError) as refused:
        client.accounts.list(fresh=True)
    errors.append(str(refused.value))
    client.auth.renew()
    status = client.auth.status()

    token = client.auth.store.load()
    assert token is not None
    secrets = {
        "consumer secret": sim.consumer_secret,
        "access token": token.token,
        "token secret": token.token_secret,
        "request token secret": request.token_secret,
        "verifier": verifier,
    }
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) > 50
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    reprs = [
        repr(client),
        repr(client.settings),
        repr(status),
        repr(request),
        repr(token),
        repr(preview),
        repr(placed),
        repr(client.session.auth),
        str(client.stats()),
    ]
    journal_bytes = (tmp_path / "journal.sqlite3").read_bytes()
    for path in tmp_path.glob("journal.sqlite3*"):
        journal_bytes += path.read_bytes()
    for what, secret in secrets.items():
        for form in forms(secret):
            assert not [line for line in lines if form in line], f"{what} in a log line"
            assert not [text for text in reprs if form in text], f"{what} in a repr"
            assert not [text for text in errors if form in text], f"{what} in an error"
            assert form.encode() not in journal_bytes, f"{what} in the journal"
    unmasked = re.compile(r'oauth_(?:token|signature|nonce|verifier)="(?!\*\*\*")')
    assert not [line for line in lines if unmasked.search(line)], "Authorization header in logs"
    ours = [r.getMessage() for r in caplog.records if r.name == "etrade_sync"]
    assert any("/v1/accounts/" in line for line in ours)
    assert not [line for line in lines if key in line], "accountIdKey not shortened"
    client.close()

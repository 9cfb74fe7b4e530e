"""ETRADE_LOG_FORMAT=json: one JSON object per line, with call fields and no secret."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from cryptography.fernet import Fernet

from etrade_sync import EquityOrder
from etrade_sync.observe.jsonlog import setup_logging
from etrade_sync.simulator import Simulator
from tests.auth.helpers import approve_in_browser, auth_client, auth_settings

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")
_SIGNATURE = re.compile(r'oauth_signature="([^"]+)"')


@pytest.fixture
def json_stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    old_level = root.level
    monkeypatch.setenv("ETRADE_LOG_FORMAT", "json")
    handler = setup_logging(logging.DEBUG, stream=stream)  # format from the variable
    for name in ("oauthlib", "requests_oauthlib", "urllib3", "etrade_sync"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name in ("urllib3", "etrade_sync"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        for name in ("oauthlib", "requests_oauthlib"):
            logging.getLogger(name).setLevel(logging.INFO)


def test_debug_json_log_of_login_and_trading_parses_and_holds_no_secret(
    sim: Simulator, tmp_path: Path, json_stream: io.StringIO
) -> None:
    token_key = Fernet.generate_key().decode()
    settings = auth_settings(
        sim,
        tmp_path / "tokens.json",
        token_key,
        journal_file=tmp_path / "journal.sqlite3",
        rate_limits=UNLIMITED,
        quote_ttl=5.0,
    )
    client = auth_client(sim, settings)
    request = client.auth.request_authorization()
    verifier = approve_in_browser(request.url)
    client.auth.complete(verifier, request)
    key = client.accounts.list()[0].account_id_key
    client.accounts.balance(key)
    client.market.quotes(["AAPL", "MSFT"])
    client.market.quotes(["AAPL", "IBM"])  # one cached, one fetched
    order = EquityOrder("IBM", "BUY", 2, price_type="LIMIT", limit_price=Decimal("1.00"))
    placed = client.orders.place(key, client.orders.preview(key, order))
    client.orders.cancel(key, placed.order_id)
    client.close()

    token = client.auth.store.load()
    assert token is not None
    signatures = {
        unquote(m.group(1))
        for record in sim.log.records()
        for m in [_SIGNATURE.search(record.headers.get("Authorization", ""))]
        if m is not None
    }
    assert len(signatures) > 5
    secrets = {
        "consumer secret": sim.consumer_secret,
        "access token": token.token,
        "token secret": token.token_secret,
        "request token": request.token,
        "request token secret": request.token_secret,
        "verifier": verifier,
        "token key": token_key,
    }
    for n, signature in enumerate(signatures):
        secrets[f"signature {n}"] = signature

    text = json_stream.getvalue()
    lines = text.splitlines()
    assert len(lines) > 50
    docs = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"ts", "level", "logger", "message"} <= doc.keys() for doc in docs)
    assert any(doc["logger"].startswith("urllib3") for doc in docs)
    for what, secret in secrets.items():
        for form in {secret, quote(secret, safe=""), quote(quote(secret, safe=""), safe="")}:
            assert form not in text, f"{what} leaked"
    assert key not in text  # account keys are shortened

    attempts = [d for d in docs if d.get("endpoint") == "market.quote" and "attempt" in d]
    assert attempts and attempts[0]["status"] == 200 and attempts[0]["attempt"] == 1
    assert attempts[0]["category"] == "market"
    assert isinstance(attempts[0]["latency_ms"], float)
    assert isinstance(attempts[0]["gate_wait_ms"], float)
    calls = [d for d in docs if d.get("endpoint") == "orders.place" and "attempts" in d]
    assert calls and calls[0]["attempts"] == 1 and calls[0]["status"] == 200
    outcomes = [d["cache"] for d in docs if d.get("cache_name") == "quotes"]
    assert outcomes == ["miss", "partial"]


def test_the_command_line_writes_json_lines_with_an_encrypted_secret(
    sim: Simulator, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from etrade_sync.client import Client
    from etrade_sync.crypto.envcrypt import encrypt_value
    from tests.support import settings_for

    token_key = Fernet.generate_key().decode()
    settings = settings_for(sim, token_file=tmp_path / "tokens.json", token_key=token_key)
    with Client(settings) as client:
        client.auth.use_token(*sim.issue_access_token())
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETRADE_")}
    env.update(
        ETRADE_CONSUMER_KEY=sim.consumer_key,
        ETRADE_CONSUMER_SECRET=encrypt_value(sim.consumer_secret, token_key),
        ETRADE_BASE_URL=sim.url,
        ETRADE_TOKEN_FILE=str(tmp_path / "tokens.json"),
        ETRADE_TOKEN_KEY=token_key,
        ETRADE_JOURNAL_FILE=str(tmp_path / "journal.sqlite3"),
        ETRADE_LOG_FORMAT="json",
        PYTHON_DOTENV_DISABLED="1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "etrade_sync", "-vv", "quote", "AAPL"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "AAPL" in done.stdout
    docs = [json.loads(line) for line in done.stderr.splitlines()]
    assert any(d.get("endpoint") == "market.quote" and d.get("status") == 200 for d in docs)
    for secret in (sim.consumer_secret, token_key):
        assert secret not in done.stderr

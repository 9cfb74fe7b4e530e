"""The daily login over real sockets: request token, authorize page, access token, API."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from etrade_sync.auth import TokenStatus
from etrade_sync.errors import (
    AuthenticationError,
    ClockSkewError,
    ConfigurationError,
    LoginRequiredError,
    ServerError,
)
from etrade_sync.simulator import Fault, Simulator
from tests.auth.helpers import ET, approve_in_browser, auth_client, auth_settings, login


def test_full_login_then_api_call_and_a_new_process_reuses_it(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    settings = auth_settings(held_sim, token_path, key)
    client = auth_client(held_sim, settings)
    request = client.auth.request_authorization()

    parts = urlsplit(request.url)
    assert request.url.startswith(settings.authorize_base + "?")
    query = parse_qs(parts.query, strict_parsing=True)
    assert query == {"key": [held_sim.consumer_key], "token": [request.token]}
    assert set("+/=") & set(request.token)  # the encoding matters for this token
    assert quote(request.token, safe="") in parts.query

    status = client.auth.complete(approve_in_browser(request.url))
    assert status.status is TokenStatus.ACTIVE
    assert status.expires_at == held_sim.clock.now_dt().astimezone(ET).replace(
        day=11, hour=0, minute=0, second=0, microsecond=0
    )
    assert client.accounts.list()
    assert held_sim.log.hits(path_glob="/v1/accounts/list") == 1

    # another process on the same machine: no login, it just works
    other = auth_client(held_sim, settings)
    assert other.auth.status().status is TokenStatus.ACTIVE
    assert other.accounts.list()
    assert [r.status for r in held_sim.log.records(path_glob="/v1/*")] == [200, 200]
    client.close()
    other.close()


def test_token_file_is_encrypted_private_and_never_holds_plain_secrets(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    login(client)
    token = client.auth.store.load()
    assert token is not None
    raw = token_path.read_bytes()
    for secret in (token.token, token.token_secret):
        for form in (secret, quote(secret, safe=""), secret.rstrip("=")):
            assert form.encode() not in raw
    assert held_sim.consumer_secret.encode() not in raw
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_path.parent.stat().st_mode) == 0o700
    client.close()


def test_login_reads_the_code_and_keeps_secrets_out_of_logs_reprs_and_errors(
    held_sim: Simulator, token_path: Path, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("oauthlib", "requests_oauthlib", "urllib3", "etrade_sync"):
        caplog.set_level(logging.DEBUG, logger=name)
    settings = auth_settings(held_sim, token_path, key)
    client = auth_client(held_sim, settings)
    shown: list[str] = []
    typed: list[str] = []

    def read_code(prompt: str) -> str:
        url = next(line.strip() for line in shown if line.strip().startswith("http"))
        typed.append(approve_in_browser(url))
        return f"  {typed[-1]}\n"

    # a wrong code first: refused, and the message does not echo it
    request = client.auth.request_authorization()
    with pytest.raises(AuthenticationError) as wrong:
        client.auth.complete("ZZZZ9", request)
    assert "verification code was not accepted" in str(wrong.value)
    assert "ZZZZ9" not in str(wrong.value)

    status = client.auth.login(read_code=read_code, open_browser=False, write=shown.append)
    assert status.status is TokenStatus.ACTIVE
    assert client.accounts.list()
    assert any("5 minutes" in line for line in shown)

    token = client.auth.store.load()
    assert token is not None
    secrets = {
        "consumer secret": held_sim.consumer_secret,
        "token": token.token,
        "token secret": token.token_secret,
        "verifier": typed[0],
    }
    seen = [
        r.getMessage()
        for r in caplog.records
        if not r.name.startswith("etrade_sync.simulator")  # the server's own access log
    ]
    assert any("oauth" in line.lower() for line in seen)  # debug logging really was on
    reprs = [
        repr(client),
        repr(client.auth),
        repr(client.settings),
        repr(client.auth.store),
        repr(token),
        repr(status),
        str(status),
        repr(request),
        repr(client.session.auth),
    ]
    for what, secret in secrets.items():
        for form in {secret, quote(secret, safe=""), quote(quote(secret, safe=""), safe="")}:
            assert not [line for line in seen if form in line], f"{what} in a log line"
            assert not [text for text in reprs if form in text], f"{what} in a repr"
    client.close()


def test_login_without_a_token_key_says_how_to_make_one_before_any_request(
    held_sim: Simulator, token_path: Path
) -> None:
    client = auth_client(held_sim, auth_settings(held_sim, token_path, None))
    with pytest.raises(ConfigurationError) as info:
        client.auth.request_authorization()
    message = str(info.value)
    assert "ETRADE_TOKEN_KEY" in message
    assert "etrade-sync key" in message
    assert "Fernet.generate_key()" in message
    assert held_sim.log.hits(path_glob="*") == 0
    assert not token_path.exists()
    client.close()


def test_code_typed_after_five_minutes_asks_for_a_new_login(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    request = client.auth.request_authorization()
    verifier = approve_in_browser(request.url)
    held_sim.clock.advance(301)
    with pytest.raises(AuthenticationError) as info:
        client.auth.complete(verifier)
    assert "longer than 5 minutes" in str(info.value)
    assert client.auth.status().status is TokenStatus.MISSING
    client.close()


def test_revoke_tells_the_broker_first_and_keeps_the_token_when_it_fails(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    settings = auth_settings(held_sim, token_path, key, max_retries=0)
    client = auth_client(held_sim, settings)
    login(client)
    token = client.auth.store.load()
    assert token is not None

    held_sim.faults.script("/oauth/revoke_access_token", Fault.status(500))
    with pytest.raises(ServerError):
        client.auth.revoke()
    assert client.auth.status().status is TokenStatus.ACTIVE
    assert auth_client(held_sim, settings).auth.status().status is TokenStatus.ACTIVE
    assert held_sim.token_state(token.token) == "ACTIVE"

    status = client.auth.revoke()
    assert status.status is TokenStatus.MISSING
    assert held_sim.token_state(token.token) == "REVOKED"
    assert auth_client(held_sim, settings).auth.status().status is TokenStatus.MISSING
    with pytest.raises(LoginRequiredError):
        client.accounts.list()
    assert held_sim.log.hits(path_glob="/v1/*") == 0
    client.close()


def test_timestamp_refused_becomes_clock_skew_error_with_the_offset(
    token_path: Path, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    with Simulator(server_time_offset=-900) as skewed:
        client = auth_client(skewed, auth_settings(skewed, token_path, key))
        with caplog.at_level(logging.WARNING, logger="etrade_sync"):
            with pytest.raises(ClockSkewError) as info:
                client.auth.request_authorization()
            token, secret = skewed.issue_access_token()
            client.auth.use_token(token, secret)
            with pytest.raises(ClockSkewError):
                client.accounts.list()
        error = info.value
        assert error.skew_seconds is not None
        assert abs(error.skew_seconds - 900) < 10
        assert "clock is off by about +9" in str(error)
        assert not isinstance(error, LoginRequiredError)
        assert skewed.renew_count == 0  # a clock problem is not fixed by renewing
        warnings = [r for r in caplog.records if "clock is" in r.getMessage()]
        assert len(warnings) == 1 and "+9" in warnings[0].getMessage()
        client.close()


def test_store_makes_a_private_directory_and_file_whatever_the_umask(tmp_path: Path) -> None:
    from etrade_sync.auth.filestore import EncryptedFileStore
    from etrade_sync.auth.token import AccessToken
    from etrade_sync.crypto.keys import generate_key
    from tests.auth.conftest import START

    path = tmp_path / "deep" / "er" / "tokens.json"
    store = EncryptedFileStore(path, generate_key(), namespace="sandbox:x")
    previous = os.umask(0)
    try:
        store.save(AccessToken("t" * 20, "s" * 20, START, START))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load() == AccessToken("t" * 20, "s" * 20, START, START)


def test_production_login_page_url_is_encoded_for_tokens_with_plus_slash_equals() -> None:
    from etrade_sync import Settings
    from etrade_sync.auth.flow import authorize_url

    settings = Settings(consumer_key="ck123", consumer_secret="cs", environment="production")
    assert authorize_url(settings, "a+b/c=") == (
        "https://us.etrade.com/e/t/etws/authorize?key=ck123&token=a%2Bb%2Fc%3D"
    )

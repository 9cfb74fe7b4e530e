"""Token lifetime rules on injected clocks: idle renew, one renew on 401, midnight expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from etrade_sync.auth import AccessToken, MemoryTokenStore, TokenStatus
from etrade_sync.auth.token import next_midnight_eastern
from etrade_sync.errors import AuthenticationError, LoginRequiredError
from etrade_sync.simulator import Fault, SimClock, Simulator
from etrade_sync.transport import Call
from tests.auth.helpers import at_et, auth_client, auth_settings, login

MINUTE = 60.0
HOUR = 3600.0


def _logged_in(sim: Simulator, path: Path, key: str, **overrides: object):  # type: ignore[no-untyped-def]
    client = auth_client(sim, auth_settings(sim, path, key, **overrides))
    login(client)
    return client


def test_idle_token_is_renewed_once_before_the_request(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = _logged_in(held_sim, token_path, key)  # renew_margin is 10 minutes
    held_sim.clock.advance(1 * HOUR + 49 * MINUTE)
    assert client.accounts.list()
    assert held_sim.renew_count == 0

    held_sim.clock.advance(1 * HOUR + 51 * MINUTE)  # idle 1:51 since the last call
    assert client.auth.status().status is TokenStatus.ACTIVE
    assert client.accounts.list()
    assert held_sim.renew_count == 1

    held_sim.clock.advance(3 * HOUR)  # past the server's 2 h: really inactive there
    assert held_sim.token_state(client.auth.store.load().token) == "INACTIVE"  # type: ignore[union-attr]
    assert client.auth.status().status is TokenStatus.INACTIVE
    assert client.accounts.list()
    assert client.accounts.list()
    assert held_sim.renew_count == 2
    statuses = [r.status for r in held_sim.log.records(path_glob="/v1/*")]
    assert statuses == [200, 200, 200, 200]  # the user never saw a 401
    client.close()


def test_token_rejected_is_renewed_once_and_a_safe_request_repeated(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = _logged_in(held_sim, token_path, key)
    held_sim.faults.script("/v1/accounts/list", Fault.oauth("token_rejected"))
    assert client.accounts.list()
    assert [r.status for r in held_sim.log.records(path_glob="/v1/accounts/list")] == [401, 200]
    assert held_sim.renew_count == 1
    client.close()


def test_rejected_twice_raises_after_one_renew_without_looping(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = _logged_in(held_sim, token_path, key)
    held_sim.faults.script(
        "/v1/accounts/list", Fault.oauth("token_rejected"), Fault.oauth("token_rejected")
    )
    with pytest.raises(AuthenticationError) as info:
        client.accounts.list()
    assert info.value.oauth_problem == "token_rejected"
    assert held_sim.log.hits(path_glob="/v1/accounts/list") == 2
    assert held_sim.renew_count == 1
    client.close()


def test_rejected_order_is_renewed_but_not_resent(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = _logged_in(held_sim, token_path, key)
    account = held_sim.accounts[0].account_id_key
    path = f"/v1/accounts/{account}/orders/preview"
    held_sim.faults.script("/v1/accounts/*/orders/preview", Fault.oauth("token_rejected"))
    call = Call("POST", path, name="orders.preview", category="orders", safe=False,
                json={"PreviewOrderRequest": {}})  # fmt: skip
    with pytest.raises(AuthenticationError) as info:
        client.transport.call_json(call)
    assert "renewed" in str(info.value) and "not executed" in str(info.value)
    assert held_sim.log.hits(path_glob="/v1/accounts/*/orders/preview") == 1
    assert held_sim.renew_count == 1
    client.close()


def test_refused_renew_means_login_and_no_more_requests(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = _logged_in(held_sim, token_path, key, environment="production")
    held_sim.clock.advance(2 * HOUR + MINUTE)
    held_sim.faults.script("/oauth/renew_access_token", Fault.oauth("token_rejected"))
    with pytest.raises(LoginRequiredError) as info:
        client.accounts.list()
    assert info.value.command.startswith("etrade-sync login --env production")
    assert info.value.command in str(info.value)
    with pytest.raises(LoginRequiredError):
        client.accounts.list()
    assert held_sim.log.hits(path_glob="/oauth/renew_access_token") == 1
    assert held_sim.log.hits(path_glob="/v1/*") == 0
    client.close()


def test_broker_says_expired_means_login_without_a_renew(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = _logged_in(held_sim, token_path, key)
    held_sim.faults.script("/v1/accounts/list", Fault.oauth("token_expired"))
    with pytest.raises(LoginRequiredError) as info:
        client.accounts.list()
    assert "etrade-sync login" in str(info.value)
    assert held_sim.renew_count == 0
    assert held_sim.log.hits(path_glob="/v1/accounts/list") == 1
    client.close()


@pytest.mark.parametrize(
    ("issued", "expires"),
    [
        # the night DST starts: midnight still EST, 30 minutes later
        (at_et(2026, 3, 7, 23, 30), datetime(2026, 3, 8, 5, 0, tzinfo=UTC)),
        # the next day's midnight is EDT (04:00 UTC)
        (at_et(2026, 3, 8, 12, 0), datetime(2026, 3, 9, 4, 0, tzinfo=UTC)),
        # the night before fall-back: midnight EDT
        (at_et(2026, 10, 31, 23, 30), datetime(2026, 11, 1, 4, 0, tzinfo=UTC)),
        # fall-back day lasts 25 h: 00:30 EDT lives until 00:00 EST next day
        (at_et(2026, 11, 1, 0, 30), datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
        # both 01:30s of the fall-back night end at the same midnight
        (at_et(2026, 11, 1, 1, 30, fold=0), datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
        (at_et(2026, 11, 1, 1, 30, fold=1), datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
    ],
)
def test_expiry_is_the_next_midnight_in_new_york(issued: datetime, expires: datetime) -> None:
    assert next_midnight_eastern(issued) == expires


@pytest.mark.parametrize(
    "issued", [at_et(2026, 3, 7, 23, 30), at_et(2026, 11, 1, 0, 30)], ids=["spring", "fall"]
)
def test_midnight_expiry_agrees_with_the_broker_across_dst(
    issued: datetime, token_path: Path, key: str
) -> None:
    with Simulator(clock=SimClock(issued)) as sim:
        client = _logged_in(sim, token_path, key)
        status = client.auth.status()
        assert status.expires_at == next_midnight_eastern(issued)
        assert sim.token_expires_at(client.auth.store.load().token) == status.expires_at  # type: ignore[union-attr]

        sim.clock.set(status.expires_at - timedelta(seconds=1))  # type: ignore[operator]
        assert client.accounts.list()  # idle for hours: renewed, still before midnight
        sim.clock.set(status.expires_at)  # type: ignore[arg-type]
        assert client.auth.status().status is TokenStatus.EXPIRED
        before = sim.log.hits(path_glob="*")
        with pytest.raises(LoginRequiredError) as info:
            client.accounts.list()
        assert sim.log.hits(path_glob="*") == before  # refused locally, nothing sent
        assert "midnight US Eastern" in str(info.value)
        assert "etrade-sync login" in str(info.value)
        client.close()


def test_expired_token_from_the_store_needs_login_without_any_request(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    yesterday = held_sim.clock.now_dt() - timedelta(days=1)
    settings = auth_settings(held_sim, token_path, key, environment="production")
    first = auth_client(held_sim, settings)
    first.auth.use_token("tok+en/a=", "sec+ret/b=", issued_at=yesterday)
    first.close()

    client = auth_client(held_sim, settings)
    assert client.auth.status().status is TokenStatus.EXPIRED
    with pytest.raises(LoginRequiredError) as info:
        client.accounts.list()
    assert f"etrade-sync login --env production --token-file {token_path}" in str(info.value)
    assert held_sim.log.hits(path_glob="*") == 0
    client.close()


def test_missing_token_names_the_login_command(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    with pytest.raises(LoginRequiredError) as info:
        client.market.quote("AAPL")
    assert info.value.command in str(info.value)
    assert info.value.command.startswith("etrade-sync login")
    memory = auth_client(
        held_sim, auth_settings(held_sim, token_path, None), store=MemoryTokenStore()
    )
    with pytest.raises(LoginRequiredError) as info:
        memory.market.quote("AAPL")
    assert "client.auth.login()" in str(info.value)
    assert held_sim.log.hits(path_glob="*") == 0
    client.close()
    memory.close()


def test_threads_waking_idle_renew_once(held_sim: Simulator, token_path: Path, key: str) -> None:
    import threading

    client = _logged_in(held_sim, token_path, key, rate_limits={"accounts": "unlimited"})
    held_sim.clock.advance(3 * HOUR)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.accounts.list()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert held_sim.renew_count == 1
    assert held_sim.log.hits(path_glob="/v1/accounts/list") == 8
    client.close()


def test_use_token_adopts_a_token_obtained_elsewhere(held_sim: Simulator) -> None:
    store = MemoryTokenStore()
    token, secret = held_sim.issue_access_token()
    client = auth_client(held_sim, auth_settings(held_sim, Path("unused"), None), store=store)
    client.auth.use_token(token, secret)
    assert client.accounts.list()
    saved = store.load()
    assert isinstance(saved, AccessToken) and saved.token == token
    client.close()

"""The Redis token store against a real redis-server: encryption, namespaces, rotation,
single-flight renew across "hosts", fencing of a stalled holder, Redis down."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync import Settings
from etrade_sync.auth import AccessToken, TokenStatus, token_store_for
from etrade_sync.auth.redis_store import (
    RedisTokenStore,
    TokenStoreFencedError,
    TokenStoreUnavailableError,
)
from etrade_sync.auth.stores import TokenStoreError, login_command
from etrade_sync.client import Client
from etrade_sync.errors import ConfigurationError, LoginRequiredError
from etrade_sync.simulator import Simulator
from tests.auth.conftest import START
from tests.auth.helpers import auth_client, auth_settings, login
from tests.servers import RedisServer

pytestmark = pytest.mark.redis

TOKEN = AccessToken("tok+en/1=", "sec+ret/1=", START, START)
NEWER = AccessToken("tok+en/2=", "sec+ret/2=", START, START)


def _store(url: str, key: str | None, namespace: str, **kw: float) -> RedisTokenStore:
    return RedisTokenStore(url, key, namespace=f"sandbox:{namespace}", **kw)


def _raw_values(url: str) -> bytes:
    import redis

    client = redis.Redis.from_url(url)
    out = b""
    for name in client.keys("etrade_sync:token:*"):
        kind = client.type(name)
        if kind == b"hash":
            out += b"".join(client.hgetall(name).values())
        elif kind == b"string":
            out += client.get(name) or b""
    return out


def test_token_is_encrypted_and_namespaced(
    redis_server: RedisServer, key: str, namespace: str
) -> None:
    a = _store(redis_server.url, key, namespace)
    a.save(TOKEN)
    assert _store(redis_server.url, key, namespace).load() == TOKEN
    assert _store(redis_server.url, key, namespace + "-other").load() is None
    prod = RedisTokenStore(redis_server.url, key, namespace=f"production:{namespace}")
    assert prod.load() is None
    raw = _raw_values(redis_server.url)
    assert b"tok+en/1=" not in raw and b"sec+ret/1=" not in raw
    a.clear()
    assert _store(redis_server.url, key, namespace).load() is None


def test_rotation_and_wrong_key_as_in_the_file_store(
    redis_server: RedisServer, namespace: str
) -> None:
    old, new = "an old passphrase here", Fernet.generate_key().decode()
    _store(redis_server.url, old, namespace).save(TOKEN)
    with pytest.raises(ConfigurationError, match="ETRADE_TOKEN_KEY does not open"):
        _store(redis_server.url, new, namespace).load()
    both = _store(redis_server.url, f"{new},{old}", namespace)
    assert both.load() == TOKEN
    both.save(TOKEN)  # re-encrypted under the newest key
    assert _store(redis_server.url, new, namespace).load() == TOKEN
    with pytest.raises(ConfigurationError, match="no token key"):
        _store(redis_server.url, None, namespace).load()


def test_lock_is_exclusive_across_stores(
    redis_server: RedisServer, key: str, namespace: str
) -> None:
    a, b = _store(redis_server.url, key, namespace), _store(redis_server.url, key, namespace)
    with a.locked():
        first = a.fence
        with pytest.raises(TokenStoreError, match="another process or host"), b.locked(0.2):
            pass
        a.save(TOKEN)  # re-entrant for the holder
    with b.locked(1.0):
        assert b.fence > first


def test_a_holder_stalled_past_the_expiry_cannot_overwrite_a_newer_token(
    redis_server: RedisServer, key: str, namespace: str
) -> None:
    stalled = _store(redis_server.url, key, namespace, lock_ttl=0.3)
    other = _store(redis_server.url, key, namespace, lock_ttl=5)
    stalled.save(TOKEN)
    with stalled.locked():
        time.sleep(0.5)  # e.g. a GC pause or a suspended VM: the lock expires
        with other.locked(2.0):
            other.save(NEWER)
        with pytest.raises(TokenStoreFencedError, match="the newer token stays"):
            stalled.save(TOKEN)
        with pytest.raises(TokenStoreFencedError):
            stalled.clear()
    assert other.load() == NEWER


def test_redis_down_is_a_typed_error_with_the_fix_and_no_fallback(
    private_redis: RedisServer, held_sim: Simulator, key: str, tmp_path: Path
) -> None:
    url = private_redis.url.replace("redis://", "redis://:hunter2@")
    settings = auth_settings(held_sim, tmp_path / "tokens.json", key, token_store=url)
    private_redis.stop()
    store = token_store_for(settings)
    for attempt in (store.load, lambda: store.save(TOKEN), lambda: store.locked(1).__enter__()):
        with pytest.raises(TokenStoreUnavailableError) as caught:
            attempt()
        text = str(caught.value)
        assert "127.0.0.1" in text and "Start that Redis server" in text
        assert "hunter2" not in text
    client = auth_client(held_sim, settings)
    with pytest.raises(TokenStoreUnavailableError):
        client.accounts.list()
    assert not (tmp_path / "tokens.json").exists()  # never written to the file store
    assert held_sim.log.hits(path_glob="/v1/*") == 0
    assert "hunter2" not in login_command(settings, store)


def test_settings_accept_redis_stores_only_as_urls() -> None:
    settings = Settings.from_env(environ={"ETRADE_TOKEN_STORE": "rediss://h.example:6380/2"})
    assert settings.token_store == "rediss://h.example:6380/2"
    with pytest.raises(ConfigurationError, match="redis://host:port/db"):
        Settings(token_store="redis:/nohost")


def test_two_hosts_share_one_login_and_renew_once(
    redis_server: RedisServer, held_sim: Simulator, key: str, tmp_path: Path, namespace: str
) -> None:
    url = redis_server.url.replace("/0", "/3")
    settings = [
        auth_settings(held_sim, tmp_path / h / "t.json", key, token_store=url) for h in "abc"
    ]
    hosts = [auth_client(held_sim, s) for s in settings]
    login(hosts[0])
    assert all(h.auth.status().status is TokenStatus.ACTIVE for h in hosts)
    held_sim.clock.advance(2 * 3600 + 60)  # idle at the simulator for every host
    errors: list[BaseException] = []

    def work(client: Client) -> None:
        try:
            assert client.accounts.list()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(h,)) for h in hosts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert held_sim.renew_count == 1
    assert held_sim.log.hits(path_glob="/oauth/request_token") == 1
    assert not any((tmp_path / h).exists() for h in "abc")
    for h in hosts:
        h.close()


def test_a_redis_restart_without_persistence_means_a_new_login(
    private_redis: RedisServer, held_sim: Simulator, key: str, tmp_path: Path
) -> None:
    settings = auth_settings(held_sim, tmp_path / "t.json", key, token_store=private_redis.url)
    first = auth_client(held_sim, settings)
    login(first)
    private_redis.restart()  # no AOF, no snapshot: the token is gone
    later_process = auth_client(held_sim, settings)
    with pytest.raises(LoginRequiredError, match="etrade-sync login"):
        later_process.accounts.list()
    assert first.accounts.list()  # a process that still holds it goes on until midnight
    first.close()
    later_process.close()

"""Token stores: keys and rotation, wrong keys, sharing one file, last-use bookkeeping."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from etrade_sync.auth import AccessToken, MemoryTokenStore, TokenStatus
from etrade_sync.auth.filestore import EncryptedFileStore
from etrade_sync.errors import ConfigurationError, LoginRequiredError
from etrade_sync.simulator import Simulator
from tests.auth.conftest import START
from tests.auth.helpers import auth_client, auth_settings, login

TOKEN = AccessToken("tok+en/1=", "sec+ret/1=", START, START)


def _entries(path: Path) -> dict[str, str]:
    entries: dict[str, str] = json.loads(path.read_bytes())["entries"]
    return entries


def test_wrong_key_is_a_clear_error_and_leaves_the_file_untouched(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    settings = auth_settings(held_sim, token_path, key)
    login(auth_client(held_sim, settings))
    before = token_path.read_bytes()

    wrong = auth_client(held_sim, settings.replace(token_key=Fernet.generate_key().decode()))
    for attempt in (wrong.auth.status, wrong.accounts.list, wrong.auth.renew):
        with pytest.raises(ConfigurationError) as info:
            attempt()
        assert "ETRADE_TOKEN_KEY" in str(info.value)
        assert "another key" in str(info.value)
    assert token_path.read_bytes() == before
    assert held_sim.log.hits(path_glob="/v1/*") == 0
    assert held_sim.renew_count == 0
    wrong.close()


def test_token_file_without_a_key_is_refused_with_instructions(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    settings = auth_settings(held_sim, token_path, key)
    login(auth_client(held_sim, settings))
    before = token_path.read_bytes()
    keyless = auth_client(held_sim, settings.replace(token_key=None))
    with pytest.raises(ConfigurationError) as info:
        keyless.accounts.list()
    assert "ETRADE_TOKEN_KEY is not set" in str(info.value)
    assert "etrade-sync key" in str(info.value)
    assert token_path.read_bytes() == before


def test_no_key_and_no_file_keeps_a_given_token_in_memory_only(
    held_sim: Simulator, token_path: Path
) -> None:
    client = auth_client(held_sim, auth_settings(held_sim, token_path, None))
    client.auth.use_token(*held_sim.issue_access_token())
    assert client.accounts.list()
    assert not token_path.exists() and not token_path.parent.exists()
    client.close()


def test_rotation_reads_old_keys_and_rewrites_under_the_newest(token_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    EncryptedFileStore(token_path, old, namespace="sandbox:a").save(TOKEN)
    EncryptedFileStore(token_path, old, namespace="production:b").save(TOKEN)

    rotated = EncryptedFileStore(token_path, f"{new}, {old}", namespace="sandbox:a")
    assert rotated.load() == TOKEN
    rotated.save(TOKEN.used(START.replace(minute=5)))

    entries = _entries(token_path)
    for name in ("sandbox:a", "production:b"):  # every entry we can open moves to the new key
        Fernet(new.encode()).decrypt(entries[name].encode())
        with pytest.raises(InvalidToken):
            Fernet(old.encode()).decrypt(entries[name].encode())
    assert EncryptedFileStore(token_path, new, namespace="production:b").load() == TOKEN


def test_passphrase_is_stretched_with_the_files_own_salt(tmp_path: Path) -> None:
    phrase = "correct horse battery staple"
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    EncryptedFileStore(first, phrase, namespace="sandbox:a").save(TOKEN)
    EncryptedFileStore(second, phrase, namespace="sandbox:a").save(TOKEN)
    headers = [json.loads(p.read_bytes())["kdf"] for p in (first, second)]
    assert all(h["name"] == "scrypt" and h["n"] >= 2**17 for h in headers)
    assert len(base64.b64decode(headers[0]["salt"])) == 16
    assert headers[0]["salt"] != headers[1]["salt"]
    assert EncryptedFileStore(first, phrase, namespace="sandbox:a").load() == TOKEN
    with pytest.raises(ConfigurationError, match="ETRADE_TOKEN_KEY"):
        EncryptedFileStore(first, "a different passphrase", namespace="sandbox:a").load()
    with pytest.raises(ConfigurationError, match="12 characters"):
        EncryptedFileStore(first, "short", namespace="sandbox:a")


def test_sandbox_and_production_share_one_file_under_different_keys(token_path: Path) -> None:
    k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sandbox = EncryptedFileStore(token_path, k1, namespace="sandbox:x")
    production = EncryptedFileStore(token_path, k2, namespace="production:x")
    sandbox.save(TOKEN)
    production.save(TOKEN.used(START.replace(minute=9)))
    sandbox.save(TOKEN.used(START.replace(minute=3)))
    assert sandbox.load() == TOKEN.used(START.replace(minute=3))
    assert production.load() == TOKEN.used(START.replace(minute=9))
    production.clear()
    assert production.load() is None and sandbox.load() is not None


def test_a_file_that_is_not_a_token_file_is_never_overwritten(
    held_sim: Simulator, tmp_path: Path, key: str
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("ETRADE_CONSUMER_KEY=abc\n")
    client = auth_client(held_sim, auth_settings(held_sim, dotenv, key))
    with pytest.raises(ConfigurationError, match="not an etrade_sync token file"):
        client.auth.use_token("tok+en/1=", "sec+ret/1=")
    assert dotenv.read_text() == "ETRADE_CONSUMER_KEY=abc\n"


def test_leftover_temp_files_of_dead_writers_are_swept(token_path: Path, key: str) -> None:
    store = EncryptedFileStore(token_path, key, namespace="sandbox:a")
    store.save(TOKEN)
    leftover = token_path.parent / ".tokens.json.abc123.tmp"
    leftover.write_bytes(b'{"format": "etrade_sync.tok')  # half a file
    assert store.load() == TOKEN
    store.save(TOKEN)
    assert not leftover.exists()


def test_last_use_is_shared_but_not_written_on_every_request(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    settings = auth_settings(held_sim, token_path, key, rate_limits={"market": "unlimited"})
    worker = auth_client(held_sim, settings)
    login(worker)
    written = token_path.stat().st_mtime_ns, token_path.read_bytes()

    for _ in range(5):  # within the same minute: no writes
        held_sim.clock.advance(5)
        worker.market.quote("AAPL")
    assert (token_path.stat().st_mtime_ns, token_path.read_bytes()) == written

    held_sim.clock.advance(60)
    worker.market.quote("AAPL")
    assert token_path.read_bytes() != written[1]

    # 1:50:25 after the login, 1:49 after the last use: a second process that only knew
    # the login time would renew (renew_margin is 10 minutes); this one knows better
    held_sim.clock.advance(3600 + 49 * 60)
    other = auth_client(held_sim, settings)
    assert other.auth.status().status is TokenStatus.ACTIVE
    assert other.market.quote("AAPL")
    assert held_sim.renew_count == 0
    worker.close()
    other.close()


def test_revoked_elsewhere_is_not_written_back(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    settings = auth_settings(held_sim, token_path, key)
    worker = auth_client(held_sim, settings)
    login(worker)
    auth_client(held_sim, settings).auth.revoke()
    held_sim.clock.advance(120)
    with pytest.raises(LoginRequiredError):  # rejected, the renew is refused too
        worker.accounts.list()
    assert auth_client(held_sim, settings).auth.status().status is TokenStatus.MISSING


def test_memory_store_is_shared_by_clients_in_one_process(held_sim: Simulator) -> None:
    store = MemoryTokenStore()
    settings = auth_settings(held_sim, Path("unused"), None)
    first = auth_client(held_sim, settings, store=store)
    login(first)
    second = auth_client(held_sim, settings, store=store)
    assert second.accounts.list()
    assert second.auth.login_command() == "client.auth.login()"


class _MemoryKeyring:
    """A keyring backend that keeps passwords in a dict (no OS service in CI)."""

    def __init__(self) -> None:
        import keyring.backend

        class Backend(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]
            passwords: dict[tuple[str, str], str] = {}

            def get_password(self, service: str, username: str) -> str | None:
                return self.passwords.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.passwords[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                import keyring.errors

                if self.passwords.pop((service, username), None) is None:
                    raise keyring.errors.PasswordDeleteError(username)

        self.backend = Backend()


@pytest.fixture
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    keyring = pytest.importorskip("keyring")
    previous = keyring.get_keyring()
    fake = _MemoryKeyring().backend
    keyring.set_keyring(fake)
    yield fake.passwords
    keyring.set_keyring(previous)


def test_keyring_store_keeps_the_login_across_clients(
    held_sim: Simulator,
    tmp_path: Path,
    memory_keyring: dict[tuple[str, str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # the lock file goes here
    settings = auth_settings(held_sim, tmp_path / "unused.json", None, token_store="keyring")
    first = auth_client(held_sim, settings)
    login(first)
    assert [service for service, _ in memory_keyring] == ["etrade_sync"]
    second = auth_client(held_sim, settings)
    assert second.accounts.list()
    assert "--store keyring" in second.auth.login_command()
    second.auth.revoke()
    assert memory_keyring == {}
    assert not (tmp_path / "unused.json").exists()

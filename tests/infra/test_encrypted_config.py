"""Encrypted values in configuration: ``enc:`` values decrypt with a key kept apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from etrade_sync import Settings
from etrade_sync.client import Client
from etrade_sync.crypto.envcrypt import decrypt_value, encrypt_value
from etrade_sync.crypto.keys import generate_key
from etrade_sync.errors import ConfigurationError
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator


def _dotenv(tmp_path: Path, sim: Simulator, secret_value: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(
        f"ETRADE_CONSUMER_KEY={sim.consumer_key}\n"
        f"ETRADE_CONSUMER_SECRET={secret_value}\n"
        f"ETRADE_BASE_URL={sim.url}\n"
        f"ETRADE_OAUTH_BASE_URL={sim.url}\n"
        f"ETRADE_TOKEN_FILE={tmp_path / 'tokens.json'}\n"
        f"ETRADE_JOURNAL_FILE={tmp_path / 'journal.sqlite3'}\n"
        "ETRADE_TOKEN_STORE=memory\n"
    )
    return path


def test_encrypted_consumer_secret_signs_against_the_simulator(
    sim: Simulator, tmp_path: Path
) -> None:
    key = generate_key()
    sealed = encrypt_value(sim.consumer_secret, key)
    assert sealed.startswith("enc:") and sim.consumer_secret not in sealed
    dotenv = _dotenv(tmp_path, sim, sealed)
    settings = Settings.from_env(dotenv, environ={"ETRADE_CONFIG_KEY": key})
    assert settings.consumer_secret == sim.consumer_secret
    with Client(settings, gate=RateGate(settings.resolved_rate_limits)) as client:
        request = client.auth.request_authorization()  # signed with the consumer secret only
        client.auth.complete(sim.approve(request.token))
        assert client.accounts.list()
    assert sim.log.hits("/v1/accounts/list*") == 1


def test_token_key_is_the_fallback_and_plain_values_keep_working(
    sim: Simulator, tmp_path: Path
) -> None:
    key = generate_key()
    dotenv = _dotenv(tmp_path, sim, encrypt_value(sim.consumer_secret, key))
    settings = Settings.from_env(dotenv, environ={"ETRADE_TOKEN_KEY": key})
    assert settings.consumer_secret == sim.consumer_secret
    plain = Settings.from_env(_dotenv(tmp_path, sim, sim.consumer_secret), environ={})
    assert plain.consumer_secret == sim.consumer_secret


def test_a_wrong_key_names_the_variable_and_shows_no_secret(sim: Simulator, tmp_path: Path) -> None:
    dotenv = _dotenv(tmp_path, sim, encrypt_value(sim.consumer_secret, generate_key()))
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(dotenv, environ={"ETRADE_CONFIG_KEY": generate_key()})
    assert caught.value.name == "ETRADE_CONSUMER_SECRET"
    assert "ETRADE_CONSUMER_SECRET" in str(caught.value)
    assert "ETRADE_CONFIG_KEY" in str(caught.value)
    assert sim.consumer_secret not in str(caught.value)


def test_the_key_is_refused_in_the_file_it_opens(sim: Simulator, tmp_path: Path) -> None:
    key = generate_key()
    dotenv = _dotenv(tmp_path, sim, encrypt_value(sim.consumer_secret, key))
    with dotenv.open("a") as f:
        f.write(f"ETRADE_CONFIG_KEY={key}\n")
    with pytest.raises(ConfigurationError, match="apart") as caught:
        Settings.from_env(dotenv, environ={})
    assert caught.value.name == "ETRADE_CONSUMER_SECRET"


def test_passphrase_keys_and_rotation() -> None:
    old = "correct horse battery staple"
    sealed = encrypt_value("s3cr3t-value", old)
    assert decrypt_value(sealed, f"{generate_key()},{old}", name="X") == "s3cr3t-value"
    with pytest.raises(ConfigurationError, match="ETRADE_JOURNAL_URL"):
        decrypt_value("enc:broken", old, name="ETRADE_JOURNAL_URL")


def test_encrypt_command_reads_stdin_and_prints_the_value(tmp_path: Path) -> None:
    key = generate_key()
    done = subprocess.run(
        [sys.executable, "-m", "etrade_sync", "encrypt"],
        input="my-consumer-secret\n",
        capture_output=True,
        text=True,
        env={"ETRADE_CONFIG_KEY": key, "PATH": "", "PYTHONPATH": str(Path.cwd())},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    value = done.stdout.strip()
    assert "my-consumer-secret" not in done.stdout + done.stderr
    assert decrypt_value(value, key, name="ETRADE_CONSUMER_SECRET") == "my-consumer-secret"

"""Snag 7 (sqlite URLs, prod) and the configuration half of snags 4 and 5: wrong types,
every missing piece named at once, ``Client.from_env()`` with nothing set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etrade_sync import Client, Settings
from etrade_sync.errors import ConfigurationError


def bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No ETRADE_ variable, no .env: a user who has configured nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETRADE_")}
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"))
    env["PYTHON_DOTENV_DISABLED"] = "1"
    env.update(extra)
    return env


def python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_relative_sqlite_url_is_refused_with_the_absolute_spelling(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings(rate_limit_backend="sqlite:///tmp/x/gate.sqlite3")
    assert "relative" in str(caught.value)
    assert "sqlite:////tmp/x/gate.sqlite3" in str(caught.value)
    assert not (Path.cwd() / "tmp").exists()


def test_missing_folder_is_an_error_that_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    with pytest.raises(ConfigurationError, match=str(missing)):
        Settings(rate_limit_backend=f"sqlite:///{missing}/gate.sqlite3")
    assert not missing.exists()
    ok = Settings(rate_limit_backend=f"sqlite:///{tmp_path}/gate.sqlite3")
    assert ok.rate_limit_backend.endswith("gate.sqlite3")


def test_prod_is_accepted_in_settings_and_in_the_environment() -> None:
    assert Settings(environment="prod").environment == "production"  # type: ignore[arg-type]
    assert Settings(environment="Live").environment == "production"  # type: ignore[arg-type]
    env = Settings.from_env(environ={"ETRADE_ENV": "prod"}, dotenv_path=None)
    assert env.environment == "production"
    with pytest.raises(ConfigurationError, match="staging"):
        Settings(environment="staging")  # type: ignore[arg-type]


def test_wrong_types_give_configuration_error_not_attribute_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="consumer_key must be text"):
        Client(Settings(consumer_key=123, consumer_secret="s", token_store="memory"))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as caught:
        Settings(consumer_key=1, token_file=3.5, quote_ttl="x", environment="nope")  # type: ignore[arg-type]
    text = str(caught.value)
    assert text.startswith("4 problems in the settings")
    for name in ("consumer_key", "token_file", "quote_ttl", "environment"):
        assert name in text


def test_bad_environment_variables_are_reported_together(tmp_path: Path) -> None:
    env = bare_env(
        tmp_path,
        ETRADE_QUOTE_TTL="soon",
        ETRADE_ENV="staging",
        ETRADE_RATE_LIMIT_BACKEND="sqlite:///gate.sqlite3",
    )
    done = subprocess.run(
        [sys.executable, "-m", "etrade_sync", "accounts"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    for var in ("ETRADE_QUOTE_TTL", "ETRADE_ENV", "ETRADE_RATE_LIMIT_BACKEND"):
        assert done.stderr.count(var) >= 1, done.stderr


def test_client_from_env_with_nothing_set_names_every_missing_variable(tmp_path: Path) -> None:
    code = (
        "import etrade_sync\n"
        "try:\n"
        "    etrade_sync.Client.from_env()\n"
        "except etrade_sync.errors.ConfigurationError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    print('built a client')\n"
    )
    done = python(code, bare_env(tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "built a client" not in out
    for var in ("ETRADE_CONSUMER_KEY", "ETRADE_CONSUMER_SECRET", "ETRADE_TOKEN_KEY"):
        assert var in out
    # with the keyring or memory store no token key is needed
    keyring = python(code, bare_env(tmp_path, ETRADE_TOKEN_STORE="memory"), tmp_path)
    assert "ETRADE_TOKEN_KEY" not in keyring.stdout
    assert "ETRADE_CONSUMER_KEY" in keyring.stdout

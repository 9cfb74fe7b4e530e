"""``etrade-sync login | status | renew | revoke | key`` and their exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync import Settings
from etrade_sync.auth import token_store_for
from etrade_sync.auth.token import AccessToken
from etrade_sync.cli import EXIT_CODES, main
from etrade_sync.simulator import Simulator
from tests.auth.helpers import approve_in_browser


@pytest.fixture
def env(sim: Simulator, token_path: Path, key: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    values = {
        "ETRADE_CONSUMER_KEY": sim.consumer_key,
        "ETRADE_CONSUMER_SECRET": sim.consumer_secret,
        "ETRADE_BASE_URL": sim.url,
        "ETRADE_OAUTH_BASE_URL": sim.url,
        "ETRADE_AUTHORIZE_URL": sim.authorize_url,
        "ETRADE_TOKEN_FILE": str(token_path),
        "ETRADE_TOKEN_KEY": key,
        "PYTHON_DOTENV_DISABLED": "1",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in ("ETRADE_ENV", "ETRADE_TOKEN_STORE"):
        monkeypatch.delenv(name, raising=False)
    return token_path


def _store_token(token: AccessToken) -> None:
    token_store_for(Settings.from_env()).save(token)


def test_key_prints_a_fernet_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["key"]) == 0
    out, err = capsys.readouterr()
    Fernet(out.strip().encode())
    assert "ETRADE_TOKEN_KEY" in err


def test_login_status_renew_revoke_round_trip(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["status"]) == EXIT_CODES["login_required"]
    assert "MISSING" in capsys.readouterr().out

    def user_types_code(prompt: str) -> str:
        shown = capsys.readouterr().out
        url = next(w for w in shown.split() if w.startswith("http"))
        return approve_in_browser(url)

    monkeypatch.setattr("builtins.input", user_types_code)
    assert main(["login", "--no-browser"]) == 0
    assert "Logged in" in capsys.readouterr().out

    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "ACTIVE" and report["environment"] == "sandbox"
    assert datetime.fromisoformat(report["expires_at"]) > datetime.now(UTC)

    assert main(["renew"]) == 0
    assert sim.renew_count == 1
    assert main(["revoke"]) == 0
    assert main(["status"]) == EXIT_CODES["login_required"]


def test_status_exit_codes_follow_the_token_life(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    _store_token(AccessToken("tok+en/1=", "sec+ret/1=", now, now - timedelta(hours=3)))
    assert main(["status"]) == EXIT_CODES["token_inactive"] == 6
    assert "etrade-sync renew" in capsys.readouterr().out

    _store_token(AccessToken("tok+en/1=", "sec+ret/1=", now - timedelta(days=1), now))
    assert main(["status"]) == EXIT_CODES["login_required"]
    out = capsys.readouterr().out
    assert "EXPIRED" in out and "etrade-sync login" in out

    assert main(["status", "--env", "production"]) == EXIT_CODES["login_required"]
    assert "etrade-sync login --env production" in capsys.readouterr().out


def test_renew_without_a_login_exits_3_with_the_command(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["renew", "--env", "production"]) == EXIT_CODES["login_required"]
    assert "etrade-sync login --env production" in capsys.readouterr().err


def test_login_without_a_key_exits_2_and_says_how_to_make_one(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ETRADE_TOKEN_KEY")
    assert main(["login", "--no-browser"]) == EXIT_CODES["usage"]
    assert "etrade-sync key" in capsys.readouterr().err
    assert sim.log.hits(path_glob="*") == 0

"""Settings: defaults, validation messages, environment and .env precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from etrade_sync import Settings
from etrade_sync.config import parse_rate_limits
from etrade_sync.errors import ConfigurationError


def test_sandbox_is_the_default_and_production_only_when_asked() -> None:
    assert Settings().api_base == "https://apisb.etrade.com"
    assert Settings(environment="production").api_base == "https://api.etrade.com"
    env = Settings.from_env(environ={"ETRADE_ENV": "prod"}, dotenv_path=None)
    assert env.environment == "production"


def test_repr_shows_no_secret() -> None:
    settings = Settings(
        consumer_key="ck-visible-part-0123456789",
        consumer_secret="cs-very-secret-value",
        token_key="tk-very-secret-value",
        rate_limit_backend="redis://user:hunter2pass@127.0.0.1:6379/0",
    )
    text = repr(settings)
    for secret in ("cs-very-secret-value", "tk-very-secret-value", "hunter2pass", "0123456789"):
        assert secret not in text
    assert "sandbox" in text


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("ETRADE_ENV", "staging", "ETRADE_ENV"),
        ("ETRADE_QUOTE_TTL", "five", "ETRADE_QUOTE_TTL"),
        ("ETRADE_BALANCE_TTL", "-1", "ETRADE_BALANCE_TTL"),
        ("ETRADE_BASE_URL", "http://api.example.com", "ETRADE_BASE_URL"),
        ("ETRADE_RATE_LIMITS", "market=fast", "ETRADE_RATE_LIMITS"),
        ("ETRADE_RATE_LIMITS", "quotes=4/s", "ETRADE_RATE_LIMITS"),
        ("ETRADE_RATE_LIMIT_BACKEND", "mongodb://x", "ETRADE_RATE_LIMIT_BACKEND"),
        ("ETRADE_MAX_RETRIES", "2.5", "ETRADE_MAX_RETRIES"),
    ],
)
def test_a_wrong_value_names_the_variable(variable: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env(environ={variable: value})
    assert expected in str(info.value)
    assert info.value.name == expected


def test_real_environment_wins_over_dotenv_and_dollar_is_kept(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "ETRADE_CONSUMER_KEY=from-file\n"
        "ETRADE_CONSUMER_SECRET='pa$$word${HOME}x'\n"
        "ETRADE_QUOTE_TTL=7\n"
    )
    settings = Settings.from_env(dotenv, environ={"ETRADE_CONSUMER_KEY": "from-env"})
    assert settings.consumer_key == "from-env"
    assert settings.consumer_secret == "pa$$word${HOME}x"
    assert settings.quote_ttl == 7.0


def test_dotenv_is_found_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("ETRADE_CONSUMER_KEY=found-upwards\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    monkeypatch.delenv("ETRADE_CONSUMER_KEY", raising=False)
    monkeypatch.delenv("PYTHON_DOTENV_DISABLED", raising=False)
    assert Settings.from_env().consumer_key == "found-upwards"


def test_missing_explicit_dotenv_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        Settings.from_env(tmp_path / "nope.env", environ={})


def test_http_only_for_loopback() -> None:
    assert Settings(base_url="http://127.0.0.1:8080/").api_base == "http://127.0.0.1:8080"
    assert Settings(base_url="http://localhost:1").api_base == "http://localhost:1"
    assert Settings(base_url="http://[::1]:1").api_base == "http://[::1]:1"
    with pytest.raises(ConfigurationError, match="loopback"):
        Settings(base_url="http://10.0.0.5")
    with pytest.raises(ConfigurationError, match="https"):
        Settings(oauth_base_url="ftp://api.etrade.com")


def test_rate_limits_syntax_and_defaults() -> None:
    rates = parse_rate_limits("market=5/s,14000/h;orders=unlimited")
    assert rates["market"] == ((5, 1.0), (14000, 3600.0))
    assert rates["orders"] is None
    assert rates["accounts"] == ((2, 1.0), (7000, 3600.0))
    mapping = parse_rate_limits({"market": "4/s, 14000/h", "alerts": [(1, 2.0)]})
    assert mapping["alerts"] == ((1, 2.0),)
    with pytest.raises(ConfigurationError, match="larger limit"):
        parse_rate_limits({"market": "10/s, 5/min"})
    assert Settings(rate_limits={"market": "3/s"}).resolved_rate_limits["market"] == ((3, 1.0),)

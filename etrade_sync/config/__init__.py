"""
etrade_sync.config
~~~~~~~~~~~~~~~~~~

This module provides :class:`Settings`: credentials, environment, hosts, rate
limits, cache lifetimes and timeouts, and :meth:`Settings.from_env`, which reads
them from the process environment and a ``.env`` file.

The library never loads a ``.env`` file behind your back: only
:meth:`Settings.from_env` does, searching from the current working directory.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ..errors import ConfigurationError
from ..observe.redact import redact_url
from ..observe.redact import redact_url as _redact_url  # noqa: F401  (older private name)
from .env import ENV_FIELDS, convert
from .rates import CATEGORIES, DEFAULT_RATE_LIMITS, RateSpec, parse_rate_limits

__all__ = [
    "CATEGORIES",
    "DEFAULT_RATE_LIMITS",
    "RateSpec",
    "Settings",
    "default_data_dir",
    "parse_rate_limits",
]

Environment = Literal["sandbox", "production", "paper"]

_HOSTS: dict[str, str] = {
    "sandbox": "https://apisb.etrade.com",
    "production": "https://api.etrade.com",
    # paper: live quotes from production; accounts and orders on the local paper book
    "paper": "https://api.etrade.com",
}
_OAUTH_HOST = "https://api.etrade.com"
#: Where the access token is kept: encrypted file, OS keyring, or this process only.
_TOKEN_STORES = ("file", "keyring", "memory")
_AUTHORIZE_URL = "https://us.etrade.com/e/t/etws/authorize"


def default_data_dir() -> Path:
    """Where tokens and the order journal live unless configured otherwise."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "etrade_sync"


def _check_url(value: str, name: str) -> str:
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return value.rstrip("/")
    if parts.scheme == "http" and host:
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return value.rstrip("/")
        raise ConfigurationError(
            f"{name}={value!r}: plain http:// is only allowed for a loopback host "
            f"(the local simulator); use https://",
            name=name,
        )
    raise ConfigurationError(f"{name}={value!r} is not an https:// URL", name=name)


def _mask(value: str | None) -> str | None:
    if not value:
        return value
    return value[:4] + "…" if len(value) > 8 else "…"


@dataclasses.dataclass(frozen=True, repr=False)
class Settings:
    """Everything a :class:`~etrade_sync.Client` needs to know.

    Sandbox is the default; production is used only when asked for with
    ``environment="production"``. ``repr()`` never shows a secret.
    """

    consumer_key: str | None = None
    consumer_secret: str | None = None
    environment: Environment = "sandbox"
    base_url: str | None = None
    oauth_base_url: str | None = None
    authorize_url: str | None = None
    token_file: str | os.PathLike[str] | None = None
    token_key: str | None = None
    token_store: str = "file"
    quote_ttl: float = 5.0
    balance_ttl: float = 60.0
    accounts_ttl: float = 300.0
    expirations_ttl: float = 3600.0
    rate_limits: str | Mapping[str, Any] | None = None
    rate_limit_backend: str = "memory"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    call_timeout: float = 120.0
    max_body_bytes: int = 32 * 1024 * 1024
    max_retries: int = 4
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.5
    backoff_max: float = 16.0
    retry_after_max: float = 60.0
    throttle_pause: float = 1.0
    gate_timeout: float = 120.0
    rate_limit_margin: float | None = None
    renew_margin: float = 600.0
    journal_file: str | os.PathLike[str] | None = None
    journal_url: str | None = None
    cache_dir: str | os.PathLike[str] | None = None
    order_settle_time: float = 10.0
    circuit_failures: int = 5
    circuit_cooldown: float = 30.0
    paper_file: str | os.PathLike[str] | None = None
    paper_cash: float = 100000.0
    paper_commission: float = 0.0

    def __post_init__(self) -> None:
        from .checks import check_text_types, combine

        problems = check_text_types(self)
        for check in self._checks():
            try:
                check()
            except ConfigurationError as exc:
                problems.append(exc)
        error = combine(problems)
        if error is not None:
            raise error

    def _checks(self) -> list[Callable[[], None]]:
        from .checks import normalize_environment, sqlite_backend_path

        def environment() -> None:
            object.__setattr__(self, "environment", normalize_environment(self.environment))

        def url(name: str) -> None:
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, _check_url(value, name))

        def count(name: str) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigurationError(f"{name}={value!r} must be an integer >= 0", name=name)

        def token_store() -> None:
            store = self.token_store
            if isinstance(store, str) and not (
                store in _TOKEN_STORES or store.startswith(("redis://", "rediss://"))
            ):
                raise ConfigurationError(
                    f"token_store={redact_url(store)!r}: use one of "
                    f"{', '.join(_TOKEN_STORES)} or redis://host:port/db",
                    name="token_store",
                )

        def journal_url() -> None:
            url = self.journal_url
            if url is not None and not (
                isinstance(url, str) and url.startswith(("postgresql://", "postgres://"))
            ):
                raise ConfigurationError(
                    f"journal_url={redact_url(str(url))!r}: use "
                    f"postgresql://user@host:port/dbname (or leave it unset for the SQLite file)",
                    name="journal_url",
                )

        def renew_margin() -> None:
            if isinstance(self.renew_margin, int | float) and self.renew_margin >= 7200:
                raise ConfigurationError("renew_margin must be below 7200 s", name="renew_margin")

        def rate_limit_margin() -> None:
            if self.rate_limit_margin is None:
                return
            self._check_number("rate_limit_margin", minimum=0.0)
            if self.rate_limit_margin >= 1.0:
                raise ConfigurationError(
                    "rate_limit_margin must be below 1 s (it is added to every window)",
                    name="rate_limit_margin",
                )

        def rates() -> None:
            object.__setattr__(self, "_rates", parse_rate_limits(self.rate_limits))

        def backend() -> None:
            value: object = self.rate_limit_backend
            if not isinstance(value, str):
                return  # reported by check_text_types
            if value.startswith("sqlite:"):
                sqlite_backend_path(value)
            elif not (value == "memory" or value.startswith(("redis://", "rediss://"))):
                raise ConfigurationError(
                    f"rate_limit_backend={value!r}: use 'memory', "
                    f"'sqlite:////absolute/path/file.sqlite3' or 'redis://host:port/db'",
                    name="rate_limit_backend",
                )

        seconds = ("quote_ttl", "balance_ttl", "accounts_ttl", "expirations_ttl",
                   "backoff_factor", "backoff_jitter", "backoff_max", "retry_after_max",
                   "throttle_pause", "renew_margin", "circuit_cooldown",
                   "order_settle_time", "paper_cash", "paper_commission")  # fmt: skip
        timeouts = ("connect_timeout", "read_timeout", "gate_timeout", "call_timeout")

        def body_cap() -> None:
            cap = self.max_body_bytes
            if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1024:
                raise ConfigurationError(
                    f"max_body_bytes={cap!r} must be an integer >= 1024", name="max_body_bytes"
                )

        return [
            environment,
            *(functools.partial(url, n) for n in ("base_url", "oauth_base_url", "authorize_url")),
            *(functools.partial(self._check_number, n, minimum=0.0) for n in seconds),
            *(functools.partial(self._check_number, n, minimum=0.001) for n in timeouts),
            *(functools.partial(count, n) for n in ("max_retries", "circuit_failures")),
            body_cap,
            token_store,
            journal_url,
            renew_margin,
            rate_limit_margin,
            rates,
            backend,
        ]

    def _check_number(self, name: str, *, minimum: float) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise ConfigurationError(f"{name}={value!r} must be a number of seconds", name=name)
        if value < minimum or value == float("inf"):
            raise ConfigurationError(f"{name}={value!r} must be >= {minimum}", name=name)

    # -- resolved values -----------------------------------------------------------

    @property
    def api_base(self) -> str:
        """The API host in use, e.g. ``https://apisb.etrade.com``."""
        return self.base_url or _HOSTS[self.environment]

    @property
    def oauth_base(self) -> str:
        """The OAuth host: ``oauth_base_url``, else ``base_url``, else api.etrade.com."""
        return self.oauth_base_url or self.base_url or _OAUTH_HOST

    @property
    def authorize_base(self) -> str:
        """The login page E*TRADE shows to the user (without its query string)."""
        return self.authorize_url or _AUTHORIZE_URL

    @property
    def resolved_rate_limits(self) -> dict[str, tuple[RateSpec, ...] | None]:
        """Rate limits per category after merging over the defaults."""
        rates: dict[str, tuple[RateSpec, ...] | None] = object.__getattribute__(self, "_rates")
        return dict(rates)

    @property
    def token_path(self) -> Path:
        """The encrypted token file."""
        if self.token_file is not None:
            return Path(self.token_file).expanduser()
        return default_data_dir() / "tokens.json"

    @property
    def journal_path(self) -> Path:
        """The SQLite order journal."""
        if self.journal_file is not None:
            return Path(self.journal_file).expanduser()
        return default_data_dir() / "journal.sqlite3"

    @property
    def paper_path(self) -> Path:
        """The paper book (``environment="paper"``): ``paper_file``, else
        ``paper.sqlite3`` beside the order journal."""
        if self.paper_file is not None:
            return Path(self.paper_file).expanduser()
        return self.journal_path.parent / "paper.sqlite3"

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        shown = {
            "consumer_key": _mask(self.consumer_key),
            "consumer_secret": "***" if self.consumer_secret else None,
            "environment": self.environment,
            "api_base": self.api_base,
            "token_file": str(self.token_path),
            "token_key": "***" if self.token_key else None,
            "rate_limit_backend": redact_url(self.rate_limit_backend),
            "quote_ttl": self.quote_ttl,
            "balance_ttl": self.balance_ttl,
        }
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    # -- environment ---------------------------------------------------------------

    @classmethod
    def from_env(
        cls,
        dotenv_path: str | os.PathLike[str] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Read settings from the environment and a ``.env`` file.

        The ``.env`` file is ``dotenv_path`` or the first ``.env`` found from the
        current working directory upwards. Values in the real environment win over
        the file; ``$`` in values is never expanded (secrets may contain it).
        Keyword ``overrides`` win over both.
        """
        from dotenv import dotenv_values, find_dotenv

        env = dict(os.environ if environ is None else environ)
        file_values: dict[str, str | None] = {}
        if dotenv_path is not None:
            path = Path(dotenv_path)
            if not path.is_file():
                raise ConfigurationError(f"dotenv file {str(path)!r} does not exist", name="dotenv")
            file_values = dotenv_values(path, interpolate=False)
        elif env.get("PYTHON_DOTENV_DISABLED", "").lower() not in {"1", "true", "yes"}:
            found = find_dotenv(usecwd=True)
            if found:
                file_values = dotenv_values(found, interpolate=False)
        merged = {k: v for k, v in file_values.items() if v is not None}
        merged.update(env)
        if any(v.lstrip().startswith("enc:") for v in merged.values()):
            from ..crypto.envcrypt import decrypt_environ  # encrypted values: see that module

            decrypt_environ(merged, env, file_values=file_values)
        kwargs: dict[str, Any] = {}
        problems: list[ConfigurationError] = []
        for var, (field, kind) in ENV_FIELDS.items():
            raw = merged.get(var)
            if raw is None or raw.strip() == "":
                continue
            try:
                kwargs[field] = convert(var, raw.strip(), kind)
            except ConfigurationError as exc:
                problems.append(exc)
        kwargs.update(overrides)
        try:
            settings = cls(**kwargs)
        except ConfigurationError as exc:
            for problem in getattr(exc, "problems", [exc]):
                env_name = next((v for v, (f, _) in ENV_FIELDS.items() if f == problem.name), None)
                if env_name is None or problem.name in overrides:
                    problems.append(problem)
                else:
                    problems.append(ConfigurationError(f"{env_name}: {problem}", name=env_name))
        else:
            if not problems:
                return settings
        from .checks import combine

        error = combine(problems)
        assert error is not None
        raise error from None

"""
etrade_sync.config.checks
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the checks behind :class:`~etrade_sync.Settings` that look at
more than one value at a time: the type of every text setting, the environment's
names (``prod`` is ``production`` everywhere), ``sqlite://`` backend URLs (absolute
paths in an existing folder only), and :func:`missing_settings`, which lists every
piece a client still needs so that one message can name them all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError

#: A :class:`~etrade_sync.config.Settings` (not imported: config imports this module).
Settings = Any

__all__ = [
    "ENVIRONMENT_ALIASES",
    "check_text_types",
    "combine",
    "missing_settings",
    "normalize_environment",
    "require_configured",
    "sqlite_backend_path",
]

#: Names accepted for the two environments, in ``Settings`` and in ``ETRADE_ENV``.
ENVIRONMENT_ALIASES: dict[str, str] = {
    "sandbox": "sandbox",
    "sb": "sandbox",
    "dev": "sandbox",
    "production": "production",
    "prod": "production",
    "live": "production",
    "paper": "paper",
}

_TEXT_FIELDS = ("consumer_key", "consumer_secret", "token_key", "token_store")
_URL_FIELDS = ("base_url", "oauth_base_url", "authorize_url")
_PATH_FIELDS = ("token_file", "journal_file", "paper_file")


def normalize_environment(value: Any) -> str:
    """``'production'`` or ``'sandbox'`` from any accepted name (case-insensitive)."""
    if isinstance(value, str) and value.strip().lower() in ENVIRONMENT_ALIASES:
        return ENVIRONMENT_ALIASES[value.strip().lower()]
    raise ConfigurationError(
        f"environment={value!r}: use 'sandbox', 'production' or 'paper' "
        f"(also: sb, dev / prod, live)",
        name="environment",
    )


def check_text_types(settings: Settings) -> list[ConfigurationError]:
    """One error per setting whose value has the wrong type (e.g. ``consumer_key=123``)."""
    problems: list[ConfigurationError] = []
    for name in _TEXT_FIELDS + _URL_FIELDS:
        value = getattr(settings, name)
        if value is not None and not isinstance(value, str):
            problems.append(
                ConfigurationError(
                    f"{name} must be text (str), not {type(value).__name__}", name=name
                )
            )
    for name in _PATH_FIELDS:
        value = getattr(settings, name)
        if value is not None and not isinstance(value, str | os.PathLike):
            problems.append(
                ConfigurationError(
                    f"{name} must be a path (str or pathlib.Path), not {type(value).__name__}",
                    name=name,
                )
            )
    backend: object = settings.rate_limit_backend
    if not isinstance(backend, str):
        problems.append(
            ConfigurationError(
                f"rate_limit_backend must be text, not {type(backend).__name__}",
                name="rate_limit_backend",
            )
        )
    return problems


def sqlite_backend_path(backend: str, *, name: str = "rate_limit_backend") -> Path:
    """The database file of a ``sqlite:////absolute/path`` URL.

    The path must be absolute (four slashes: ``sqlite:////var/tmp/gate.sqlite3``; ``~``
    is expanded) and its folder must exist: a relative path would depend on the
    current directory of each process, and a typo in a folder would silently split
    the gate in two.
    """
    raw = backend[len("sqlite:///") :] if backend.startswith("sqlite:///") else ""
    example = "'sqlite:////var/tmp/etrade-gate.sqlite3'"
    if not raw or raw.startswith(":memory:"):
        raise ConfigurationError(
            f"{name}={backend!r}: name a database file that every process can open, e.g. {example}",
            name=name,
        )
    path = Path(os.path.expanduser(raw))
    if not path.is_absolute():
        raise ConfigurationError(
            f"{name}={backend!r} is a relative path ({raw!r}); write an absolute path "
            f"with four slashes, e.g. 'sqlite:////{raw}' for /{raw}",
            name=name,
        )
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigurationError(
            f"{name}={backend!r}: the folder {str(folder)!r} {what}; create it "
            f"(mkdir -p {folder}) or choose another path",
            name=name,
        )
    return path


def combine(problems: Iterable[ConfigurationError]) -> ConfigurationError | None:
    """One error for many: the first as is, or all of them in one message (one line
    each), with the single errors kept in its ``problems`` attribute."""
    found = list(problems)
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    lines = "".join(f"\n  {p}" for p in found)
    error = ConfigurationError(f"{len(found)} problems in the settings:{lines}", name=found[0].name)
    error.problems = found  # type: ignore[attr-defined]
    return error


def missing_settings(settings: Settings) -> list[tuple[str, str]]:
    """Every piece still missing for a login: ``(variable, how to get it)`` pairs."""
    missing: list[tuple[str, str]] = []
    if not settings.consumer_key:
        missing.append(("ETRADE_CONSUMER_KEY", "your application's key (developer.etrade.com)"))
    if not settings.consumer_secret:
        missing.append(("ETRADE_CONSUMER_SECRET", "the secret that goes with that key"))
    if settings.token_store not in ("keyring", "memory") and not settings.token_key:
        missing.append(("ETRADE_TOKEN_KEY", "a key to encrypt the saved login: etrade-sync key"))
    return missing


def require_configured(settings: Settings) -> None:
    """Raise one :class:`ConfigurationError` naming every missing piece, if any."""
    missing = missing_settings(settings)
    if not missing:
        return
    listed = "\n".join(f"  {var}: {hint}" for var, hint in missing)
    raise ConfigurationError(
        f"not configured yet; set these in the environment or in a .env file "
        f"(see config/example.env):\n{listed}",
        name=missing[0][0],
    )

"""
etrade_sync.config.env
~~~~~~~~~~~~~~~~~~~~~~

This module provides what :meth:`~etrade_sync.Settings.from_env` reads: the table
of ``ETRADE_*`` variables (each with its settings field and kind) and
:func:`convert`, which turns one variable's text into that kind, naming the
variable when it cannot.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError

__all__ = ["ENV_FIELDS", "convert"]


def convert(var: str, raw: str, kind: str) -> Any:
    """The text ``raw`` of variable ``var`` as a value of ``kind`` (str, env, int, float)."""
    if kind == "str":
        return raw
    if kind == "env":
        from .checks import ENVIRONMENT_ALIASES

        if raw.lower() not in ENVIRONMENT_ALIASES:
            raise ConfigurationError(
                f"{var}={raw!r}: use 'sandbox', 'production' or 'paper' "
                f"(also: sb, dev, prod, live)",
                name=var,
            )
        return ENVIRONMENT_ALIASES[raw.lower()]
    try:
        return int(raw) if kind == "int" else float(raw)
    except ValueError:
        what = "a whole number" if kind == "int" else "a number of seconds"
        raise ConfigurationError(f"{var}={raw!r} must be {what}", name=var) from None


#: Environment variable -> (Settings field, kind). Documented in config/example.env.
ENV_FIELDS: dict[str, tuple[str, str]] = {
    "ETRADE_CONSUMER_KEY": ("consumer_key", "str"),
    "ETRADE_CONSUMER_SECRET": ("consumer_secret", "str"),
    "ETRADE_ENV": ("environment", "env"),
    "ETRADE_BASE_URL": ("base_url", "str"),
    "ETRADE_OAUTH_BASE_URL": ("oauth_base_url", "str"),
    "ETRADE_AUTHORIZE_URL": ("authorize_url", "str"),
    "ETRADE_TOKEN_FILE": ("token_file", "str"),
    "ETRADE_TOKEN_KEY": ("token_key", "str"),
    "ETRADE_TOKEN_STORE": ("token_store", "str"),
    "ETRADE_RATE_LIMITS": ("rate_limits", "str"),
    "ETRADE_RATE_LIMIT_BACKEND": ("rate_limit_backend", "str"),
    "ETRADE_QUOTE_TTL": ("quote_ttl", "float"),
    "ETRADE_BALANCE_TTL": ("balance_ttl", "float"),
    "ETRADE_ACCOUNTS_TTL": ("accounts_ttl", "float"),
    "ETRADE_EXPIRATIONS_TTL": ("expirations_ttl", "float"),
    "ETRADE_CONNECT_TIMEOUT": ("connect_timeout", "float"),
    "ETRADE_READ_TIMEOUT": ("read_timeout", "float"),
    "ETRADE_MAX_RETRIES": ("max_retries", "int"),
    "ETRADE_CALL_TIMEOUT": ("call_timeout", "float"),
    "ETRADE_MAX_BODY_BYTES": ("max_body_bytes", "int"),
    "ETRADE_GATE_TIMEOUT": ("gate_timeout", "float"),
    "ETRADE_RATE_LIMIT_MARGIN": ("rate_limit_margin", "float"),
    "ETRADE_THROTTLE_PAUSE": ("throttle_pause", "float"),
    "ETRADE_RENEW_MARGIN": ("renew_margin", "float"),
    "ETRADE_JOURNAL_FILE": ("journal_file", "str"),
    "ETRADE_JOURNAL_URL": ("journal_url", "str"),
    "ETRADE_CACHE_DIR": ("cache_dir", "str"),
    "ETRADE_ORDER_SETTLE_TIME": ("order_settle_time", "float"),
    "ETRADE_CIRCUIT_FAILURES": ("circuit_failures", "int"),
    "ETRADE_CIRCUIT_COOLDOWN": ("circuit_cooldown", "float"),
    "ETRADE_PAPER_FILE": ("paper_file", "str"),
    "ETRADE_PAPER_CASH": ("paper_cash", "float"),
    "ETRADE_PAPER_COMMISSION": ("paper_commission", "float"),
}

"""
etrade_sync.cli.common
~~~~~~~~~~~~~~~~~~~~~~

This module provides what every command group shares: the exit codes and the
one way to build settings and a client from ``--env``, ``--store`` and
``--token-file``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..client import Client
    from ..config import Settings

__all__ = [
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INACTIVE",
    "EXIT_INTERRUPTED",
    "EXIT_LOGIN",
    "EXIT_OK",
    "EXIT_THROTTLED",
    "EXIT_UNKNOWN_OUTCOME",
    "EXIT_USAGE",
    "client_from_args",
    "settings_from_args",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOGIN = 3
EXIT_THROTTLED = 4
EXIT_UNKNOWN_OUTCOME = 5
EXIT_INACTIVE = 6
EXIT_INTERRUPTED = 130

#: Exit codes by meaning; documented in the README.
EXIT_CODES = {
    "ok": EXIT_OK,
    "error": EXIT_ERROR,
    "usage": EXIT_USAGE,
    "login_required": EXIT_LOGIN,
    "throttled": EXIT_THROTTLED,
    "order_outcome_unknown": EXIT_UNKNOWN_OUTCOME,
    "token_inactive": EXIT_INACTIVE,
    "interrupted": EXIT_INTERRUPTED,
}


def settings_from_args(args: argparse.Namespace, **from_env: Any) -> Settings:
    """Settings from the environment and .env, with ``--env``, ``--store`` and
    ``--token-file`` (where the command has them) taking precedence. ``from_env``
    goes to :meth:`Settings.from_env` (e.g. ``environ``)."""
    from ..config import Settings

    overrides: dict[str, Any] = {}
    for option, field in (
        ("env", "environment"),
        ("store", "token_store"),
        ("token_file", "token_file"),
    ):
        value = getattr(args, option, None)
        if value:
            overrides[field] = value
    return Settings.from_env(**from_env, **overrides)


def client_from_args(args: argparse.Namespace) -> Client:
    """A client built from :func:`settings_from_args`; when anything is missing for a
    login (consumer key and secret, token key), one error names all of it."""
    from ..client import Client
    from ..config.checks import require_configured

    settings = settings_from_args(args)
    require_configured(settings)
    return Client(settings)

"""
etrade_sync.cli.doctor
~~~~~~~~~~~~~~~~~~~~~~

This module provides ``etrade-sync doctor``: every check of
:func:`etrade_sync.health.check_health` at once, as a checklist with the fix for
each failure (or JSON with ``--json``). Exit 0 when every check passed, 1 when
any failed.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from .common import EXIT_ERROR, EXIT_OK, settings_from_args

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["add_doctor_command"]


def _cmd_doctor(args: argparse.Namespace) -> int:
    from ..client import Client
    from ..errors import ConfigurationError
    from ..health import check_health

    settings: Settings | None
    error: ConfigurationError | None = None
    try:
        settings = settings_from_args(args)
    except ConfigurationError as exc:
        error = exc
        settings = _without_bad_variables(args, exc)
    if settings is None:
        health = check_health(None, settings_error=error)
    else:
        try:
            client = Client(settings)
        except ConfigurationError:
            health = check_health(settings, settings_error=error)  # the store check says why
        else:
            with client:
                store, journal = client.auth.store, client.journal
                health = check_health(
                    settings,
                    store=store,
                    journal=journal,
                    settings_error=error,
                    session=client.session,
                )
    if args.json:
        print(json.dumps(health.to_dict(), indent=2))
    else:
        print(health)
    return EXIT_OK if health.ok else EXIT_ERROR


def _without_bad_variables(args: argparse.Namespace, error: Exception) -> Settings | None:
    """Settings with the refused variables left at their defaults, so that every other
    check still runs (the configuration check reports the refused ones)."""
    import os

    from ..errors import ConfigurationError

    environ = dict(os.environ)
    for _ in range(3):
        names = [p.name for p in getattr(error, "problems", [error])]
        if not all(name and name.startswith("ETRADE_") for name in names):
            return None
        environ.update(dict.fromkeys(names, ""))  # empty means unset, also over .env
        try:
            return settings_from_args(args, environ=environ)
        except ConfigurationError as exc:
            error = exc
    return None


def add_doctor_command(sub: Any) -> None:
    """Register ``doctor`` on ``sub``."""
    doctor = sub.add_parser(
        "doctor",
        help="check the configuration, login, clock, network, gate and journal at once",
        description="Run every check at once and print a checklist with the fix for each "
        "failure. Exit 0 when all pass, 1 when any fails.",
    )
    doctor.add_argument("--env", choices=("sandbox", "production"), help="override ETRADE_ENV")
    doctor.add_argument("--store", choices=("file", "keyring"), help="override ETRADE_TOKEN_STORE")
    doctor.add_argument("--token-file", metavar="PATH", help="override ETRADE_TOKEN_FILE")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(handler=_cmd_doctor)

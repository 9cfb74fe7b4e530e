"""
etrade_sync.cli
~~~~~~~~~~~~~~~

This module provides the ``etrade-sync`` command (also ``python -m etrade_sync``).

Exit codes (stable, for cron wrappers):

====  ==========================================================
0     success
1     an E*TRADE or network error (the message says which)
2     bad usage or configuration
3     login required: run ``etrade-sync login``
4     rate gate or circuit breaker refused the call
5     an order's outcome is unknown: resolve it before retrying
6     ``status`` only: the token is inactive (idle 2 h) but renewable
130   interrupted (Ctrl-C)
====  ==========================================================
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import (
    CircuitOpenError,
    ConfigurationError,
    ETradeError,
    LoginRequiredError,
    OrderOutcomeUnknownError,
    RateGateError,
    ValidationError,
)

if TYPE_CHECKING:
    from ..client import Client
    from ..config import Settings

__all__ = ["EXIT_CODES", "client_from_args", "main", "settings_from_args"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOGIN = 3
EXIT_THROTTLED = 4
EXIT_UNKNOWN_OUTCOME = 5
EXIT_INACTIVE = 6

#: Exit codes by meaning; documented in the README.
EXIT_CODES = {
    "ok": EXIT_OK,
    "error": EXIT_ERROR,
    "usage": EXIT_USAGE,
    "login_required": EXIT_LOGIN,
    "throttled": EXIT_THROTTLED,
    "order_outcome_unknown": EXIT_UNKNOWN_OUTCOME,
    "token_inactive": EXIT_INACTIVE,
}

Handler = Callable[[argparse.Namespace], int]


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment and .env, with ``--env``, ``--store`` and
    ``--token-file`` (where the command has them) taking precedence."""
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
    return Settings.from_env(**overrides)


def client_from_args(args: argparse.Namespace) -> Client:
    """A client built from :func:`settings_from_args`."""
    from ..client import Client

    return Client(settings_from_args(args))


def _exit_code(error: ETradeError) -> int:
    if isinstance(error, LoginRequiredError):
        return EXIT_LOGIN
    if isinstance(error, ConfigurationError | ValidationError):
        return EXIT_USAGE
    if isinstance(error, RateGateError | CircuitOpenError):
        return EXIT_THROTTLED
    if isinstance(error, OrderOutcomeUnknownError):
        return EXIT_UNKNOWN_OUTCOME
    return EXIT_ERROR


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(fast=args.fast)


def _cmd_simulator(args: argparse.Namespace) -> int:
    from ..simulator.__main__ import serve

    argv = ["--host", args.host, "--port", str(args.port)]
    if args.enforce_rate_limits:
        argv.append("--enforce-rate-limits")
    return int(serve(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="etrade-sync",
        description="E*TRADE from the command line. Configuration comes from the "
        "environment and .env (see config/example.env).",
    )
    parser.add_argument("--version", action="version", version=f"etrade-sync {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    from .auth import add_auth_commands
    from .read import add_read_commands

    add_auth_commands(sub)
    add_read_commands(sub)

    demo = sub.add_parser("demo", help="walk through a session against the built-in simulator")
    demo.add_argument("--fast", action="store_true", help="skip the pauses between steps")
    demo.set_defaults(handler=_cmd_demo)

    sim = sub.add_parser("simulator", help="run the local E*TRADE simulator in the foreground")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--enforce-rate-limits", action="store_true")
    sim.set_defaults(handler=_cmd_simulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return handler(args)
    except ETradeError as exc:
        print(f"etrade-sync: error: {exc}", file=sys.stderr)
        return _exit_code(exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

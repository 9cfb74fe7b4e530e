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
import os
import sys
from collections.abc import Callable, Sequence

from .._version import __version__
from ..errors import (
    CircuitOpenError,
    ConfigurationError,
    ETradeError,
    LoginRequiredError,
    OrderOutcomeUnknownError,
    RateGateError,
    ValidationError,
)
from .common import (
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_LOGIN,
    EXIT_THROTTLED,
    EXIT_UNKNOWN_OUTCOME,
    EXIT_USAGE,
    client_from_args,
    settings_from_args,
)

__all__ = ["EXIT_CODES", "client_from_args", "main", "settings_from_args"]

Handler = Callable[[argparse.Namespace], int]


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
    from .secrets import add_secret_commands

    add_auth_commands(sub)
    add_read_commands(sub)
    add_secret_commands(sub)

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
    if os.environ.get("ETRADE_LOG_FORMAT", "").strip().lower() == "json":
        from ..observe.jsonlog import setup_logging

        setup_logging(level, format="json")  # one JSON object per line on stderr
    else:
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

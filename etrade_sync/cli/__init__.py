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
import contextlib
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
    EXIT_INTERRUPTED,
    EXIT_LOGIN,
    EXIT_OK,
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
    from .orders import add_order_commands
    from .read import add_read_commands
    from .secrets import add_secret_commands

    add_auth_commands(sub)
    add_read_commands(sub)
    add_order_commands(sub)
    add_secret_commands(sub)

    demo = sub.add_parser("demo", help="walk through a session against the built-in simulator")
    demo.add_argument("--fast", action="store_true", help="skip the pauses between steps")
    demo.set_defaults(handler=_cmd_demo)

    from .doctor import add_doctor_command
    from .paper import add_paper_command
    from .simulator import add_simulator_command

    add_simulator_command(sub)
    add_doctor_command(sub)
    add_paper_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; never a traceback: every failure is one line and an exit code."""
    try:
        return _main(argv)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    from ..observe.jsonlog import log_format_from_env, setup_logging

    if log_format_from_env() == "json":
        setup_logging(level, format="json")  # one JSON object per line on stderr
    else:
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except ETradeError as exc:
        _say(f"etrade-sync: error: {exc}")
        return _exit_code(exc)
    except EOFError:
        with contextlib.suppress(OSError, ValueError):
            print(flush=True)  # end the prompt's line
        _say("etrade-sync: error: end of input at a prompt; nothing was changed")
        return EXIT_USAGE
    except BrokenPipeError:
        raise
    except OSError as exc:  # a file or folder the command needs
        where = f" ({exc.filename})" if exc.filename else ""
        _say(f"etrade-sync: error: {exc.strerror or exc}{where}")
        return EXIT_ERROR
    except Exception as exc:  # a bug: say so in one line; -vv logs the traceback
        logging.getLogger("etrade_sync").debug("unexpected error", exc_info=True)
        _say(f"etrade-sync: internal error: {type(exc).__name__}: {exc} (run with -vv for details)")
        return EXIT_ERROR


def _say(message: str) -> None:
    with contextlib.suppress(BrokenPipeError, ValueError):
        print(message, file=sys.stderr, flush=True)


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop quietly, without the interpreter's
    "Exception ignored ... BrokenPipeError" when it flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_OK

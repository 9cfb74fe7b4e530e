"""
etrade_sync.cli.simulator
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides ``etrade-sync simulator``: the built-in E*TRADE simulator in
the foreground, with the exact ``export`` lines that point ``etrade-sync`` (or any
script using :meth:`Settings.from_env`) at it. The login it prints keeps its token
in a folder of its own, so a real saved login is never touched; the folder is
removed when the simulator stops.
"""

from __future__ import annotations

import argparse
import errno
import shlex
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

__all__ = ["add_simulator_command", "export_lines"]

_DESCRIPTION = """\
Run the local E*TRADE simulator in the foreground until Ctrl-C. It prints the
`export ETRADE_...` lines to paste into another terminal; then `etrade-sync login`
and every other command talk to the simulator instead of E*TRADE. Its login page
approves at once and shows the verification code to paste.
"""


def export_lines(sim: Any, token_dir: Path, token_key: str) -> list[str]:
    """The shell lines that configure etrade_sync for ``sim`` (a running Simulator)."""
    values = {
        "ETRADE_ENV": "sandbox",
        "ETRADE_BASE_URL": sim.url,  # without /v1: the client adds it
        "ETRADE_OAUTH_BASE_URL": sim.url,
        "ETRADE_AUTHORIZE_URL": sim.authorize_url,
        "ETRADE_CONSUMER_KEY": sim.consumer_key,
        "ETRADE_CONSUMER_SECRET": sim.consumer_secret,
        "ETRADE_TOKEN_STORE": "file",
        "ETRADE_TOKEN_FILE": str(token_dir / "tokens.json"),
        "ETRADE_TOKEN_KEY": token_key,
        "ETRADE_JOURNAL_FILE": str(token_dir / "journal.sqlite3"),
        "ETRADE_RATE_LIMIT_BACKEND": "memory",
    }
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def _busy_port_help(host: str, port: int) -> str:
    return (
        f"etrade-sync: error: port {port} on {host} is already in use (another simulator "
        f"still running?). Stop that program, or choose another port: "
        f"etrade-sync simulator --port {port + 1}  (--port 0 picks a free one)"
    )


def _cmd_simulator(args: argparse.Namespace) -> int:
    from ..auth import generate_key
    from ..simulator import Simulator

    if args.consumer_secret and not args.consumer_key:
        print("etrade-sync: error: --consumer-secret needs --consumer-key", file=sys.stderr)
        return 2
    sim = Simulator(
        host=args.host,
        port=args.port,
        consumer_key=args.consumer_key,
        consumer_secret=args.consumer_secret,
        enforce_rate_limits=args.enforce_rate_limits,
        seed=args.seed,
    )
    try:
        sim.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(_busy_port_help(args.host, args.port), file=sys.stderr)
        else:
            print(f"etrade-sync: error: cannot listen on {args.host}:{args.port}: {exc.strerror}",
                  file=sys.stderr)  # fmt: skip
        return 1
    token_dir = Path(tempfile.mkdtemp(prefix="etrade-sync-simulator-"))
    stop = getattr(args, "stop_event", None) or threading.Event()
    try:
        print(f"E*TRADE simulator listening on {sim.url} (seed {args.seed})")
        print("In another terminal, paste these lines (your own login is not touched):")
        print()
        for line in export_lines(sim, token_dir, generate_key()):
            print(f"  {line}")
        print()
        print("then:  etrade-sync login      (open the link it prints: the page shows the code)")
        print("       etrade-sync accounts")
        print("The consumer secret and token key above are for this simulator only.")
        print("Press Ctrl-C to stop.", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
    finally:
        sim.stop()
        shutil.rmtree(token_dir, ignore_errors=True)
    return 0


def add_simulator_command(sub: Any) -> None:
    """Register ``simulator`` on ``sub``."""
    sim = sub.add_parser(
        "simulator",
        help="run the local E*TRADE simulator and print the lines to use it",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sim.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free one)")
    sim.add_argument(
        "--seed", type=int, default=0, help="seed for the simulated accounts and prices (default 0)"
    )
    sim.add_argument(
        "--consumer-key", metavar="KEY", help="consumer key to accept (default: a new random one)"
    )
    sim.add_argument(
        "--consumer-secret",
        metavar="SECRET",
        help="consumer secret to accept (default: a new random one)",
    )
    sim.add_argument(
        "--enforce-rate-limits",
        action="store_true",
        help="answer E*TRADE's rate-limit error above its per-second limits",
    )
    sim.set_defaults(handler=_cmd_simulator)

"""Run the simulator in the foreground: ``python -m etrade_sync.simulator``."""

from __future__ import annotations

import argparse
import threading

from .harness import Simulator

__all__ = ["serve"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m etrade_sync.simulator",
        description="Run a local E*TRADE-compatible API simulator until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any)")
    parser.add_argument("--consumer-key", default=None, help="consumer key to accept")
    parser.add_argument("--consumer-secret", default=None, help="consumer secret to accept")
    parser.add_argument("--seed", type=int, default=0, help="seed for the simulated accounts")
    parser.add_argument(
        "--enforce-rate-limits",
        action="store_true",
        help="answer E*TRADE's rate-limit error above 2/4/2/2 requests per second",
    )
    return parser


def serve(argv: list[str] | None = None, *, stop_event: threading.Event | None = None) -> int:
    """Start a simulator, print how to reach it and serve until Ctrl-C (or ``stop_event``)."""
    args = _parser().parse_args(argv)
    if bool(args.consumer_key) != bool(args.consumer_secret):
        print("error: give both --consumer-key and --consumer-secret, or neither")
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
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}")
        return 1
    event = stop_event or threading.Event()
    try:
        print(f"E*TRADE simulator listening on {sim.url}", flush=True)
        print(f"  Base URL:        {sim.url}  (ETRADE_BASE_URL: without /v1, the client adds it)")
        print(f"  Login page:      {sim.authorize_url}")
        print(f"  Consumer key:    {sim.consumer_key}")
        print(f"  Consumer secret: {sim.consumer_secret}")
        print("  (this secret is for the local simulator only; it is not an E*TRADE credential)")
        print("  `etrade-sync simulator` prints the export lines that point etrade-sync here.")
        print("Press Ctrl-C to stop.", flush=True)
        while not event.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(serve())

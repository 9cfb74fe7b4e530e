"""Sweep many symbols from several processes that share one SQLite rate gate.

    ETRADE_RATE_LIMIT_BACKEND=sqlite:////tmp/etrade-gate.sqlite3 \\
        python examples/multiprocess_sweep.py --processes 4 --symbols 400

Each process builds its own Client from the environment; the SQLite gate (a file on
this host) makes them share E*TRADE's market limit, so together they stay under it.
Each worker prints how many quotes it got; the parent prints the total and the time.
"""

from __future__ import annotations

import argparse
import itertools
import string
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import etrade_sync


def universe(count: int) -> list[str]:
    letters = itertools.product(string.ascii_uppercase, repeat=3)
    return ["".join(c) for c in itertools.islice(letters, count)]


def sweep(symbols: list[str]) -> int:
    with etrade_sync.Client.from_env() as client:
        return len(client.market.quotes_bulk(symbols))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--symbols", type=int, default=400)
    args = parser.parse_args(argv)
    backend = etrade_sync.Settings.from_env().rate_limit_backend
    if backend == "memory":
        print("set ETRADE_RATE_LIMIT_BACKEND=sqlite:////path/gate.sqlite3 first", file=sys.stderr)
        return 2
    symbols = universe(args.symbols)
    shares = [symbols[i :: args.processes] for i in range(args.processes)]
    started = time.monotonic()
    with ProcessPoolExecutor(args.processes) as pool:
        counts = list(pool.map(sweep, shares))
    elapsed = time.monotonic() - started
    print(f"{sum(counts)} quotes from {args.processes} processes in {elapsed:.1f} s: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

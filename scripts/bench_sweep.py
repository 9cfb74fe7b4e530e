"""Sweep quotes for many symbols under the market limit, against a simulator that enforces it.

Prints the elapsed time next to the least time the limit allows (the first
``limit`` requests go at once, then ``limit`` per second), how many requests the
simulator throttled and the most requests it saw in any rolling second::

    python scripts/bench_sweep.py                       # 1,000 symbols, memory gate
    python scripts/bench_sweep.py --symbols 5000 --backend sqlite:////tmp/gate.db
    python scripts/bench_sweep.py --json sweep.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from etrade_sync import Settings
from etrade_sync.api.bulk import quotes_bulk
from etrade_sync.api.market import MAX_SYMBOLS_PER_CALL
from etrade_sync.client import Client
from etrade_sync.simulator import DEFAULT_RATE_LIMITS, Simulator


def symbols(count: int) -> list[str]:
    letters = string.ascii_uppercase
    combos = itertools.product(letters, repeat=3)
    return ["".join(c) for c in itertools.islice(combos, count)]


def sweep(count: int, backend: str, workers: int) -> dict[str, Any]:
    limit = DEFAULT_RATE_LIMITS["market"]
    wanted = symbols(count)
    with Simulator(enforce_rate_limits=True) as sim, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            consumer_key=sim.consumer_key,
            consumer_secret=sim.consumer_secret,
            base_url=sim.url,
            oauth_base_url=sim.url,
            token_file=Path(tmp) / "tokens.json",
            rate_limit_backend=backend,
        )
        with Client(settings) as client:
            client.auth.use_token(*sim.issue_access_token())
            sim.log.clear()
            started = time.monotonic()
            result = quotes_bulk(client.market, wanted, workers=workers)
            elapsed = time.monotonic() - started
        calls = sim.log.hits("/v1/market/quote/*")
        expected_calls = math.ceil(count / MAX_SYMBOLS_PER_CALL)
        ideal = (math.ceil(expected_calls / limit) - 1) * 1.0
        return {
            "symbols": count,
            "quotes": len(result),
            "backend": backend,
            "workers": workers,
            "calls": calls,
            "limit_per_s": limit,
            "elapsed_s": round(elapsed, 3),
            "ideal_s": ideal,
            "over_ideal": round(elapsed / ideal, 3) if ideal else None,
            "throttled": sim.log.throttled,
            "max_in_rolling_second": sim.log.max_in_window("market"),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=1000, help="how many symbols (1000)")
    parser.add_argument("--backend", default="memory", help="rate gate backend (memory)")
    parser.add_argument("--workers", type=int, default=4, help="bulk worker threads (4)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = sweep(args.symbols, args.backend, args.workers)
    print(
        f"{figures['symbols']} symbols, {figures['calls']} calls at "
        f"{figures['limit_per_s']}/s ({figures['backend']}, {figures['workers']} workers)\n"
        f"  elapsed      {figures['elapsed_s']:.2f} s\n"
        f"  ideal        {figures['ideal_s']:.2f} s (the least the limit allows)\n"
        f"  ratio        {figures['over_ideal']}\n"
        f"  throttled    {figures['throttled']}\n"
        f"  max/rolling s {figures['max_in_rolling_second']}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = figures["throttled"] == 0 and figures["max_in_rolling_second"] <= figures["limit_per_s"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Sweep quotes for many symbols under a market limit, at a server that enforces it on arrival.

The server (``bench_server.py``) runs in its own process and refuses any request
that would put more than ``limit`` arrivals in some rolling window. Prints the
elapsed time next to the least time the limit allows (the first ``limit``
requests at once, then ``limit`` per window), how many requests the server
throttled and the most it saw in any rolling window::

    python scripts/bench_sweep.py                        # 1,000 symbols at 4/s, memory gate
    python scripts/bench_sweep.py --symbols 5000 --limit 2 --backend sqlite:////tmp/gate.db
    python scripts/bench_sweep.py --window 0.5           # a scaled-down window (faster)
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAX_SYMBOLS_PER_CALL = 50


class Server:
    """``bench_server.py`` in a child process (a context manager)."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("bench_server.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        hello = self._read()
        self.url: str = hello["url"]
        self.consumer_key: str = hello["consumer_key"]
        self.consumer_secret: str = hello["consumer_secret"]
        self._first: tuple[str, str] | None = (hello["token"], hello["secret"])

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("bench server exited")
        result: dict[str, Any] = json.loads(line)
        return result

    def command(self, text: str) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(text + "\n")
        self._proc.stdin.flush()
        return self._read()

    def token(self) -> tuple[str, str]:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        answer = self.command("token")
        return answer["token"], answer["secret"]

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            self.command("quit")
        self._proc.wait(timeout=10)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def symbols(count: int) -> list[str]:
    letters = string.ascii_uppercase
    combos = itertools.product(letters, repeat=3)
    return ["".join(c) for c in itertools.islice(combos, count)]


def sweep(
    server: Server, count: int, limit: int, window: float, backend: str, workers: int = 4
) -> dict[str, Any]:
    """``client.market.quotes_bulk`` of ``count`` symbols at ``limit`` per ``window`` s."""
    import etrade_sync
    from etrade_sync.ratelimit import RateGate

    wanted = symbols(count)
    with tempfile.TemporaryDirectory() as tmp:
        if backend.startswith("sqlite:///") and backend.endswith("{tmp}"):
            backend = backend.replace("{tmp}", f"{tmp}/gate.db")
        settings = etrade_sync.Settings(
            consumer_key=server.consumer_key,
            consumer_secret=server.consumer_secret,
            base_url=server.url,
            oauth_base_url=server.url,
            token_store="memory",
            rate_limit_backend=backend,
        )
        rates = dict(settings.resolved_rate_limits, market=((limit, window),))
        gate = RateGate(rates, backend, namespace=f"bench-{time.time_ns()}")
        server.command(f"limit {limit} {window}")
        with etrade_sync.Client(settings, gate=gate) as client:
            client.auth.use_token(*server.token())
            server.command("clear")
            started = time.monotonic()
            result = client.market.quotes_bulk(wanted, workers=workers)
            elapsed = time.monotonic() - started
        gate.close()
        stats = server.command("stats")
        server.command("limit 0 1")
    calls = math.ceil(count / MAX_SYMBOLS_PER_CALL)
    ideal = (math.ceil(calls / limit) - 1) * window
    return {
        "symbols": count,
        "quotes": len(result),
        "backend": backend,
        "workers": workers,
        "calls": stats["quote_calls"],
        "limit": limit,
        "window_s": window,
        "elapsed_s": round(elapsed, 3),
        "ideal_s": ideal,
        "over_ideal": round(elapsed / ideal, 4) if ideal else 0.0,
        "throttled": stats["throttled"],
        "max_in_window": stats["max_in_window"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--symbols", type=int, default=1000, help="how many symbols (1000)")
    parser.add_argument("--limit", type=int, default=4, help="market requests per window (4)")
    parser.add_argument("--window", type=float, default=1.0, help="window in seconds (1.0)")
    parser.add_argument("--backend", default="memory", help="rate gate backend (memory)")
    parser.add_argument("--workers", type=int, default=4, help="bulk worker threads (4)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    with Server() as server:
        figures = sweep(server, args.symbols, args.limit, args.window, args.backend, args.workers)
    print(
        f"{figures['symbols']} symbols, {figures['calls']} calls at {figures['limit']} per "
        f"{figures['window_s']:g} s ({figures['backend']}, {figures['workers']} workers)\n"
        f"  elapsed       {figures['elapsed_s']:.3f} s\n"
        f"  ideal         {figures['ideal_s']:.3f} s (the least the limit allows)\n"
        f"  ratio         {figures['over_ideal']}\n"
        f"  throttled     {figures['throttled']}\n"
        f"  busiest window {figures['max_in_window']}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = figures["throttled"] == 0 and figures["max_in_window"] <= figures["limit"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Measure the jitter between a gate permit and the request's arrival, per backend.

The gate keeps permit i and permit i+limit at least window + margin apart. At
E*TRADE the requests arrive closer than their permits when permit i waited longer
before reaching the wire than permit i+limit (signing, a new connection, the
machine's load, processes queueing for the SQLite file or the Redis server). This
script sends uniquely named quote requests through real clients, records each
permit's wall-clock instant, takes each request's arrival from the server (its own
process) and prints:

- the permit-to-arrival delay: min, median, max;
- the shrink: how much closer than their permits any two requests ``limit``
  apart arrived (the least margin that keeps the server's count within the limit).

    python scripts/bench_jitter.py --backend memory
    python scripts/bench_jitter.py --backend sqlite:////tmp/gate.db --processes 3
    python scripts/bench_jitter.py --backend redis://127.0.0.1:6379/0 --processes 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sweep import ROOT, Server


def child(cfg: dict[str, Any]) -> list[tuple[str, float]]:
    """Send ``cfg['requests']`` quote calls on ``cfg['threads']`` threads; permits."""
    import etrade_sync

    settings = etrade_sync.Settings(
        consumer_key=cfg["consumer_key"],
        consumer_secret=cfg["consumer_secret"],
        base_url=cfg["url"],
        oauth_base_url=cfg["url"],
        token_store="memory",
        quote_ttl=0,
        max_retries=0,
        rate_limit_backend=cfg["backend"],
        rate_limits={"market": f"{cfg['limit']}/s"},
        rate_limit_margin=cfg["margin"],
    )
    client = etrade_sync.Client(settings)
    client.auth.use_token(cfg["token"], cfg["secret"])
    gate, local = client.transport.gate, threading.local()
    permits: list[tuple[str, float]] = []

    class Recording:
        def __getattr__(self, name: str) -> Any:
            return getattr(gate, name)

        def acquire(self, category: str, **kwargs: Any) -> float:
            waited: float = gate.acquire(category, **kwargs)
            permits.append((local.symbol, time.time()))
            return waited

    client.transport.gate = Recording()
    names = iter(cfg["symbols"])
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                symbol = next(names, None)
            if symbol is None:
                return
            local.symbol = symbol
            try:
                client.market.quotes([symbol])
            except etrade_sync.ETradeError as exc:
                print(f"{symbol}: {exc}", file=sys.stderr)

    pool = [threading.Thread(target=work) for _ in range(cfg["threads"])]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    client.close()
    return permits


def measure(args: argparse.Namespace) -> dict[str, Any]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    names = [f"J{a}{b}{c}" for a in letters for b in letters for c in letters]
    per = args.requests // args.processes
    with Server() as server:
        server.command(f"limit {args.limit} 1.0")
        server.command("clear")
        procs = []
        for i in range(args.processes):
            token, secret = server.token()
            cfg = {
                "url": server.url,
                "consumer_key": server.consumer_key,
                "consumer_secret": server.consumer_secret,
                "token": token,
                "secret": secret,
                "backend": args.backend,
                "limit": args.limit,
                "margin": args.margin,
                "threads": args.threads,
                "symbols": names[i * per : (i + 1) * per],
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, __file__, "--child", json.dumps(cfg)],
                    stdout=subprocess.PIPE,
                    text=True,
                    env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
                )
            )
        permits: dict[str, float] = {}
        for proc in procs:
            out, _ = proc.communicate(timeout=600)
            permits.update(dict(json.loads(out.strip().splitlines()[-1])))
        arrivals = {
            path.rsplit("/", 1)[-1].removesuffix(".json"): t
            for path, t in server.command("arrivals")["arrivals"]
        }
        stats = server.command("stats")
    delays = [arrivals[s] - p for s, p in permits.items() if s in arrivals]
    p_sorted = sorted(permits.values())
    a_sorted = sorted(arrivals.values())
    n, lim = min(len(p_sorted), len(a_sorted)), args.limit
    shrink = max(
        (p_sorted[i + lim] - p_sorted[i]) - (a_sorted[i + lim] - a_sorted[i])
        for i in range(n - lim)
    )
    return {
        "backend": args.backend.split(":", 1)[0],
        "processes": args.processes,
        "threads": args.threads,
        "requests": len(delays),
        "margin_s": args.margin,
        "delay_ms": {
            "min": round(min(delays) * 1000, 2),
            "median": round(statistics.median(delays) * 1000, 2),
            "max": round(max(delays) * 1000, 2),
        },
        "shrink_ms": round(shrink * 1000, 2),
        "throttled": stats["throttled"],
        "max_in_window": stats["max_in_window"],
        "largest_delays_ms": sorted(
            (round((arrivals[s] - p) * 1000, 1), i)
            for i, (s, p) in enumerate(sorted(permits.items(), key=lambda kv: kv[1]))
            if s in arrivals
        )[-6:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", default="memory")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--limit", type=int, default=4)
    parser.add_argument("--margin", type=float, default=None, help="gate margin (s)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    print(json.dumps(measure(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

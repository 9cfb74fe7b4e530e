"""Benchmark etrade_sync against bare requests+OAuth1 and pyetrade, server in its own process.

One run measures, side by side, against the simulator running in a separate
process (``bench_server.py``, so the server never shares the client's
interpreter lock):

- uncached quotes of 1 and 25 symbols: a bare ``requests.Session`` + ``OAuth1``
  (``response.json()``), etrade_sync (``client.market.quotes``, typed results)
  and pyetrade (an external program in its own virtual environment: it is GPL
  and pins urllib3 1.26, so it is never imported here); wall time and client CPU
  per call, blocks interleaved so drift hits every client alike;
- ``import etrade_sync; etrade_sync.Client`` against ``import requests``, as whole
  fresh processes (many runs, min and median) and as in-process import time;
- RSS after import + ``Client`` against requests + OAuth1 + Session;
- cached ``quotes()`` throughput at 1/4/16/64 threads;
- memory per cached quote (tracemalloc and RSS);
- 1,000 and 5,000-symbol sweeps at 4/s and 2/s against a server enforcing the
  limit on each request's arrival, next to the ideal time, with throttles counted.

Every measure is repeated (``--repeats``, 3) and reported as min and median.
The machine's load shows in the figures: run it under ``nice`` on a quiet machine.

    python scripts/bench.py                          # the table
    python scripts/bench.py --json bench.json        # and the figures as JSON
    python scripts/bench.py --quick                  # fewer calls, 1,000-symbol sweeps only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_report import GOALS, print_table
from bench_sweep import Server, sweep, symbols

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
VENV = ROOT / ".bench-venv"
PYETRADE = "pyetrade==2.1.1"


def stats_of(values: list[float], digits: int = 3) -> dict[str, float]:
    return {"min": round(min(values), digits), "median": round(statistics.median(values), digits)}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


# -- uncached calls -------------------------------------------------------------------


def _ours(server: Server, quote_ttl: float = 0) -> Any:
    import etrade_sync
    from etrade_sync.ratelimit import RateGate

    settings = etrade_sync.Settings(
        consumer_key=server.consumer_key,
        consumer_secret=server.consumer_secret,
        base_url=server.url,
        oauth_base_url=server.url,
        token_store="memory",
        quote_ttl=quote_ttl,
    )
    rates = dict(settings.resolved_rate_limits, market=None)
    client = etrade_sync.Client(settings, gate=RateGate(rates))
    client.auth.use_token(*server.token())
    return client


def _bare(server: Server) -> tuple[Any, Any]:
    import requests
    from requests_oauthlib import OAuth1

    session = requests.Session()
    auth = OAuth1(
        server.consumer_key, server.consumer_secret, *server.token(), signature_type="AUTH_HEADER"
    )
    return session, auth


def uncached(server: Server, wanted: list[str], calls: int, blocks: int) -> dict[str, Any]:
    """Per-call wall and CPU (ms) of bare and etrade_sync, interleaved in blocks."""
    client = _ours(server)
    session, auth = _bare(server)
    url = f"{server.url}/v1/market/quote/{','.join(wanted)}.json"
    params = {"detailFlag": "ALL"}

    def bare() -> Any:
        response = session.get(url, params=params, auth=auth, timeout=30)
        response.raise_for_status()
        return response.json()

    def ours() -> Any:
        got = client.market.quotes(wanted)
        assert len(got) == len(wanted)
        return got

    runners = {"bare_requests_oauth1": bare, "etrade_sync": ours}
    wall: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, float] = dict.fromkeys(runners, 0.0)
    for fn in runners.values():
        for _ in range(20):
            fn()
    per_block = max(1, calls // blocks)
    for block in range(blocks):
        order = list(runners.items())
        if block % 2:
            order.reverse()
        for name, fn in order:
            c0 = time.process_time()
            for _ in range(per_block):
                t0 = time.perf_counter()
                fn()
                wall[name].append(time.perf_counter() - t0)
            cpu[name] += time.process_time() - c0
    client.close()
    session.close()
    n = per_block * blocks
    return {
        name: {
            "wall_ms": round(statistics.median(wall[name]) * 1000, 4),
            "cpu_ms": round(cpu[name] / n * 1000, 4),
        }
        for name in runners
    }


def pyetrade_python() -> Path | None:
    python = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if python.exists():
        return python
    print(f"creating {VENV} with {PYETRADE} (once) ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PYETRADE], check=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"pyetrade could not be installed: {exc}", file=sys.stderr)
        return None
    return python


PYETRADE_RUNNER = """
import json, statistics, sys, time
cfg = json.loads(sys.argv[1])
from pyetrade import ETradeMarket
m = ETradeMarket(cfg["ck"], cfg["cs"], cfg["token"], cfg["secret"], dev=True)
m.base_url = cfg["url"] + "/v1/market/"
for _ in range(20):
    m.get_quote(cfg["symbols"], resp_format="json")
wall = []
c0 = time.process_time()
for _ in range(cfg["calls"]):
    t = time.perf_counter(); m.get_quote(cfg["symbols"], resp_format="json")
    wall.append(time.perf_counter() - t)
cpu = (time.process_time() - c0) / cfg["calls"]
print(json.dumps({"wall_ms": statistics.median(wall) * 1000, "cpu_ms": cpu * 1000}))
"""


def pyetrade_uncached(
    python: Path, server: Server, symbols: list[str], calls: int
) -> dict[str, float] | None:
    token, secret = server.token()
    cfg = {
        "ck": server.consumer_key,
        "cs": server.consumer_secret,
        "token": token,
        "secret": secret,
        "url": server.url,
        "symbols": symbols,
        "calls": calls,
    }
    try:
        done = subprocess.run(
            [str(python), "-c", PYETRADE_RUNNER, json.dumps(cfg)],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.CalledProcessError as exc:
        print(f"pyetrade run failed: {exc.stderr[-500:]}", file=sys.stderr)
        return None
    out: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: round(v, 4) for k, v in out.items()}


# -- fresh interpreters -----------------------------------------------------------------


def whole_process(statement: str, runs: int) -> list[float]:
    """Wall seconds of ``python -c statement``, start to exit, ``runs`` times."""
    samples = []
    env = _env()
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, env=env)
        samples.append(time.perf_counter() - t0)
    return samples


def imports(runs: int) -> dict[str, Any]:
    ours, bare, empty = [], [], []
    for _ in range(runs):  # interleaved, one of each per round
        ours += whole_process("import etrade_sync; etrade_sync.Client", 1)
        bare += whole_process("import requests", 1)
        empty += whole_process("pass", 1)
    return {
        "etrade_sync_client_ms": stats_of([s * 1000 for s in ours], 2),
        "requests_ms": stats_of([s * 1000 for s in bare], 2),
        "empty_interpreter_ms": stats_of([s * 1000 for s in empty], 2),
        "import_ratio": round(statistics.median(ours) / statistics.median(bare), 3),
    }


def probe(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "bench_probe.py"), *args],
        check=True,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def rss(runs: int) -> dict[str, Any]:
    ours = [probe("rss-ours")["rss_kib"] / 1024 for _ in range(runs)]
    bare = [probe("rss-bare")["rss_kib"] / 1024 for _ in range(runs)]
    return {
        "etrade_sync_mib": stats_of(ours, 1),
        "bare_mib": stats_of(bare, 1),
        "rss_ratio": round(statistics.median(ours) / statistics.median(bare), 3),
    }


def cached_quote_memory(server: Server, count: int) -> dict[str, Any]:
    token, secret = server.token()
    cfg = {
        "url": server.url,
        "consumer_key": server.consumer_key,
        "consumer_secret": server.consumer_secret,
        "token": token,
        "secret": secret,
        "count": count,
    }
    traced = probe("cached-quote", json.dumps({**cfg, "trace": True}))
    resident = probe("cached-quote", json.dumps(cfg))
    return {
        "quotes": traced["quotes"],
        "traced_bytes_per_quote": traced["traced_bytes_per_quote"],
        "rss_bytes_per_quote": resident["rss_bytes_per_quote"],
    }


# -- cached quotes under threads ----------------------------------------------------------
# Every thread asks for the same 25 cached symbols in a loop; calls per second in total.


def cached_threads(server: Server, seconds: float) -> dict[str, Any]:
    import threading

    client = _ours(server, quote_ttl=3600)
    wanted = symbols(25)
    assert len(client.market.quotes(wanted)) == 25
    out: dict[str, Any] = {}
    for threads in (1, 4, 16, 64):
        counts = [0] * threads
        stop = threading.Event()

        def work(i: int, counts: list[int] = counts, stop: threading.Event = stop) -> None:
            n = 0
            while not stop.is_set():
                client.market.quotes(wanted)
                n += 1
            counts[i] = n

        pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        cpu, started = time.process_time(), time.perf_counter()
        for t in pool:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in pool:
            t.join()
        # the real span: a starved main thread oversleeps, and the workers run until join
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        out[str(threads)] = round(sum(counts) / elapsed)
        out[f"{threads}_per_cpu_s"] = round(sum(counts) / max(cpu, 1e-9))
    client.close()
    out["ratio_16_to_1"] = round(out["16"] / out["1"], 3)
    out["cpu_ratio_16_to_1"] = round(out["16_per_cpu_s"] / out["1_per_cpu_s"], 3)
    return out


# -- main ------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    repeats = args.repeats
    python = None if args.skip_pyetrade else pyetrade_python()
    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "loadavg_start": os.getloadavg(),
        },
        "pyetrade": PYETRADE if python is not None else "not installed",
    }
    with Server() as server:
        for n in (1, 25):
            wanted = ["AAPL"] if n == 1 else symbols(n)
            runs = [uncached(server, wanted, args.calls, 6) for _ in range(repeats)]
            py = [pyetrade_uncached(python, server, wanted, args.calls) for _ in range(repeats)]
            key = f"uncached_{n}"
            report[key] = {
                name: {m: stats_of([r[name][m] for r in runs], 4) for m in ("wall_ms", "cpu_ms")}
                for name in runs[0]
            }
            ratios = [
                r["etrade_sync"]["wall_ms"] / r["bare_requests_oauth1"]["wall_ms"] for r in runs
            ]
            report[key]["ratio"] = stats_of(ratios, 3)
            got = [p for p in py if p is not None]
            if got:
                report[key]["pyetrade"] = {
                    m: stats_of([p[m] for p in got], 4) for m in ("wall_ms", "cpu_ms")
                }
        threads = [cached_threads(server, args.thread_seconds) for _ in range(repeats)]
        report["cached_threads"] = {
            k: stats_of([float(t[k]) for t in threads], 3) for k in threads[0]
        }
        memory = [cached_quote_memory(server, args.memory_quotes) for _ in range(repeats)]
        report["memory_per_cached_quote"] = {
            k: stats_of([float(m[k]) for m in memory], 0)
            for k in ("traced_bytes_per_quote", "rss_bytes_per_quote")
        }
        sweeps: dict[str, Any] = {}
        for count in args.sweep_symbols:
            for limit in (4, 2):
                runs = [
                    sweep(server, count, limit, args.window, args.backend) for _ in range(repeats)
                ]
                sweeps[f"{count}@{limit}"] = {
                    "ideal_s": runs[0]["ideal_s"],
                    "elapsed_s": stats_of([r["elapsed_s"] for r in runs]),
                    "ratio": stats_of([r["over_ideal"] for r in runs]),
                    "throttled_max": max(r["throttled"] for r in runs),
                    "busiest_window_max": max(r["max_in_window"] for r in runs),
                    "window_s": args.window,
                }
        report["sweeps"] = sweeps
    report["imports"] = imports(args.import_runs)
    report["rss"] = rss(repeats)
    report["machine"]["loadavg_end"] = os.getloadavg()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300, help="timed calls per client")
    parser.add_argument("--import-runs", type=int, default=20)
    parser.add_argument("--thread-seconds", type=float, default=1.0)
    parser.add_argument("--memory-quotes", type=int, default=2000)
    parser.add_argument("--sweep-symbols", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument(
        "--window", type=float, default=1.0, help="rate window in seconds (scale down to save time)"
    )
    parser.add_argument("--backend", default="memory", help="gate backend for the sweeps")
    parser.add_argument("--skip-pyetrade", action="store_true")
    parser.add_argument("--quick", action="store_true", help="fewer calls, 1,000-symbol sweeps")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.import_runs, args.sweep_symbols = 120, 10, [1000]
    report = run(args)
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


__all__ = ["GOALS", "main"]

if __name__ == "__main__":
    sys.exit(main())

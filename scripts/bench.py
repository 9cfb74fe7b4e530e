"""Benchmark etrade_sync against bare requests+OAuth1 and pyetrade 2.1.1, on one simulator.

One run measures, on this machine:

- per-request overhead: one-symbol quote round trips (cache off, gate off) through
  etrade_sync, a bare ``requests.Session`` + ``OAuth1``, and pyetrade;
- cache-hit speed-up: a cached ``client.market.quote()`` against a round trip;
- the 1,000-symbol sweep under the default market limit at a simulator that
  enforces E*TRADE's limits (etrade_sync: gate + chunks of 50; the others send
  chunks as fast as they can, pyetrade truncating to 25 symbols per call);
- ``import`` time of etrade_sync, requests and pyetrade (fresh interpreters);
- TCP connections each client opened.

pyetrade 2.1.1 pins urllib3 1.26, so it runs in its own virtual environment
(created on first use under ``.bench-venv``; ``--skip-pyetrade`` leaves it out).
It is pointed at the simulator by replacing its ``base_url``.

    python scripts/bench.py                 # prints a table
    python scripts/bench.py --json bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import requests
from requests_oauthlib import OAuth1

from etrade_sync import Settings
from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sweep import sweep

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench-venv"
PYETRADE = "pyetrade==2.1.1"

GOALS = {
    "overhead_ratio": ("<=", 1.25),
    "cache_speedup": (">=", 100.0),
    "sweep_ratio": ("<=", 1.10),
    "import_ratio": ("<=", 1.30),
}


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def _time_calls(fn: Any, count: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def _client(sim: Simulator, **overrides: Any) -> Client:
    values: dict[str, Any] = {
        "consumer_key": sim.consumer_key,
        "consumer_secret": sim.consumer_secret,
        "base_url": sim.url,
        "oauth_base_url": sim.url,
        "token_store": "memory",
    }
    values.update(overrides)
    settings = Settings(**values)
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
    client.auth.use_token(*sim.issue_access_token())
    return client


# -- pyetrade, in its own environment -------------------------------------------------


def _venv_python() -> Path | None:
    python = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if python.exists():
        return python
    print(f"creating {VENV} with {PYETRADE} (once) ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PYETRADE], check=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"pyetrade unavailable: {exc}", file=sys.stderr)
        return None
    return python


PYETRADE_RUNNER = textwrap.dedent(
    """
    import json, statistics, sys, time
    t0 = time.perf_counter()
    from pyetrade import ETradeMarket
    import_s = time.perf_counter() - t0
    cfg = json.loads(sys.argv[1])
    m = ETradeMarket(cfg["ck"], cfg["cs"], cfg["token"], cfg["secret"], dev=True)
    m.base_url = cfg["url"] + "/v1/market/"
    out = {"import_s": import_s}
    if cfg["mode"] == "overhead":
        for _ in range(20):
            m.get_quote(["AAPL"], resp_format="json")
        samples = []
        for _ in range(cfg["count"]):
            t = time.perf_counter(); m.get_quote(["AAPL"], resp_format="json")
            samples.append(time.perf_counter() - t)
        out["samples"] = samples
    else:
        symbols = cfg["symbols"]; errors = 0; t = time.perf_counter()
        for i in range(0, len(symbols), 25):
            try:
                m.get_quote(symbols[i:i + 25], resp_format="json")
            except Exception:
                errors += 1
        out["elapsed_s"] = time.perf_counter() - t; out["errors"] = errors
    print(json.dumps(out))
    """
)


def _pyetrade(python: Path, sim: Simulator, mode: str, **extra: Any) -> dict[str, Any]:
    token, secret = sim.issue_access_token()
    cfg = {
        "ck": sim.consumer_key,
        "cs": sim.consumer_secret,
        "token": token,
        "secret": secret,
        "url": sim.url,
        "mode": mode,
        **extra,
    }
    done = subprocess.run(
        [str(python), "-c", PYETRADE_RUNNER, json.dumps(cfg)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- measurements ----------------------------------------------------------------------


def overhead(count: int, python: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with Simulator() as sim:
        client = _client(sim, quote_ttl=0, rate_limits={"market": "unlimited"})
        before = sim.log.connections_opened
        samples = _time_calls(lambda: client.market.quote("AAPL"), count)
        out["etrade_sync"] = {
            "median_ms": _median_ms(samples),
            "connections": sim.log.connections_opened - before,
        }
        client.close()

        session = requests.Session()
        auth = OAuth1(
            sim.consumer_key,
            sim.consumer_secret,
            *sim.issue_access_token(),
            signature_type="AUTH_HEADER",
        )
        url = f"{sim.url}/v1/market/quote/AAPL.json"

        def bare() -> Any:
            response = session.get(url, params={"detailFlag": "ALL"}, auth=auth, timeout=30)
            response.raise_for_status()
            return response.json()

        before = sim.log.connections_opened
        samples = _time_calls(bare, count)
        out["bare_requests_oauth1"] = {
            "median_ms": _median_ms(samples),
            "connections": sim.log.connections_opened - before,
        }
        session.close()

        if python is not None:
            before = sim.log.connections_opened
            result = _pyetrade(python, sim, "overhead", count=count)
            out["pyetrade"] = {
                "median_ms": _median_ms(result["samples"]),
                "connections": sim.log.connections_opened - before,
            }
    out["overhead_ratio"] = round(
        out["etrade_sync"]["median_ms"] / out["bare_requests_oauth1"]["median_ms"], 3
    )
    return out


def cache_speedup(count: int) -> dict[str, Any]:
    with Simulator() as sim:
        client = _client(sim, rate_limits={"market": "unlimited"}, quote_ttl=3600)
        trips = _time_calls(lambda: client.market.quote("MSFT", fresh=True), count)
        client.market.quote("MSFT")
        hits = _time_calls(lambda: client.market.quote("MSFT"), count)
        client.close()
    trip, hit = statistics.median(trips), statistics.median(hits)
    return {
        "round_trip_ms": round(trip * 1000, 3),
        "hit_us": round(hit * 1e6, 2),
        "cache_speedup": round(trip / hit, 1),
    }


def others_sweep(python: Path | None, count: int) -> dict[str, Any]:
    from bench_sweep import symbols

    wanted = symbols(count)
    out: dict[str, Any] = {}
    with Simulator(enforce_rate_limits=True) as sim:
        session = requests.Session()
        auth = OAuth1(
            sim.consumer_key,
            sim.consumer_secret,
            *sim.issue_access_token(),
            signature_type="AUTH_HEADER",
        )
        started = time.monotonic()
        errors = 0
        for i in range(0, count, 50):
            response = session.get(
                f"{sim.url}/v1/market/quote/{','.join(wanted[i : i + 50])}.json",
                params={"overrideSymbolCount": "true"},
                auth=auth,
                timeout=30,
            )
            errors += response.status_code != 200
        out["bare_requests_oauth1"] = {
            "elapsed_s": round(time.monotonic() - started, 3),
            "failed_calls": errors,
            "throttled": sim.log.throttled,
        }
        if python is not None:
            before = sim.log.throttled
            result = _pyetrade(python, sim, "sweep", symbols=wanted)
            out["pyetrade"] = {
                "elapsed_s": round(result["elapsed_s"], 3),
                "failed_calls": result["errors"],
                "throttled": sim.log.throttled - before,
            }
    return out


def import_times(python: Path | None, runs: int = 15) -> dict[str, Any]:
    def median_import(interpreter: str, statement: str) -> float:
        code = f"import time; t=time.perf_counter(); {statement}; print(time.perf_counter()-t)"
        values = [
            float(
                subprocess.run(
                    [interpreter, "-c", code], check=True, capture_output=True, text=True
                ).stdout
            )
            for _ in range(runs)
        ]
        return round(statistics.median(values) * 1000, 2)

    out = {
        "etrade_sync_ms": median_import(sys.executable, "import etrade_sync"),
        "etrade_sync_client_ms": median_import(
            sys.executable, "import etrade_sync; etrade_sync.Client"
        ),
        "requests_ms": median_import(sys.executable, "import requests"),
    }
    if python is not None:
        out["pyetrade_ms"] = median_import(str(python), "import pyetrade")
    out["import_ratio"] = round(out["etrade_sync_ms"] / out["requests_ms"], 3)
    return out


def _verdict(name: str, value: float) -> str:
    op, goal = GOALS[name]
    met = value <= goal if op == "<=" else value >= goal
    return f"{value:g} (goal {op} {goal:g}: {'met' if met else 'NOT met'})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed calls per client")
    parser.add_argument("--symbols", type=int, default=1000)
    parser.add_argument("--skip-pyetrade", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    python = None if args.skip_pyetrade else _venv_python()
    report: dict[str, Any] = {
        "overhead": overhead(args.requests, python),
        "cache": cache_speedup(args.requests),
        "sweep": {
            "etrade_sync": sweep(args.symbols, "memory", workers=4),
            **others_sweep(python, args.symbols),
        },
        "imports": import_times(python),
    }
    ours = report["sweep"]["etrade_sync"]
    report["sweep"]["sweep_ratio"] = round(ours["elapsed_s"] / max(ours["ideal_s"], 1e-9), 3)

    o, c, s, i = report["overhead"], report["cache"], report["sweep"], report["imports"]
    print("\netrade_sync benchmark (one simulator on 127.0.0.1, this machine)\n")
    print(f"{'client':<24}{'quote median':>14}{'connections':>13}")
    for name in ("etrade_sync", "bare_requests_oauth1", "pyetrade"):
        if name in o:
            print(f"{name:<24}{o[name]['median_ms']:>11.3f} ms{o[name]['connections']:>13}")
    print(f"\noverhead vs bare requests+OAuth1: {_verdict('overhead_ratio', o['overhead_ratio'])}")
    print(
        f"cache hit {c['hit_us']} us vs round trip {c['round_trip_ms']} ms: "
        f"speed-up {_verdict('cache_speedup', c['cache_speedup'])}"
    )
    print(f"\n{args.symbols}-symbol sweep at a simulator enforcing 4/s:")
    print(
        f"  etrade_sync: {ours['elapsed_s']} s for {ours['calls']} calls, ideal "
        f"{ours['ideal_s']} s, throttled {ours['throttled']}, max/s {ours['max_in_rolling_second']}"
    )
    print(f"  ratio to ideal: {_verdict('sweep_ratio', s['sweep_ratio'])}")
    for name in ("bare_requests_oauth1", "pyetrade"):
        if name in s:
            print(
                f"  {name}: {s[name]['elapsed_s']} s, {s[name]['failed_calls']} failed calls, "
                f"{s[name]['throttled']} throttled"
            )
    print(
        f"\nimport etrade_sync {i['etrade_sync_ms']} ms (with Client: "
        f"{i['etrade_sync_client_ms']} ms), requests {i['requests_ms']} ms"
        + (f", pyetrade {i['pyetrade_ms']} ms" if "pyetrade_ms" in i else "")
    )
    print(f"import ratio: {_verdict('import_ratio', i['import_ratio'])}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Conformance: a third-party client written against the real E*TRADE API, run unchanged
against the simulator.

The client is pyetrade (GPL), so it only ever runs as a separate program in its own
virtual environment, built here under a cache directory outside the repository (it
pins urllib3 1.26, which must not meet this project's environment). The script starts
a simulator, runs ``conformance_pyetrade.py`` with that environment's Python (OAuth
login with the simulator's automatic approval, accounts, market, orders in JSON and
XML, alerts), then replays the request flow of E*TRADE's published Python sample
(``conformance_sample.py``, in this process), and prints one row per call::

    python scripts/conformance.py [--cache-dir DIR] [--pyetrade 2.1.1] [--json]

Exit status: 0 when every call passed (rows marked ``quirk`` are real-API behaviours
pyetrade does not handle, listed in the simulator README), 1 when a call failed, 3 when
the pyetrade environment cannot be built (no network or no package index).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from etrade_sync.simulator import Simulator  # noqa: E402
from scripts.conformance_sample import run_sample_flow  # noqa: E402

DRIVER = Path(__file__).resolve().parent / "conformance_pyetrade.py"
ENV_UNAVAILABLE = 3


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "etrade_sync" / "conformance"


def python_of(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def build_env(cache_dir: Path, version: str) -> Path:
    """The pyetrade environment's Python, building the environment if needed."""
    env_dir = cache_dir / f"pyetrade-{version}"
    python = python_of(env_dir)
    marker = env_dir / ".installed"
    if marker.exists() and python.exists():
        return python
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"pyetrade=={version}"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if install.returncode != 0:
        raise RuntimeError(
            f"pip could not install pyetrade=={version}: {install.stderr.strip()[-500:]}"
        )
    marker.write_text(version)
    return python


def run_sample() -> list[dict[str, Any]]:
    """E*TRADE's published sample client's request flow (in this process, no pyetrade)."""
    with Simulator(seed=12) as sim:
        return run_sample_flow(sim.url, sim.consumer_key, sim.consumer_secret)


def run_driver(python: Path) -> list[dict[str, Any]]:
    with Simulator(seed=11) as sim:
        done = subprocess.run(
            [str(python), str(DRIVER), sim.url, sim.consumer_key, sim.consumer_secret],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        )
    rows: list[dict[str, Any]] = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            rows.append(json.loads(line))
    if done.returncode != 0 or not rows:
        detail = (done.stderr or done.stdout).strip()[-500:]
        rows.append({"call": "driver", "format": "-", "result": "fail", "detail": detail})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    width = max(len(r["call"]) for r in rows)
    lines = [f"{'call'.ljust(width)}  format  result", f"{'-' * width}  ------  ------"]
    for r in rows:
        text = f"{r['call'].ljust(width)}  {r['format']:<6}  {r['result']}"
        if r["result"] != "pass" and r.get("detail"):
            text += f"  ({r['detail']})"
        lines.append(text)
    passed = sum(r["result"] == "pass" for r in rows)
    quirks = sum(r["result"] == "quirk" for r in rows)
    failed = len(rows) - passed - quirks
    lines.append(
        f"\n{passed} passed, {failed} failed, {quirks} known real-API quirks, {len(rows)} calls"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--pyetrade", default="2.1.1", help="pyetrade version (2.1.1)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    try:
        python = build_env(args.cache_dir, args.pyetrade)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"conformance: pyetrade environment unavailable: {exc}", file=sys.stderr)
        return ENV_UNAVAILABLE
    rows = run_driver(python) + run_sample()
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0 if all(r["result"] in {"pass", "quirk"} for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

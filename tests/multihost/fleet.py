"""Simulated hosts for the multi-host tests: each "host" is a few processes with a
HOME and state folders of its own, sharing only the Redis and PostgreSQL servers
named in their environment, all pointed at one simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from etrade_sync.simulator import Simulator

__all__ = ["Fleet", "HostProcess"]

REPO = Path(__file__).resolve().parents[2]


class HostProcess:
    """One process of one host, driven by JSON lines."""

    def __init__(self, host: str, env: dict[str, str], cwd: Path) -> None:
        self.host = host
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.multihost.host"],
            env=env,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.host}: process {self.proc.pid} ended")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, **cmd: Any) -> dict[str, Any]:
        self.send(**cmd)
        return self.receive()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send(do="exit")
                self.proc.wait(20)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(10)


class Fleet:
    """``hosts`` x ``per_host`` processes; host names are host1, host2, ..."""

    def __init__(
        self,
        sim: Simulator,
        root: Path,
        key: str,
        *,
        hosts: int,
        per_host: int,
        shared: dict[str, str],
        clock: str | None = None,
    ) -> None:
        self.key = key
        self.processes: list[HostProcess] = []
        self.homes: list[Path] = []
        for h in range(1, hosts + 1):
            home = root / f"host{h}"
            for folder in ("home", "state", "config", "data", "cache"):
                (home / folder).mkdir(parents=True, exist_ok=True)
            self.homes.append(home)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "PYTHONPATH": str(REPO),
                "HOME": str(home / "home"),
                "XDG_STATE_HOME": str(home / "state"),
                "XDG_CONFIG_HOME": str(home / "config"),
                "XDG_DATA_HOME": str(home / "data"),
                "XDG_CACHE_HOME": str(home / "cache"),
                "ETRADE_CONSUMER_KEY": sim.consumer_key,
                "ETRADE_CONSUMER_SECRET": sim.consumer_secret,
                "ETRADE_BASE_URL": sim.url,
                "ETRADE_OAUTH_BASE_URL": sim.url,
                "ETRADE_AUTHORIZE_URL": sim.authorize_url,
                "ETRADE_TOKEN_KEY": key,
                "ETRADE_QUOTE_TTL": "0",
                "ETRADE_ACCOUNTS_TTL": "0",
                "ETRADE_READ_TIMEOUT": "20",
                **shared,
            }
            if clock is not None:
                env["MH_CLOCK"] = clock
            for _ in range(per_host):
                self.processes.append(HostProcess(f"host{h}", env, home / "home"))
        for p in self.processes:
            ready = p.receive()
            assert "ready" in ready, ready

    def on(self, host: int) -> list[HostProcess]:
        return [p for p in self.processes if p.host == f"host{host}"]

    def all(self, **cmd: Any) -> list[dict[str, Any]]:
        """``cmd`` on every process at once; the answers in process order."""
        for p in self.processes:
            p.send(**cmd)
        return [p.receive() for p in self.processes]

    def state_files(self) -> list[Path]:
        """Every file any host wrote in its own folders."""
        return [f for home in self.homes for f in home.rglob("*") if f.is_file()]

    def close(self) -> None:
        for p in self.processes:
            p.close()

"""Deliverable 3: ``etrade-sync doctor`` and ``client.health()``: every check at once,
each failure with its fix, against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import ssl
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

from etrade_sync import Client, EquityOrder, Settings
from etrade_sync.errors import OrderOutcomeUnknownError
from etrade_sync.simulator import Fault, Simulator
from tests.firsthour.conftest import Run, sim_env

NAMES = ["configuration", "consumer key", "token key", "token store", "API host (TLS)",
         "clock", "rate gate", "order journal", "connection pool"]  # fmt: skip


def doctor(cli: Run, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    done = cli("doctor", "--json", env=env)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    return done.returncode, {c["name"]: c for c in report["checks"]} | {"_ok": report["ok"]}


def logged_in(sim: Simulator, env: dict[str, str]) -> Client:
    client = Client(Settings.from_env(environ=env, dotenv_path=None))
    client.auth.use_token(*sim.issue_access_token())
    return client


class _SkewedHandler(BaseHTTPRequestHandler):
    skew = -600.0  # the server's clock is 10 minutes behind ours

    def date_time_string(self, timestamp: float | None = None) -> str:
        return formatdate(time.time() + self.skew, usegmt=True)

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def skewed_host() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SkewedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def untrusted_tls_host() -> Iterator[str]:
    cert = trustme.CA().issue_cert("127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SkewedHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_everything_passes_on_a_healthy_setup(sim: Simulator, tmp_path: Path, cli: Run) -> None:
    env = sim_env(sim, tmp_path, ETRADE_RATE_LIMIT_BACKEND=f"sqlite:///{tmp_path}/gate.sqlite3")
    logged_in(sim, env).close()
    code, checks = doctor(cli, env)
    assert code == 0, checks
    assert [name for name in checks if name != "_ok"] == NAMES
    assert all(checks[name]["ok"] for name in NAMES), checks
    text = cli("doctor", env=env)
    assert text.returncode == 0
    assert text.stdout.strip().endswith("all checks passed")


def test_every_failure_at_once_each_with_its_fix(sim: Simulator, tmp_path: Path, cli: Run) -> None:
    env = sim_env(sim, tmp_path)
    client = logged_in(sim, env)
    key = sim.accounts[0].account_id_key
    order = EquityOrder("IBM", "BUY", 1, price_type="LIMIT", limit_price=Decimal("1.00"))
    preview = client.orders.preview(key, order)
    sim.faults.script("/v1/accounts/*/orders/place*", Fault.commit_then_drop())
    with pytest.raises(OrderOutcomeUnknownError):
        client.orders.place(key, preview)
    client.close()
    os.chmod(env["ETRADE_TOKEN_FILE"], 0o644)
    env.update(
        ETRADE_QUOTE_TTL="soon",  # a wrong value: reported, the rest still checked
        ETRADE_RATE_LIMIT_BACKEND="redis://127.0.0.1:1/0",  # nothing listens there
    )
    code, checks = doctor(cli, env)
    assert code == 1
    assert checks["_ok"] is False
    failed = {name for name in NAMES if checks[name]["ok"] is False}
    assert failed == {"configuration", "token store", "rate gate", "order journal"}
    assert "ETRADE_QUOTE_TTL" in checks["configuration"]["detail"]
    assert "chmod 600" in checks["token store"]["fix"]
    assert "ETRADE_RATE_LIMIT_BACKEND" in checks["rate gate"]["fix"]
    assert "1 order call" in checks["order journal"]["detail"]
    assert "resolve" in checks["order journal"]["fix"]
    for name in failed:
        assert checks[name]["fix"], name


def test_clock_skew_and_missing_pieces(
    tmp_path: Path, cli: Run, skewed_host: str, sim: Simulator
) -> None:
    env = sim_env(sim, tmp_path, ETRADE_BASE_URL=skewed_host)  # its clock: 10 minutes off
    del env["ETRADE_TOKEN_KEY"], env["ETRADE_CONSUMER_SECRET"]
    code, checks = doctor(cli, env)
    assert code == 1
    assert checks["clock"]["ok"] is False
    skew = re.search(r"([+-]\d+) s off", checks["clock"]["detail"])
    assert skew and 595 <= int(skew.group(1)) <= 605, checks["clock"]
    assert "NTP" in checks["clock"]["fix"]
    assert checks["consumer key"]["ok"] is False
    assert "ETRADE_CONSUMER_SECRET" in checks["consumer key"]["detail"]
    assert checks["token key"]["ok"] is False
    assert "etrade-sync key" in checks["token key"]["fix"]


def test_tls_failure_is_reported(tmp_path: Path, cli: Run, untrusted_tls_host: str) -> None:
    with Simulator() as sim:
        env = sim_env(sim, tmp_path, ETRADE_BASE_URL=untrusted_tls_host)
    code, checks = doctor(cli, env)
    assert code == 1
    assert checks["API host (TLS)"]["ok"] is False
    assert "TLS" in checks["API host (TLS)"]["detail"]
    assert checks["clock"]["ok"] is None


def test_client_health_is_the_same_report(make_client: Any) -> None:
    from cryptography.fernet import Fernet

    health = make_client(token_key=Fernet.generate_key().decode()).health()
    assert [c.name for c in health.checks] == NAMES
    assert health.ok, str(health)
    assert health.to_dict()["ok"] is True
    assert "all checks passed" in str(health)
    pool = next(c for c in health.checks if c.name == "connection pool")
    assert re.search(
        r"http://127\.0\.0\.1:\d+: 1 open \(1 idle, 0 in use\), 1 created", pool.detail
    )

"""The issue's attack table, one test per row that the other files do not cover,
over real sockets: the typed error, the requests the server saw, the time taken
(within the limit plus one second) and the memory used.

Rows covered elsewhere: deep nesting, wrong shapes, invalid UTF-8, HTML and
``Error`` on 200 (test_hostile_decode.py, test_wrong_shapes.py); steered paths
(test_paths.py); the stopped SQLite holder (tests/ratelimit/test_stopped_holder.py);
32 waiters on a failing fetch (tests/cache/test_shared_failure.py); the
world-writable token directory (tests/auth/test_token_permissions.py).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time

import pytest

from etrade_sync.errors import NetworkError, RedirectError, ResponseTooLargeError
from tests.transport.hostile import (
    HostileServer,
    answer,
    client_for,
    endless,
    redirect,
    tls_trickle,
    trickle,
)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", ["http://203.0.113.9/v1/accounts/list", "FOREIGN"])
def test_redirects_are_never_followed(status: int, target: str) -> None:
    with HostileServer(answer(200, b'{"QuoteResponse": {}}')) as foreign:
        location = foreign.url + "/v1/market/quote/AAPL.json" if target == "FOREIGN" else target
        with HostileServer(redirect(status, location)) as server:
            client = client_for(server.url)
            try:
                with pytest.raises(RedirectError) as info:
                    client.market.quotes("AAPL")
            finally:
                client.close()
            assert server.count == 1  # a redirect is not retried either
        assert foreign.count == 0
    assert info.value.status == status
    assert str(status) in str(info.value)


def test_a_trickling_server_costs_at_most_connect_plus_read_timeout() -> None:
    with HostileServer(trickle(total=60, every=0.5)) as server:
        client = client_for(server.url, connect_timeout=2.0, read_timeout=2.0, max_retries=0)
        started = time.monotonic()
        try:
            with pytest.raises(NetworkError) as info:
                client.market.quotes("AAPL")
        finally:
            client.close()
        elapsed = time.monotonic() - started
    assert elapsed < 4.0 + 1.0
    assert server.count == 1
    assert "within 4.0 s" in str(info.value)


def test_a_tls_handshake_trickle_is_cut_at_the_same_limit() -> None:
    """(Python's TLS handshake also keeps one deadline of its own; the watch is
    attached before the TCP connect, so either ends it within the limit.)"""
    with HostileServer(tls_trickle(every=0.5), raw=True) as server:
        url = server.url.replace("http://", "https://")
        client = client_for(url, connect_timeout=1.0, read_timeout=1.0, max_retries=0)
        started = time.monotonic()
        try:
            with pytest.raises(NetworkError):
                client.market.quotes("AAPL")
        finally:
            client.close()
        elapsed = time.monotonic() - started
    assert elapsed < 2.0 + 1.0
    assert server.count == 1


def test_the_whole_call_has_a_deadline_across_retries_and_retry_after() -> None:
    def busy(conn: socket.socket, request: object) -> None:
        head = b"HTTP/1.1 503 X\r\nRetry-After: 2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        conn.sendall(head)

    with HostileServer(busy) as server:
        client = client_for(server.url, call_timeout=3.0, max_retries=10, retry_after_max=60)
        started = time.monotonic()
        try:
            with pytest.raises(NetworkError) as info:
                client.market.quotes("AAPL")
        finally:
            client.close()
        elapsed = time.monotonic() - started
    assert elapsed < 3.0 + 1.0
    assert server.count == 2  # t=0 and t=2; the next wait would end past 3 s
    assert "call deadline of 3 s" in str(info.value)


@pytest.mark.slow
def test_a_trickle_under_retries_still_ends_at_the_call_deadline() -> None:
    with HostileServer(trickle(total=60, every=0.5)) as server:
        client = client_for(
            server.url, connect_timeout=2.0, read_timeout=2.0, max_retries=5, call_timeout=5.0
        )
        started = time.monotonic()
        try:
            with pytest.raises(NetworkError):
                client.market.quotes("AAPL")
        finally:
            client.close()
        elapsed = time.monotonic() - started
    assert elapsed < 5.0 + 1.0
    assert server.count == 2  # 4 s, then what was left of the 5 s


GIB = 1 << 30
MEASURE = """
import json, resource, sys, time
from tests.transport.hostile import client_for
from etrade_sync.errors import ETradeError

def status(field):
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1])

client = client_for(sys.argv[1], max_retries=0)
client.market.quotes("MSFT")  # warm: imports, pool, first parse
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # the peak (VmHWM) starts again from here
started = time.monotonic()
try:
    client.market.quotes("AAPL")
    error = None
except ETradeError as exc:
    error = type(exc).__name__
print(json.dumps({"error": error, "growth_kib": status("VmHWM") - before,
                  "elapsed": time.monotonic() - started}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_a_1_gib_body_is_refused_with_bounded_memory(declared: bool) -> None:
    bodies = iter([answer(200, b'{"QuoteResponse": {}}'), endless(GIB, declared=declared)])

    def behaviour(conn: socket.socket, request: object) -> None:
        next(bodies)(conn, request)  # type: ignore[arg-type]

    with HostileServer(behaviour) as server:
        env = dict(os.environ, PYTHONPATH=os.getcwd())
        run = subprocess.run(
            [sys.executable, "-c", MEASURE, server.url],
            capture_output=True, text=True, timeout=120, env=env, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout.strip().splitlines()[-1])
        assert server.count == 2
    assert report["error"] == ResponseTooLargeError.__name__
    assert report["growth_kib"] < 100 * 1024, report


def test_an_unreachable_host_gives_one_warning_and_a_network_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = client_for(
        f"http://127.0.0.1:{port}", backoff_factor=0.05, backoff_jitter=0.0, circuit_failures=5
    )
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    try:
        with pytest.raises(NetworkError) as info:
            client.accounts.list()
    finally:
        client.close()
    assert time.monotonic() - started < 0.05 * (1 + 2 + 4 + 8) + 1.0
    assert info.value.sent is False
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(loud) == 1, [r.getMessage() for r in loud]
    assert loud[0].name == "etrade_sync" and "accounts.list" in loud[0].getMessage()
    assert not [r for r in caplog.records if r.name.startswith("urllib3") and r.levelno > 10]

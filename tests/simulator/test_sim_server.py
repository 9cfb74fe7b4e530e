"""The HTTP layer: keep-alive, faults, rate enforcement, the request log, routing, shutdown."""

from __future__ import annotations

import io
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import redirect_stdout
from typing import Any

import pytest
import requests

from etrade_sync.simulator import Fault, Simulator
from etrade_sync.simulator.__main__ import serve
from etrade_sync.simulator.testing import error_of, oauth_problem

RATE_TEXT = "Number of requests exceeded the rate limit set"


def test_sequential_requests_share_one_connection(api: Any) -> None:
    before = api.sim.log.connections_opened
    for _ in range(100):
        assert api.get("/v1/market/quote/AAPL.json").status_code == 200
    assert api.sim.log.connections_opened - before == 1
    assert {r.connection_id for r in api.sim.log.records()} == {api.sim.log.connections_opened}


def test_log_records_what_arrived(api: Any) -> None:
    api.get("/v1/market/quote/AAPL,MSFT.json", detailFlag="INTRADAY")
    record = api.sim.log.last()
    assert record.method == "GET"
    assert record.path == "/v1/market/quote/AAPL,MSFT"
    assert record.raw_path.startswith("/v1/market/quote/AAPL,MSFT.json?")
    assert record.query == {"detailFlag": "INTRADAY"}
    assert record.category == "market"
    assert record.status == 200
    assert record.consumer_key == api.sim.consumer_key
    assert record.token == api.token
    assert record.nonce and record.oauth_timestamp and record.fault is None
    assert api.sim.log.nonces() == [record.nonce]
    assert api.sim.log.hits("/v1/market/*") == 1
    assert api.sim.log.hits(category="orders") == 0
    api.sim.log.clear()
    assert api.sim.log.records() == []


def test_request_body_is_logged(api: Any, margin_key: str) -> None:
    api.put(f"/v1/accounts/{margin_key}/orders/cancel", {"CancelOrderRequest": {"orderId": 1}})
    record = api.sim.log.last(method="PUT")
    assert record.category == "orders"
    assert '"CancelOrderRequest"' in record.body


def test_status_fault_default_and_custom(api: Any) -> None:
    api.sim.faults.script(
        "/v1/accounts/list",
        Fault.status(503),
        Fault.status(
            500, body="<html>boom</html>", headers={"X-Test": "1"}, content_type="text/html"
        ),
    )
    first = api.get("/v1/accounts/list")
    assert first.status_code == 503
    assert error_of(first.text) is not None and error_of(first.text)[0] == 503
    second = api.get("/v1/accounts/list")
    assert (second.status_code, second.text, second.headers["X-Test"]) == (
        500,
        "<html>boom</html>",
        "1",
    )
    assert second.headers["Content-Type"] == "text/html"
    assert api.get("/v1/accounts/list").status_code == 200  # script used up
    assert [r.fault for r in api.sim.log.records()] == ["status", "status", None]
    assert api.sim.faults.pending() == 0


def test_throttle_and_too_many_faults(api: Any) -> None:
    api.sim.faults.script("/v1/market/quote/*", Fault.throttle(), Fault.too_many(retry_after=7))
    throttled = api.get("/v1/market/quote/AAPL")
    assert throttled.status_code == 400
    assert throttled.headers["Content-Type"].startswith("text/html")
    assert RATE_TEXT in throttled.text
    limited = api.get("/v1/market/quote/AAPL")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert api.get("/v1/market/quote/AAPL").status_code == 200


def test_fault_matches_method_and_path_without_query_or_json(api: Any, margin_key: str) -> None:
    api.sim.faults.script("/v1/accounts/*/orders", Fault.status(502), method="GET")
    assert api.get(f"/v1/accounts/{margin_key}/portfolio.json").status_code == 200
    assert api.get(f"/v1/accounts/{margin_key}/orders.json", count=5).status_code == 502


def test_drop_closes_the_connection_without_processing(api: Any, margin_key: str) -> None:
    api.sim.faults.script("/v1/accounts/*/orders/cancel", Fault.drop())
    with pytest.raises(requests.ConnectionError):
        api.put(f"/v1/accounts/{margin_key}/orders/cancel", {"CancelOrderRequest": {"orderId": 1}})
    record = api.sim.log.last()
    assert (record.status, record.fault, record.dropped) == (None, "drop", True)
    assert api.get("/v1/accounts/list").status_code == 200  # a fresh connection works


def test_commit_faults_process_the_request(api: Any) -> None:
    alert_id = api.sim.alerts[0].alert_id
    api.sim.faults.script(
        "/v1/user/alerts/*", Fault.commit_then_drop(), Fault.commit_then_status(502)
    )
    with pytest.raises(requests.ConnectionError):
        api.request("DELETE", f"/v1/user/alerts/{alert_id}")
    assert api.sim.alerts[0].status == "DELETED"
    second = api.request("DELETE", f"/v1/user/alerts/{api.sim.alerts[1].alert_id}")
    assert second.status_code == 502
    assert api.sim.alerts[1].status == "DELETED"


def test_delay_fault_then_normal_service(api: Any) -> None:
    api.sim.faults.script("/v1/accounts/list", Fault.delay(0.3), Fault.ok())
    started = time.monotonic()
    assert api.get("/v1/accounts/list").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert api.get("/v1/accounts/list").status_code == 200
    assert [r.fault for r in api.sim.log.records()] == ["delay", "ok"]


def test_random_faults_follow_rate_and_seed(sim: Simulator, make_api: Any) -> None:
    def pattern(seed: int) -> list[int]:
        with Simulator() as other:
            other.faults.random(0.5, [Fault.status(503)], seed=seed)
            client = make_api(other)
            return [client.get("/v1/accounts/list").status_code for _ in range(30)]

    first, again, different = pattern(1), pattern(1), pattern(2)
    assert first == again
    assert first != different
    assert 5 < first.count(503) < 25
    sim.faults.random(1.0, [Fault.status(500)], path_glob="/v1/market/*")
    client = make_api(sim)
    assert client.get("/v1/accounts/list").status_code == 200
    assert client.get("/v1/market/quote/AAPL").status_code == 500
    sim.faults.clear()
    assert client.get("/v1/market/quote/AAPL").status_code == 200


def test_rate_enforcement_throttles_and_counts(make_api: Any) -> None:
    with Simulator(enforce_rate_limits=True, rate_limits={"market": 3, "accounts": 2}) as sim:
        client = make_api(sim)
        statuses = [client.get("/v1/market/quote/AAPL").status_code for _ in range(8)]
        assert statuses[:3] == [200, 200, 200]
        assert 400 in statuses
        throttled = [r for r in sim.log.records() if r.throttled]
        assert len(throttled) == sim.log.throttled == statuses.count(400)
        assert sim.log.max_in_window("market") <= 3
        assert sim.log.max_in_window("market", admitted_only=False) > 3
        response = client.get("/v1/market/quote/AAPL")
        if response.status_code == 400:
            assert RATE_TEXT in response.text and response.headers["Content-Type"].startswith(
                "text/html"
            )
        # other categories have their own windows; OAuth is never limited
        assert client.get("/v1/accounts/list").status_code == 200
        assert all(client.get("/oauth/renew_access_token").status_code == 200 for _ in range(6))
        time.sleep(1.05)
        assert client.get("/v1/market/quote/AAPL").status_code == 200


def test_rate_enforcement_can_be_switched_at_runtime(api: Any) -> None:
    api.sim.enforce_rate_limits = True
    codes = [api.get("/v1/user/alerts").status_code for _ in range(4)]
    assert codes.count(400) == 2
    api.sim.enforce_rate_limits = False
    assert api.get("/v1/user/alerts").status_code == 200


def test_parallel_clients_never_exceed_the_enforced_limit(make_api: Any) -> None:
    with Simulator(enforce_rate_limits=True) as sim:
        clients = [make_api(sim) for _ in range(4)]

        def hammer(client: Any) -> None:
            for _ in range(6):
                client.get("/v1/market/quote/IBM")

        threads = [threading.Thread(target=hammer, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sim.log.hits(category="market") == 24
        assert sim.log.max_in_window("market") <= 4
        assert sim.log.throttled > 0


def test_unknown_paths_and_wrong_methods(api: Any, margin_key: str) -> None:
    missing = api.get("/v1/nothing/here.json")
    assert missing.status_code == 404 and error_of(missing.text) is not None
    wrong = api.request("DELETE", "/v1/accounts/list.json")
    assert wrong.status_code == 405
    assert "GET" in wrong.headers["Allow"]
    post_to_get = api.request("POST", f"/v1/accounts/{margin_key}/balance.json")
    assert post_to_get.status_code == 405
    assert requests.get(f"{api.sim.url}/favicon.ico", timeout=5).status_code == 404


def test_format_follows_suffix_or_accept_header(api: Any) -> None:
    xml = api.get("/v1/accounts/list")
    assert xml.headers["Content-Type"] == "application/xml"
    assert xml.text.startswith("<?xml") and "<AccountListResponse>" in xml.text
    by_header = api.request("GET", "/v1/accounts/list", headers={"Accept": "application/json"})
    assert by_header.headers["Content-Type"] == "application/json"
    assert "AccountListResponse" in by_header.json()
    xml_error = api.get("/v1/accounts/nope/balance", instType="BROKERAGE")
    assert error_of(xml_error.text) == error_of(
        api.get("/v1/accounts/nope/balance.json", instType="BROKERAGE").text
    )


def test_stop_is_prompt_and_closes_keepalive_connections(make_api: Any) -> None:
    sim = Simulator().start()
    client = make_api(sim)
    assert client.get("/v1/accounts/list").status_code == 200  # leaves a kept-alive socket
    port = sim.port
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2
    assert not sim.running
    with pytest.raises(requests.ConnectionError):
        client.get("/v1/accounts/list")
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_oauth_fault_and_date_header(api: Any) -> None:
    api.sim.faults.script("/oauth/renew_access_token", Fault.oauth())
    response = api.get("/oauth/renew_access_token")
    assert (response.status_code, oauth_problem(response.text)) == (401, "token_rejected")
    assert api.sim.renew_count == 0
    assert "GMT" in response.headers["Date"]


def test_command_line_serves_until_stopped() -> None:
    stop = threading.Event()
    output = io.StringIO()
    result: list[int] = []

    def run() -> None:
        with redirect_stdout(output):
            result.append(
                serve(
                    ["--port", "0", "--consumer-key", "ck123", "--consumer-secret", "cs456"],
                    stop_event=stop,
                )
            )

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 5
    while "listening on" not in output.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    text = output.getvalue()
    url = text.split("listening on ", 1)[1].split()[0]
    assert requests.get(f"{url}/v1/accounts/list", timeout=5).status_code == 401
    stop.set()
    thread.join(5)
    assert result == [0]
    assert "ck123" in text and "cs456" in text and "local simulator only" in text
    assert serve(["--consumer-key", "only-key"]) == 2


def _numbers(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    if isinstance(value, float):
        return [value]
    return []


def test_json_numbers_carry_at_most_four_decimals(api: Any, margin_key: str) -> None:
    paths = [
        f"/v1/accounts/{margin_key}/balance.json?instType=BROKERAGE",
        f"/v1/accounts/{margin_key}/portfolio.json?view=COMPLETE&totalsRequired=true&lotsRequired=true",
        f"/v1/accounts/{margin_key}/transactions.json",
        "/v1/market/quote/AAPL,KO,VFIAX.json",
        "/v1/market/optionchains.json?symbol=IBM&noOfStrikes=4",
    ]
    for path in paths:
        response = api.request("GET", path)
        assert response.status_code == 200, (path, response.text)
        for number in _numbers(response.json()):
            assert round(number, 4) == number, (path, number)


def test_module_runs_in_the_foreground_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "etrade_sync.simulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.split("listening on ", 1)[1].strip()
        assert requests.get(f"{url}/v1/accounts/list", timeout=5).status_code == 401
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_restart_keeps_the_port_and_the_state(make_api: Any) -> None:
    sim = Simulator().start()
    try:
        client = make_api(sim)
        alert_id = sim.alerts[0].alert_id
        assert client.request("DELETE", f"/v1/user/alerts/{alert_id}").status_code == 200
        url = sim.url
        sim.stop()
        sim.stop()  # idempotent
        sim.start()
        assert sim.url == url
        assert client.get("/v1/user/alerts.json", status="DELETED").status_code == 200
    finally:
        sim.stop()

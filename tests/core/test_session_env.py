"""The proxy and CA-bundle environment, read once per session, still reaches every request."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trustme

from etrade_sync.client import Client
from tests.safety.test_tls import client_for, serve_tls


class Proxy(ThreadingHTTPServer):
    """A forwarding HTTP proxy on 127.0.0.1 that records the URLs it was asked for."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.seen: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def _forward(self) -> None:
        self.server.seen.append(self.path)
        target = urlsplit(self.path)  # a proxy is asked for the absolute URL
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in {"content-length", "connection", "transfer-encoding"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_http_proxy_from_the_environment_carries_every_call(
    proxy: Proxy, no_proxy_env: pytest.MonkeyPatch, make_client: Callable[..., Client]
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", proxy.url)
    client = make_client(quote_ttl=0)
    for _ in range(3):
        assert client.market.quote("AAPL").symbol == "AAPL"
    quote_calls = [url for url in proxy.seen if "/v1/market/quote/AAPL" in url]
    assert len(quote_calls) == 3


def test_no_proxy_sends_that_host_directly(
    proxy: Proxy, no_proxy_env: pytest.MonkeyPatch, make_client: Callable[..., Client]
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", proxy.url)
    no_proxy_env.setenv("NO_PROXY", "127.0.0.1,localhost")
    client = make_client(quote_ttl=0)
    assert client.market.quote("AAPL").symbol == "AAPL"
    assert proxy.seen == []


def test_the_environment_is_read_when_the_client_is_built(
    proxy: Proxy, no_proxy_env: pytest.MonkeyPatch, make_client: Callable[..., Client]
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", proxy.url)
    client = make_client(quote_ttl=0)
    no_proxy_env.delenv("HTTP_PROXY")
    assert client.market.quote("AAPL").symbol == "AAPL"
    assert any("/v1/market/quote/AAPL" in url for url in proxy.seen)
    assert make_client(quote_ttl=0).market.quote("MSFT").symbol == "MSFT"
    assert not any("/v1/market/quote/MSFT" in url for url in proxy.seen)


def test_curl_ca_bundle_is_honoured(no_proxy_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server, url = serve_tls(ca, "127.0.0.1")
    no_proxy_env.delenv("REQUESTS_CA_BUNDLE", raising=False)
    no_proxy_env.setenv("CURL_CA_BUNDLE", str(ca_file))
    try:
        client = client_for(url)
        for _ in range(2):
            assert [a.account_id_key for a in client.accounts.list()] == ["k1"]
    finally:
        server.shutdown()

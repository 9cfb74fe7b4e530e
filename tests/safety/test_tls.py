"""Transport security: verified https, TLS 1.2 minimum, bad certificates refused."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme

from etrade_sync import Settings
from etrade_sync.client import Client
from etrade_sync.errors import NetworkError
from etrade_sync.ratelimit import RateGate
from etrade_sync.transport.session import build_session

ACCOUNTS = {"AccountListResponse": {"Accounts": {"Account": [{"accountIdKey": "k1"}]}}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps(ACCOUNTS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve_tls(
    ca: trustme.CA, *names: str, maximum: ssl.TLSVersion | None = None
) -> tuple[ThreadingHTTPServer, str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    if maximum is not None:
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.maximum_version = maximum
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"https://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def client_for(url: str) -> Client:
    settings = Settings(consumer_key="k" * 20, consumer_secret="s" * 20, base_url=url,
                        max_retries=0, connect_timeout=2, read_timeout=2)  # fmt: skip
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
    client.auth.use_token("token", "secret")
    return client


@pytest.fixture
def good_server(ca: trustme.CA) -> Iterator[str]:
    server, url = serve_tls(ca, "127.0.0.1", "localhost")
    yield url
    server.shutdown()


def test_untrusted_certificate_is_refused(good_server: str) -> None:
    client = client_for(good_server)
    with pytest.raises(NetworkError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify"):
        client.accounts.list()


def test_trusted_certificate_works(
    good_server: str, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)
    client = client_for(good_server)
    assert [a.account_id_key for a in client.accounts.list()] == ["k1"]


def test_certificate_for_another_host_is_refused(
    ca: trustme.CA, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, url = serve_tls(ca, "api.example.com")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)
    try:
        with pytest.raises(NetworkError, match=r"match|mismatch|hostname"):
            client_for(url).accounts.list()
    finally:
        server.shutdown()


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
def test_tls_older_than_1_2_is_refused(
    ca: trustme.CA, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = build_session(Settings())
    context = session.get_adapter("https://x").poolmanager.connection_pool_kw["ssl_context"]
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED
    try:
        server, url = serve_tls(ca, "127.0.0.1", maximum=ssl.TLSVersion.TLSv1_1)
    except ssl.SSLError:
        pytest.skip("this OpenSSL cannot serve TLS 1.1 at all")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)
    try:
        with pytest.raises(NetworkError):
            client_for(url).accounts.list()
    finally:
        server.shutdown()

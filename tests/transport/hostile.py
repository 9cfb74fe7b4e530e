"""A misbehaving HTTP server on 127.0.0.1 for the transport's hostile-peer tests.

Every request is recorded (method and the raw path as received, before any
decoding) and answered by a *behaviour*: a function that writes whatever bytes
it likes to the socket. The helpers below build the behaviours the tests need:
a fixed answer, a trickle, an endless body generated on the fly, a redirect.
One request per connection (``Connection: close``), so counting is exact.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from etrade_sync import Settings
from etrade_sync.client import Client
from etrade_sync.ratelimit import RateGate

__all__ = [
    "HostileServer",
    "Received",
    "answer",
    "client_for",
    "endless",
    "redirect",
    "tls_trickle",
    "trickle",
]


@dataclass(frozen=True)
class Received:
    method: str
    path: str  # raw request target, query included, exactly as sent


Behaviour = Callable[[socket.socket, Received], None]


def _head(status: int, headers: dict[str, str], length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status} X"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(
    status: int = 200,
    body: bytes | str = b"",
    content_type: str = "application/json",
    *,
    delay: float = 0.0,
) -> Behaviour:
    """A plain, complete answer (after ``delay`` seconds)."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body

    def run(conn: socket.socket, request: Received) -> None:
        time.sleep(delay)
        conn.sendall(_head(status, {"Content-Type": content_type}, len(data)) + data)

    return run


def trickle(total: int = 60, every: float = 0.5) -> Behaviour:
    """Send a valid-looking answer one byte every ``every`` seconds (never idle long
    enough for a read timeout)."""

    def run(conn: socket.socket, request: Received) -> None:
        data = _head(200, {"Content-Type": "application/json"}, None) + b"{" + b" " * total
        for byte in data[:total]:
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return run


def endless(size: int, chunk: int = 1 << 20, *, declared: bool = True) -> Behaviour:
    """A 200 whose JSON body is ``size`` bytes, generated as it is sent (with a
    Content-Length, or ended only by closing the connection)."""

    def run(conn: socket.socket, request: Received) -> None:
        length = size if declared else None
        conn.sendall(_head(200, {"Content-Type": "application/json"}, length))
        block = b"[" + b"0," * (chunk // 2)
        sent = 0
        while sent < size:
            piece = block[: min(chunk, size - sent)]
            conn.sendall(piece)
            sent += len(piece)

    return run


def tls_trickle(every: float = 0.5) -> Behaviour:
    """Answer a TLS ClientHello with the header of a 16 KiB handshake record, then
    its bytes one at a time: the handshake never completes, the socket never idles."""

    def run(conn: socket.socket, request: Received) -> None:
        conn.sendall(b"\x16\x03\x03\x40\x00")
        for _ in range(200):
            conn.sendall(b"\x00")
            time.sleep(every)

    return run


def redirect(status: int, location: str) -> Behaviour:
    def run(conn: socket.socket, request: Received) -> None:
        head = _head(status, {"Location": location, "Content-Type": "text/plain"}, 0)
        conn.sendall(head)

    return run


class HostileServer:
    """``with HostileServer(behaviour) as server:`` ... ``server.url``, ``server.received``."""

    def __init__(self, behaviour: Behaviour, *, raw: bool = False) -> None:
        self.behaviour = behaviour
        self.raw = raw  # behaviour runs at accept, before any byte is read
        self.received: list[Received] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def count(self) -> int:
        return len(self.received)

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            worker.start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            try:
                if self.raw:
                    request = Received("", "")
                    self.received.append(request)
                    self.behaviour(conn, request)
                    return
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        return
                    data += piece
                head, _, rest = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target = lines[0].split(" ")[:2]
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                while len(rest) < length:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    rest += piece
                request = Received(method, target)
                self.received.append(request)
                self.behaviour(conn, request)
            except OSError:
                return


def client_for(url: str, **overrides: Any) -> Client:
    """A logged-in client (memory token) pointed at ``url``, with an unlimited gate."""
    values: dict[str, Any] = {
        "consumer_key": "hostile-key",
        "consumer_secret": "hostile-secret",
        "base_url": url,
        "oauth_base_url": url,
        "token_store": "memory",
        "rate_limits": dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited"),
        "backoff_factor": 0.01,
        "backoff_jitter": 0.0,
        "circuit_failures": 0,
        "accounts_ttl": 0,
        "quote_ttl": 0,
        "balance_ttl": 0,
        "throttle_pause": 0.0,
    }
    values.update(overrides)
    settings = Settings(**values)
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
    client.auth.use_token("hostile-token", "hostile-token-secret")
    return client

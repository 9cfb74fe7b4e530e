"""
etrade_sync.transport.limits
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the hard limits of one attempt, whatever the peer does:

- **time**: requests' timeouts bound each *wait* for a byte, so a server that
  trickles one byte every few seconds never trips them. :func:`attempt_limit`
  arms a watchdog for the attempt; the connection classes of the transport's
  adapter (:class:`WatchedHTTPConnection`, :class:`WatchedHTTPSConnection`)
  register their socket with it, and when the attempt's time is up the watchdog
  shuts that socket down, which ends any blocked read at once.
- **size**: :func:`read_body` streams the answer and stops past a cap, so a
  huge (or endless, or decompression-bomb) body never fills memory.

One daemon thread serves every watch of the process; nothing is global besides.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection

__all__ = [
    "AttemptWatch",
    "BodyTooLarge",
    "WatchedHTTPConnection",
    "WatchedHTTPSConnection",
    "attempt_limit",
    "read_body",
]

_CHUNK = 64 * 1024
#: How soon the watchdog looks again at an expired attempt that had no socket yet.
_RECHECK = 0.02


class AttemptWatch:
    """One attempt's deadline and the connection it is using."""

    __slots__ = ("connection", "deadline", "expired", "limit")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.deadline = time.monotonic() + limit
        self.expired = False
        self.connection: Any = None

    def cut(self) -> bool:
        """Time is up: shut the socket down so a blocked read returns now. False
        when the connection has no socket yet (the watchdog tries again shortly).

        Called with the watchdog's lock held (or by the attempt's own thread)."""
        self.expired = True
        if self.connection is _DONE:
            return True
        sock = getattr(self.connection, "sock", None)
        if sock is None:
            return False
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        return True


class _Watchdog:
    """A single thread that cuts watches whose deadline has passed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._cond = threading.Condition(self.lock)
        self._heap: list[tuple[float, int, AttemptWatch]] = []
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, watch: AttemptWatch) -> None:
        with self._cond:
            heapq.heappush(self._heap, (watch.deadline, next(self._ids), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="etrade_sync-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                while not self._heap:
                    self._cond.wait()
                deadline, _, watch = self._heap[0]
                if watch.connection is _DONE:
                    heapq.heappop(self._heap)
                    continue
                now = time.monotonic()
                if deadline > now:
                    self._cond.wait(deadline - now)
                    continue
                heapq.heappop(self._heap)
                if not watch.cut():  # connecting: no socket to cut yet
                    heapq.heappush(self._heap, (now + _RECHECK, next(self._ids), watch))


_DONE = object()
_watchdog = _Watchdog()
_current = threading.local()


@contextlib.contextmanager
def attempt_limit(seconds: float) -> Iterator[AttemptWatch]:
    """Bound everything inside (connect, send, headers, body) to ``seconds``."""
    watch = AttemptWatch(seconds)
    _watchdog.add(watch)
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    try:
        yield watch
    finally:
        _current.watch = previous
        _release(watch)


def _release(watch: AttemptWatch) -> None:
    """The attempt no longer uses its connection (it may go back to the pool)."""
    with _watchdog.lock:
        watch.connection = _DONE


def _attach(connection: Any) -> None:
    watch: AttemptWatch | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.connection = connection
        if watch.expired or time.monotonic() >= watch.deadline:
            watch.cut()


class WatchedHTTPConnection(HTTPConnection):
    """urllib3's connection, registered with the running attempt's watch."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)
        super().request(*args, **kwargs)

    def _new_conn(self) -> Any:
        _attach(self)  # before the TCP connect and the TLS handshake
        return super()._new_conn()


class WatchedHTTPSConnection(HTTPSConnection):
    """urllib3's TLS connection, registered with the running attempt's watch."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)
        super().request(*args, **kwargs)

    def _new_conn(self) -> Any:
        _attach(self)  # before the TCP connect and the TLS handshake
        return super()._new_conn()


class BodyTooLarge(Exception):
    """Raised by :func:`read_body` past the cap (the caller types it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def read_body(response: requests.Response, limit: int) -> bytes:
    """Read a streamed ``response``'s (decoded) body, at most ``limit`` bytes.

    Past the cap the connection is closed (never reused) and :class:`BodyTooLarge`
    is raised; otherwise the body is stored on the response as if read normally.
    """
    declared = response.headers.get("Content-Length", "")
    if (
        declared.isdigit()
        and int(declared) > limit
        and not response.headers.get("Content-Encoding")
    ):
        response.close()
        raise BodyTooLarge(limit)
    buffer = bytearray()
    for chunk in response.iter_content(_CHUNK):
        if len(buffer) + len(chunk) > limit:
            del buffer
            response.raw.close()
            response.close()
            raise BodyTooLarge(limit)
        buffer += chunk
    body = bytes(buffer)
    response._content = body
    response._content_consumed = True  # type: ignore[attr-defined]
    watch: AttemptWatch | None = getattr(_current, "watch", None)
    if watch is not None:
        _release(watch)  # before the connection can serve another thread
    response.close()  # consumed: hands the connection back to the pool
    return body

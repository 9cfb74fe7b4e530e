"""The request log: every request that reached the simulator, as it arrived."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

__all__ = ["RequestLog", "RequestRecord"]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator saw it.

    ``time`` is ``time.monotonic()`` at arrival, ``path`` has neither query nor ``.json``,
    ``status`` is the status answered (``None`` while in flight or when the connection was
    dropped) and ``fault`` names the injected fault that answered it, if any.
    """

    seq: int
    time: float
    wall_time: float
    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    category: str
    connection_id: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    nonce: str | None = None
    oauth_timestamp: str | None = None
    consumer_key: str | None = None
    token: str | None = None
    status: int | None = None
    fault: str | None = None
    throttled: bool = False
    oauth_problem: str | None = None
    dropped: bool = False


def _matches(
    rec: RequestRecord, path_glob: str | None, method: str | None, category: str | None
) -> bool:
    if path_glob is not None and not fnmatchcase(rec.path, path_glob):
        return False
    if method is not None and rec.method != method.upper():
        return False
    return category is None or rec.category == category


class RequestLog:
    """Thread-safe record of requests, with helpers for rate and replay checks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[int, RequestRecord] = {}
        self._seq = 0
        self._connections = 0
        self._throttled = 0

    # -- writing (used by the server) -------------------------------------------------

    def add(self, record: RequestRecord) -> int:
        """Store ``record`` (its ``seq`` is replaced) and return its sequence number."""
        with self._lock:
            self._seq += 1
            self._records[self._seq] = dataclasses.replace(record, seq=self._seq)
            return self._seq

    def update(self, seq: int, **changes: object) -> None:
        """Change fields of a stored record; ignored if the log was cleared meanwhile."""
        with self._lock:
            old = self._records.get(seq)
            if old is not None:
                self._records[seq] = dataclasses.replace(old, **changes)  # type: ignore[arg-type]

    def count_connection(self) -> int:
        """Count a newly accepted TCP connection and return its id."""
        with self._lock:
            self._connections += 1
            return self._connections

    def count_throttled(self) -> None:
        with self._lock:
            self._throttled += 1

    # -- reading ------------------------------------------------------------------------

    def records(
        self,
        path_glob: str | None = None,
        method: str | None = None,
        category: str | None = None,
    ) -> list[RequestRecord]:
        """Records in arrival order, optionally filtered (``fnmatch`` on ``path``)."""
        with self._lock:
            items = list(self._records.values())
        return [r for r in items if _matches(r, path_glob, method, category)]

    def hits(
        self,
        path_glob: str | None = None,
        method: str | None = None,
        category: str | None = None,
    ) -> int:
        """How many requests matched."""
        return len(self.records(path_glob, method, category))

    def last(self, path_glob: str | None = None, method: str | None = None) -> RequestRecord:
        """The most recent matching record (raises ``LookupError`` when there is none)."""
        found = self.records(path_glob, method)
        if not found:
            raise LookupError(f"no request matched {path_glob!r} {method or ''}".strip())
        return found[-1]

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted since the server started (not reset by ``clear``)."""
        with self._lock:
            return self._connections

    @property
    def throttled(self) -> int:
        """Requests refused by rate-limit enforcement."""
        with self._lock:
            return self._throttled

    def nonces(self) -> list[str]:
        """The OAuth nonces of all logged requests, in arrival order."""
        return [r.nonce for r in self.records() if r.nonce is not None]

    def duplicate_nonces(self) -> int:
        """How many requests carried a (consumer key, timestamp, nonce) already seen."""
        seen: set[tuple[str | None, str | None, str]] = set()
        dups = 0
        for rec in self.records():
            if rec.nonce is None:
                continue
            key = (rec.consumer_key, rec.oauth_timestamp, rec.nonce)
            if key in seen:
                dups += 1
            seen.add(key)
        return dups

    def max_in_window(
        self, category: str, window: float = 1.0, *, admitted_only: bool = True
    ) -> int:
        """Largest number of requests of ``category`` arriving in any ``[t, t + window)``."""
        times = sorted(
            r.time for r in self.records(category=category) if not (admitted_only and r.throttled)
        )
        best = 0
        end = 0
        for start, t0 in enumerate(times):
            end = max(end, start)
            while end < len(times) and times[end] < t0 + window:
                end += 1
            best = max(best, end - start)
        return best

    def clear(self) -> None:
        """Forget all records and the throttled count (connection count is kept)."""
        with self._lock:
            self._records.clear()
            self._throttled = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

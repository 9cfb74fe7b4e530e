"""Fault injection: scripted or random misbehaviour for matching requests.

Faults run after OAuth verification and rate-limit enforcement, so a request answered by
a fault has already used up its nonce.
"""

from __future__ import annotations

import random as _random
import threading
from collections import deque
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from .codes import DUPLICATE_CLIENT_ORDER_ID_CODE

__all__ = ["Fault", "FaultPlan"]


@dataclass(frozen=True)
class Fault:
    """One injected behaviour. Build with the class methods, e.g. ``Fault.drop()``."""

    kind: str
    code: int = 0
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"
    seconds: float = 0.0
    problem: str = ""

    @property
    def name(self) -> str:
        return self.kind

    @property
    def processes_request(self) -> bool:
        """Whether the endpoint still runs (state changes happen) under this fault."""
        return self.kind in {"ok", "delay", "commit_then_drop", "commit_then_status"}

    @classmethod
    def ok(cls) -> Fault:
        """Serve the request normally (useful as a placeholder in a script)."""
        return cls("ok")

    @classmethod
    def status(
        cls,
        code: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Fault:
        """Answer ``code`` without processing. ``body`` may be a dict, str or bytes."""
        return cls(
            "status",
            code=code,
            body=body,
            headers=tuple((headers or {}).items()),
            content_type=content_type,
        )

    @classmethod
    def throttle(cls) -> Fault:
        """E*TRADE's rate-limit answer: 400 text/html, request not processed."""
        return cls("throttle", code=400)

    @classmethod
    def too_many(cls, retry_after: int = 1) -> Fault:
        """429 with a ``Retry-After`` header, request not processed."""
        return cls("too_many", code=429, headers=(("Retry-After", str(retry_after)),))

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without answering; the request is not processed."""
        return cls("drop")

    @classmethod
    def commit_then_drop(cls) -> Fault:
        """Process the request fully, then close the connection without answering."""
        return cls("commit_then_drop")

    @classmethod
    def commit_then_status(cls, code: int = 503) -> Fault:
        """Process the request fully, then answer ``code`` with an Error body."""
        return cls("commit_then_status", code=code)

    @classmethod
    def redirect(cls, code: int = 307, location: str = "http://127.0.0.1:9/") -> Fault:
        """Answer a redirect (``code`` 301/302/303/307/308) to ``location``, not processed."""
        if not 300 <= code < 400:
            raise ValueError("a redirect code is 3xx")
        return cls("status", code=code, body="", headers=(("Location", location),))

    @classmethod
    def duplicate(cls) -> Fault:
        """E*TRADE's refusal of a reused clientOrderId (400, code 1079), not processed."""
        return cls(
            "status",
            code=400,
            body={
                "Error": {
                    "code": DUPLICATE_CLIENT_ORDER_ID_CODE,
                    "message": "The client order id has already been used for an order "
                    "in this account.",
                }
            },
        )

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Sleep ``seconds``, then serve normally."""
        return cls("delay", seconds=float(seconds))

    @classmethod
    def oauth(cls, problem: str = "token_rejected") -> Fault:
        """401 HTML page carrying ``oauth_problem=<problem>``."""
        return cls("oauth", code=401, problem=problem)


def _method_matches(wanted: str | None, method: str) -> bool:
    return wanted is None or wanted.upper() == method.upper()


@dataclass
class _Script:
    path_glob: str
    method: str | None
    queue: deque[Fault]


@dataclass
class _RandomRule:
    rate: float
    kinds: list[Fault]
    path_glob: str
    method: str | None
    rng: _random.Random = field(repr=False, default_factory=_random.Random)


class FaultPlan:
    """The faults waiting for requests (``sim.faults``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: list[_Script] = []
        self._random: list[_RandomRule] = []
        self._fired: list[tuple[str, str, str]] = []

    def script(self, path_glob: str, *faults: Fault, method: str | None = None) -> None:
        """Queue ``faults`` for requests whose path matches ``path_glob``, one each."""
        for fault in faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"expected Fault, got {fault!r}")
        with self._lock:
            self._scripts.append(_Script(path_glob, method, deque(faults)))

    def random(
        self,
        rate: float,
        kinds: list[Fault],
        *,
        seed: int = 0,
        path_glob: str = "/v1/*",
        method: str | None = None,
    ) -> None:
        """Give each matching request a fault from ``kinds`` with probability ``rate``."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if not kinds:
            raise ValueError("kinds must name at least one Fault")
        with self._lock:
            self._random.append(
                _RandomRule(rate, list(kinds), path_glob, method, _random.Random(seed))
            )

    def clear(self) -> None:
        """Drop every scripted and random fault."""
        with self._lock:
            self._scripts.clear()
            self._random.clear()

    def pending(self) -> int:
        """Scripted faults not yet consumed."""
        with self._lock:
            return sum(len(s.queue) for s in self._scripts)

    @property
    def fired(self) -> list[tuple[str, str, str]]:
        """(method, path, fault name) of every fault handed out so far."""
        with self._lock:
            return list(self._fired)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any (consumes a scripted one)."""
        with self._lock:
            chosen: Fault | None = None
            for script in self._scripts:
                if (
                    script.queue
                    and fnmatchcase(path, script.path_glob)
                    and _method_matches(script.method, method)
                ):
                    chosen = script.queue.popleft()
                    break
            if chosen is None:
                for rule in self._random:
                    if fnmatchcase(path, rule.path_glob) and _method_matches(rule.method, method):
                        if rule.rng.random() < rule.rate:
                            chosen = rule.rng.choice(rule.kinds)
                        break
            self._scripts = [s for s in self._scripts if s.queue]
            if chosen is not None:
                self._fired.append((method.upper(), path, chosen.kind))
            return chosen

"""
etrade_sync.transport.seams
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`Call`, one API call as the endpoint groups hand it
to the transport, and what the transport needs from the rest of the client, as
Protocols: the token guard (``auth``), the permit gate (``ratelimit``), the
circuit breaker (:mod:`.breaker`) and the metrics recorder (``observe``), with
null objects (:data:`NO_GUARD`, :data:`NO_BREAKER`, :data:`NO_RECORDER`) for the
parts a transport runs without, so the request loop never asks ``is None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import AuthenticationError

__all__ = [
    "NO_BREAKER",
    "NO_GUARD",
    "NO_RECORDER",
    "Breaker",
    "Call",
    "PermitGate",
    "Recorder",
    "TokenGuard",
]


@dataclass(frozen=True)
class Call:
    """One API call: what to send and how it may be treated.

    ``safe`` means the call may be repeated (reads). An unsafe call is sent at
    most once after it may have reached the server.
    """

    method: str
    path: str
    name: str
    category: str
    safe: bool
    params: Mapping[str, Any] | None = None
    json: Any = None
    base: str = "api"
    signed: bool = True


class TokenGuard(Protocol):
    """The token lifecycle as the transport sees it (implemented in ``auth``)."""

    def before_request(self) -> Any:
        """The signer for one attempt (a requests auth callable carrying the token it
        signs with); renews first when idle time nears the limit; raises when a
        login is required."""

    def after_success(self) -> None:
        """Record that the token was just used successfully."""

    def on_rejected(self, error: AuthenticationError, signer: Any) -> bool:
        """Handle a 401 for the attempt signed by ``signer``; return True when the
        token was renewed and a retry may work."""


class PermitGate(Protocol):
    """The rate gate as the transport sees it (implemented in ``ratelimit``)."""

    def acquire(self, category: str, *, timeout: float | None = None) -> float:
        """Block until a permit for ``category`` is granted; return the seconds waited."""


class Breaker(Protocol):
    """The circuit breaker as the transport sees it (:mod:`.breaker`)."""

    def before_call(self, name: str) -> None: ...
    def record_success(self, name: str) -> None: ...
    def record_failure(self, name: str) -> None: ...


class Recorder(Protocol):
    """Per-call metrics as the transport sees them (``observe.metrics``)."""

    def record(
        self, name: str, *, latency: float, error: str | None, retries: int, status: int | None
    ) -> None: ...


class _NoGuard:
    """No token manager: nothing to check, nothing to renew."""

    def before_request(self) -> Any:
        return None

    def after_success(self) -> None:
        return None

    def on_rejected(self, error: AuthenticationError, signer: Any) -> bool:
        return False


class _NoBreaker:
    def before_call(self, name: str) -> None:
        return None

    def record_success(self, name: str) -> None:
        return None

    def record_failure(self, name: str) -> None:
        return None


class _NoRecorder:
    def record(
        self, name: str, *, latency: float, error: str | None, retries: int, status: int | None
    ) -> None:
        return None


NO_GUARD: TokenGuard = _NoGuard()
NO_BREAKER: Breaker = _NoBreaker()
NO_RECORDER: Recorder = _NoRecorder()

"""
etrade_sync.transport.core
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`Transport`, the only place that talks HTTP. Every
call goes through the same steps, once per attempt::

    token   lifecycle check (renew when idle nears 2 h; refuse past midnight ET)
    gate    a permit from the rate gate for the call's category
    send    session.request(): the OAuth1 auth object signs now (fresh nonce);
            connect, send, headers and body all within connect_timeout +
            read_timeout (:mod:`.limits`), the body streamed under a size cap
    decide  :func:`.policy.decide`, a pure function, says: done, retry after d,
            renew then retry, or raise; a retry goes back to "token", so each
            attempt has its own permit and signature, all within call_timeout
    decode  JSON; 204 or an empty body is None; errors become typed exceptions

The breaker, the metrics recorder and the token guard are Protocols; absent
ones are null objects, so the loop has no ``is None`` branches.

Each :class:`Call` says whether it is safe to repeat. Unsafe calls are never
sent twice once they may have reached the server: a failure then says whether
the request may have been received (:attr:`NetworkError.sent
<etrade_sync.errors.NetworkError>`), and the caller (for orders, the
:mod:`etrade_sync.orders` package) decides what that means. Redirects are never
followed: every request goes out with ``allow_redirects=False`` and a 3xx answer
raises :class:`~etrade_sync.errors.RedirectError`. The transport knows nothing
about orders.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

import requests
from urllib3.exceptions import (
    HTTPError,
)
from urllib3.util.retry import Retry

from ..config import Settings, _check_url
from ..errors import ETradeError, NetworkError, ServerError
from ..observe.jsonlog import call_fields, log_call
from ..observe.redact import redact_path
from . import decode
from .clock import SkewWatch
from .failures import log_failure, network_failure, note_renewed, redirect_error, too_large
from .limits import BodyTooLarge, attempt_limit, read_body
from .paths import check_path
from .policy import (
    RETRY_STATUSES,
    AttemptState,
    Done,
    Raise,
    Renew,
    RetryAfter,
    RetryPolicy,
    decide,
)
from .seams import (
    NO_BREAKER,
    NO_GUARD,
    NO_RECORDER,
    Breaker,
    Call,
    PermitGate,
    Recorder,
    TokenGuard,
)

__all__ = [
    "Breaker",
    "Call",
    "PermitGate",
    "Recorder",
    "TokenGuard",
    "Transport",
    "check_path",
    "make_retry",
]

log = logging.getLogger("etrade_sync")

_ACCEPT = {"Accept": "application/json"}


def make_retry(settings: Settings) -> Retry:
    """The retry numbers as a urllib3 :class:`Retry` value object (kept for
    callers that inspect it; the transport decides with :func:`.policy.decide`
    and uses this only to parse ``Retry-After``).
    """
    return Retry(
        total=settings.max_retries,
        connect=settings.max_retries,
        read=settings.max_retries,
        status=settings.max_retries,
        other=0,
        redirect=0,
        allowed_methods=None,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.backoff_factor,
        backoff_jitter=settings.backoff_jitter,
        backoff_max=settings.backoff_max,
        respect_retry_after_header=True,
        retry_after_max=int(settings.retry_after_max),
        raise_on_status=False,
    )


@dataclass
class _Tried:
    """What one attempt produced: the answer (if any), its typed error, and the
    ``Retry-After`` it asked for."""

    response: requests.Response | None
    error: ETradeError | None
    retry_after: float | None = None
    gate_wait: float = 0.0
    signer: Any = None  # what signed the attempt, handed back on a token rejection


class Transport:
    """Gate, sign, send, retry and decode E*TRADE calls over one session."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session,
        gate: PermitGate,
        *,
        guard: TokenGuard | None = None,
        recorder: Recorder | None = None,
        breaker: Breaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        skew: SkewWatch | None = None,
    ) -> None:
        self.settings = settings
        self.session = session
        self.gate = gate
        self.guard: TokenGuard = guard if guard is not None else NO_GUARD
        self.recorder: Recorder = recorder if recorder is not None else NO_RECORDER
        self.breaker: Breaker = breaker if breaker is not None else NO_BREAKER
        self.policy = RetryPolicy.from_settings(settings)
        self.retry = make_retry(settings)
        self._sleep = sleep
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.attempt_limit = settings.connect_timeout + settings.read_timeout
        self.skew = skew if skew is not None else SkewWatch()
        self._checked_bases: set[str] = set()

    # -- public --------------------------------------------------------------------

    @property
    def clock_skew(self) -> float | None:
        """Seconds this machine's clock is ahead of E*TRADE's (last Date header seen)."""
        return self.skew.seconds

    def url_for(self, call: Call) -> str:
        """The URL ``call`` goes to; the https-only rule is checked for every base."""
        base = self.settings.oauth_base if call.base == "oauth" else self.settings.api_base
        if base not in self._checked_bases:
            _check_url(base, "base_url")  # http:// only for loopback, else https://
            self._checked_bases.add(base)
        path = check_path(call.path)
        if call.base == "api" and not path.endswith(".json"):
            path += ".json"
        return base + path

    def request(self, call: Call, *, auth: Any = None) -> requests.Response:
        """Send ``call`` under the lifecycle, gate, time and retry rules; return the
        response (a 2xx, body read). Every failure is raised as a typed exception,
        logged once (WARNING, or INFO when E*TRADE refused the request itself).

        Each attempt: token check, permit, send (signed now), read the body under
        the attempt's hard limit; then :func:`~.policy.decide` says what is next.
        """
        url = self.url_for(call)  # before any permit is taken or anything is sent
        guard = self.guard if call.signed and auth is None else NO_GUARD
        started = time.monotonic()
        attempt = 0
        renewed = False
        status: int | None = None
        error_name: str | None = None
        gate_wait = 0.0
        try:
            while True:
                attempt += 1
                tried = self._attempt(call, url, auth, guard, attempt, started)
                gate_wait += tried.gate_wait
                if tried.response is not None:
                    status = tried.response.status_code
                state = AttemptState(
                    attempt, time.monotonic() - started, renewed, can_renew=guard is not NO_GUARD
                )
                outcome = decide(call.safe, tried.error, state, self.policy,
                                 jitter=random.random(), retry_after=tried.retry_after)  # fmt: skip
                if isinstance(outcome, Done) and tried.response is not None:
                    guard.after_success()
                    return tried.response
                if isinstance(outcome, RetryAfter):
                    self._pause(outcome.delay, call, outcome.why)
                    continue
                if isinstance(outcome, Renew):
                    renewed = True
                    if guard.on_rejected(outcome.error, tried.signer):
                        if outcome.retry:
                            log.info("token renewed after %s; repeating %s",
                                     outcome.error.oauth_problem, call.name)  # fmt: skip
                            continue
                        note_renewed(outcome.error)
                    raise outcome.error
                assert isinstance(outcome, Raise)
                raise outcome.error
        except ETradeError as exc:
            error_name = type(exc).__name__
            log_failure(call, exc)
            raise
        finally:
            latency = time.monotonic() - started
            self.recorder.record(call.name, latency=latency, error=error_name,
                                 retries=attempt - 1, status=status)  # fmt: skip
            if log.isEnabledFor(logging.DEBUG):
                log_call(log, call, status, attempt, latency, gate_wait, error_name)

    def call_json(self, call: Call) -> Any:
        """Send ``call`` and decode its JSON body (``None`` for 204 or empty)."""
        response = self.request(call)
        try:
            return decode.json_body(response, call.method, call.path)
        except ETradeError as exc:  # an unreadable 2xx, or an Error document on a 200
            log_failure(call, exc)
            raise

    def close(self) -> None:
        self.session.close()

    # -- one attempt ---------------------------------------------------------------

    def _attempt(
        self, call: Call, url: str, auth: Any, guard: TokenGuard, attempt: int, started: float
    ) -> _Tried:
        self.breaker.before_call(call.name)
        signer = guard.before_request()  # this attempt's own signer (None: unsigned)
        if auth is not None:
            signer = auth
        waited = 0.0
        if call.category != "oauth":
            waited = self.gate.acquire(call.category) or 0.0
        tried = self._exchange(call, url, signer, attempt, started, waited)
        tried.signer = signer
        return tried

    def _exchange(
        self, call: Call, url: str, signer: Any, attempt: int, started: float, waited: float
    ) -> _Tried:
        """Send one signed request and read its answer under the attempt's limits."""
        left = self.policy.call_timeout - (time.monotonic() - started)
        if left <= 0:
            error = NetworkError(
                f"{call.name} not sent: the call deadline of {self.policy.call_timeout:g} s "
                f"(ETRADE_CALL_TIMEOUT) passed while waiting for a permit",
                sent=False,
            )
            return _Tried(None, error, gate_wait=waited)
        limit = min(self.attempt_limit, left)
        with attempt_limit(limit) as watch:
            try:
                response = self._send(call, url, signer, attempt=attempt, gate_wait=waited)
                read_body(response, self.settings.max_body_bytes)
            except BodyTooLarge as exc:
                self.breaker.record_failure(call.name)
                return _Tried(None, too_large(call, exc.limit), gate_wait=waited)
            except (OSError, HTTPError, HTTPException) as exc:  # requests' errors are OSErrors
                self.breaker.record_failure(call.name)
                failure = network_failure(call, exc, limit if watch.expired else None)
                return _Tried(None, failure, gate_wait=waited)
        status = response.status_code
        self.skew.check(response)
        if response.is_redirect or 300 <= status < 400:
            self.breaker.record_success(call.name)
            return _Tried(response, redirect_error(call, response), gate_wait=waited)
        if response.ok:
            self.breaker.record_success(call.name)
            return _Tried(response, None, gate_wait=waited)
        refusal = decode.error_from_response(response, call.method, call.path)
        if isinstance(refusal, ServerError):
            self.breaker.record_failure(call.name)
        else:
            self.breaker.record_success(call.name)
        return _Tried(
            response, refusal, self._retry_after(response), gate_wait=waited, signer=signer
        )

    def _send(
        self, call: Call, url: str, auth: Any, *, attempt: int = 1, gate_wait: float = 0.0
    ) -> requests.Response:
        kwargs: dict[str, Any] = {
            "params": call.params,
            "timeout": self.timeout,
            "allow_redirects": False,
            "stream": True,  # the body is read under the size cap (limits.read_body)
        }
        kwargs["headers"] = _ACCEPT  # per request: a caller-owned session keeps its own
        if auth is not None:  # signed per request; session.auth is never set
            kwargs["auth"] = auth
        if call.json is not None:
            kwargs["json"] = call.json
        if log.isEnabledFor(logging.DEBUG):
            log.debug("-> %s %s", call.method, redact_path(call.path))
        response = self.session.request(call.method, url, **kwargs)
        if log.isEnabledFor(logging.DEBUG):
            elapsed = response.elapsed.total_seconds() * 1000
            fields = call_fields(call, status=response.status_code, attempt=attempt)
            fields.update(latency_ms=round(elapsed, 3), gate_wait_ms=round(gate_wait * 1000, 3))
            log.debug(
                "<- %s %s %s in %.0f ms",
                response.status_code,
                call.method,
                fields["path"],
                elapsed,
                extra=fields,
            )
        return response

    def _retry_after(self, response: requests.Response) -> float | None:
        """The answer's ``Retry-After`` in seconds (number or HTTP date), if usable."""
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            return float(self.retry.parse_retry_after(value))
        except Exception:  # an unparseable Retry-After falls back to backoff
            return None

    def _pause(self, seconds: float, call: Call, why: str) -> None:
        log.info("retrying %s after %s in %.2f s", call.name, why, seconds)
        if seconds > 0:
            self._sleep(seconds)

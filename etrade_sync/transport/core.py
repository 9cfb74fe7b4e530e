"""
etrade_sync.transport.core
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`Transport`, the only place that talks HTTP. Every
call goes through the same steps, once per attempt::

    token   lifecycle check (renew when idle nears 2 h; refuse past midnight ET)
    gate    a permit from the rate gate for the call's category
    send    session.request(): the OAuth1 auth object signs now (fresh nonce)
    retry   a urllib3 Retry is the policy; a retryable answer to a *safe* call
            goes back to "gate", so each attempt has its own permit and signature
    decode  JSON; 204 or an empty body is None; errors become typed exceptions

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

import email.utils
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from urllib3.exceptions import (
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
)
from urllib3.util.retry import Retry

from ..config import Settings
from ..errors import (
    AuthenticationError,
    ETradeError,
    NetworkError,
    RateLimitError,
    RedirectError,
    ServerError,
)
from ..observe.jsonlog import call_fields, log_call
from ..observe.redact import redact_path, redact_text
from . import decode

__all__ = ["Call", "PermitGate", "TokenGuard", "Transport", "make_retry"]

log = logging.getLogger("etrade_sync")

_ACCEPT = {"Accept": "application/json"}

#: Statuses worth another attempt for a safe call.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Clock skew (seconds) between this machine and E*TRADE that earns a warning.
SKEW_WARNING = 60.0


def make_retry(settings: Settings) -> Retry:
    """The status-retry policy as a urllib3 :class:`Retry` value object.

    ``allowed_methods=None`` because safety is decided per :class:`Call`, not by
    verb: E*TRADE's order change and cancel are PUTs, which urllib3 would retry.
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

    def before_request(self) -> None:
        """Renew when idle time nears the limit; raise when a login is required."""

    def after_success(self) -> None:
        """Record that the token was just used successfully."""

    def on_rejected(self, error: AuthenticationError) -> bool:
        """Handle a 401; return True when the token was renewed and a retry may work."""

    def signer(self) -> Any:
        """The requests auth object that signs the next attempt (None: unsigned)."""


class PermitGate(Protocol):
    """The rate gate as the transport sees it (implemented in ``ratelimit``)."""

    def acquire(self, category: str, *, timeout: float | None = None) -> float:
        """Block until a permit for ``category`` is granted; return the seconds waited."""


class _Recorder(Protocol):
    def record(
        self, name: str, *, latency: float, error: str | None, retries: int, status: int | None
    ) -> None: ...


class Transport:
    """Gate, sign, send, retry and decode E*TRADE calls over one session."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session,
        gate: PermitGate,
        *,
        guard: TokenGuard | None = None,
        recorder: _Recorder | None = None,
        breaker: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.session = session
        self.gate = gate
        self.guard = guard
        self.recorder = recorder
        self.breaker = breaker
        self.retry = make_retry(settings)
        self._sleep = sleep
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.clock_skew: float | None = None
        self._skew_warned = False
        self._last_date: tuple[str, float] | None = None
        self._lock = threading.Lock()

    # -- public --------------------------------------------------------------------

    def url_for(self, call: Call) -> str:
        base = self.settings.oauth_base if call.base == "oauth" else self.settings.api_base
        path = call.path
        if call.base == "api" and not path.endswith(".json"):
            path += ".json"
        return base + path

    def request(self, call: Call, *, auth: Any = None) -> requests.Response:
        """Send ``call`` under the lifecycle, gate and retry rules; return the response.

        The response is a success (2xx); every error answer has been raised as a
        typed exception.
        """
        started = time.monotonic()
        retry = self.retry
        attempts = 0
        renewed = False
        error_name: str | None = None
        status: int | None = None
        gate_wait = 0.0
        try:
            while True:
                attempts += 1
                if self.breaker is not None:
                    self.breaker.before_call(call.name)
                if call.signed and auth is None and self.guard is not None:
                    self.guard.before_request()
                waited = 0.0
                if call.category != "oauth":
                    waited = self.gate.acquire(call.category) or 0.0
                    gate_wait += waited
                try:
                    response = self._send(call, auth, attempt=attempts, gate_wait=waited)
                except requests.RequestException as exc:
                    failure = self._network_failure(call, exc)
                    if self.breaker is not None:
                        self.breaker.record_failure(call.name)
                    if not call.safe:
                        raise failure from exc
                    retry = self._next_retry(retry, call, failure, error=ProtocolError(str(exc)))
                    self._pause(retry.get_backoff_time(), call, f"{type(exc).__name__}")
                    continue
                status = response.status_code
                self._check_clock(response)
                if response.is_redirect or 300 <= status < 400:
                    if self.breaker is not None:
                        self.breaker.record_success(call.name)
                    raise _redirect(call, response)
                if response.ok:
                    if self.breaker is not None:
                        self.breaker.record_success(call.name)
                    if call.signed and auth is None and self.guard is not None:
                        self.guard.after_success()
                    return response
                error = decode.error_from_response(response, call.method, call.path)
                if self.breaker is not None and isinstance(error, ServerError):
                    self.breaker.record_failure(call.name)
                elif self.breaker is not None:
                    self.breaker.record_success(call.name)
                if (
                    isinstance(error, AuthenticationError)
                    and error.oauth_problem in decode.RENEWABLE_PROBLEMS
                    and call.signed
                    and auth is None
                    and self.guard is not None
                    and not renewed
                ):
                    renewed = True
                    if self.guard.on_rejected(error):
                        if call.safe:
                            log.info("token renewed after %s; repeating %s", error.oauth_problem,
                                     call.name)  # fmt: skip
                            continue
                        error.message += (
                            " (the token has been renewed; the request was refused, not "
                            "executed, and may be sent again)"
                        )
                        error.args = (error._describe(),)
                    raise error
                retryable = status in RETRY_STATUSES or isinstance(error, RateLimitError)
                if not (retryable and call.safe):
                    raise error
                retry = self._next_retry(retry, call, error, response=response)
                self._pause(self._delay(retry, response, error), call, f"HTTP {status}")
        except ETradeError as exc:
            error_name = type(exc).__name__
            raise
        finally:
            latency = time.monotonic() - started
            if self.recorder is not None:
                self.recorder.record(
                    call.name,
                    latency=latency,
                    error=error_name,
                    retries=attempts - 1,
                    status=status,
                )
            if log.isEnabledFor(logging.DEBUG):
                log_call(log, call, status, attempts, latency, gate_wait, error_name)

    def call_json(self, call: Call) -> Any:
        """Send ``call`` and decode its JSON body (``None`` for 204 or empty)."""
        response = self.request(call)
        return decode.json_body(response, call.method, call.path)

    def close(self) -> None:
        self.session.close()

    # -- steps ---------------------------------------------------------------------

    def _send(
        self, call: Call, auth: Any, *, attempt: int = 1, gate_wait: float = 0.0
    ) -> requests.Response:
        kwargs: dict[str, Any] = {
            "params": call.params,
            "timeout": self.timeout,
            "allow_redirects": False,
        }
        kwargs["headers"] = _ACCEPT  # per request: a caller-owned session keeps its own
        if auth is None and call.signed and self.guard is not None:
            auth = self.guard.signer()  # signed per request; session.auth is never set
        if auth is not None:
            kwargs["auth"] = auth
        if call.json is not None:
            kwargs["json"] = call.json
        if log.isEnabledFor(logging.DEBUG):
            log.debug("-> %s %s", call.method, redact_path(call.path))
        response = self.session.request(call.method, self.url_for(call), **kwargs)
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

    def _next_retry(
        self,
        retry: Retry,
        call: Call,
        failure: ETradeError,
        *,
        response: requests.Response | None = None,
        error: Exception | None = None,
    ) -> Retry:
        try:
            return retry.increment(
                call.method,
                redact_path(call.path),
                response=response.raw if response is not None else None,
                error=error,
            )
        except (MaxRetryError, ProtocolError):
            raise failure from None

    def _delay(self, retry: Retry, response: requests.Response, error: ETradeError) -> float:
        after: float | None = None
        if response.raw is not None:
            try:
                after = retry.get_retry_after(response.raw)
            except Exception:  # an unparseable Retry-After falls back to backoff
                after = None
        if after is not None:
            return after
        backoff = retry.get_backoff_time()
        if isinstance(error, RateLimitError):
            return max(backoff, self.settings.throttle_pause)
        return backoff

    def _pause(self, seconds: float, call: Call, why: str) -> None:
        log.info("retrying %s after %s in %.2f s", call.name, why, seconds)
        if seconds > 0:
            self._sleep(seconds)

    def _network_failure(self, call: Call, exc: requests.RequestException) -> NetworkError:
        where = f"{call.method} {redact_path(call.path)}"
        if _never_sent(exc):
            return NetworkError(f"could not connect for {where}: {_describe(exc)}", sent=False)
        return NetworkError(f"no answer to {where}: {_describe(exc)}", sent=True)

    def _check_clock(self, response: requests.Response) -> None:
        header = response.headers.get("Date")
        if not header:
            return
        # Date has one-second resolution: parse it only when it changes.
        last = self._last_date
        if last is not None and last[0] == header:
            server = last[1]
        else:
            try:
                server = email.utils.parsedate_to_datetime(header).timestamp()
            except (TypeError, ValueError):
                return
            self._last_date = (header, server)
        skew = time.time() - server
        self.clock_skew = skew
        if abs(skew) > SKEW_WARNING and not self._skew_warned:
            self._skew_warned = True
            log.warning(
                "this machine's clock is %+.0f s off E*TRADE's; OAuth timestamps more than "
                "5 minutes off are refused. Sync the clock (NTP).",
                skew,
            )


def _redirect(call: Call, response: requests.Response) -> RedirectError:
    """A 3xx answer as a typed error; the redirect is never followed."""
    location = response.headers.get("Location")
    where = f"{call.method} {redact_path(call.path)}"
    shown = redact_path(redact_text(location))[:200] if location else "no Location"
    return RedirectError(
        f"E*TRADE answered HTTP {response.status_code} to {where} (redirect to {shown}); "
        f"redirects are never followed",
        status=response.status_code,
        location=redact_text(location) if location else None,
        method=call.method,
        path=redact_path(call.path),
    )


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly never reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, NewConnectionError | NameResolutionError)
    return isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema)


def _describe(exc: BaseException) -> str:
    text = redact_path(redact_text(str(exc)))
    return f"{type(exc).__name__}: {text[:300]}"

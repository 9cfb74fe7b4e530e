"""
etrade_sync.transport.failures
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the typed errors the transport builds from what went
wrong in an attempt (no answer, a cut-off attempt, an oversized body, a
redirect) and the one log line written per failed call. Every message is
redacted: paths have their account keys shortened, secrets are masked.
"""

from __future__ import annotations

import logging

import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from ..errors import (
    AuthenticationError,
    CircuitOpenError,
    ETradeError,
    MalformedResponseError,
    NetworkError,
    RateGateError,
    RateLimitError,
    RedirectError,
    ResponseTooLargeError,
    ServerError,
)
from ..observe.redact import redact_path, redact_text
from .seams import Call

__all__ = ["log_failure", "network_failure", "note_renewed", "redirect_error", "too_large"]

log = logging.getLogger("etrade_sync")


def note_renewed(error: AuthenticationError) -> None:
    error.message += (
        " (the token has been renewed; the request was refused, not executed, and may be "
        "sent again)"
    )
    error.args = (error._describe(),)


#: Failures of the path to E*TRADE (not of the caller's input, login or settings),
#: logged as a WARNING: the network, the server, throttling, redirects, unreadable
#: answers, the rate gate and the circuit breaker.
_TRANSPORT_FAILURES = (
    NetworkError,
    RedirectError,
    ServerError,
    RateLimitError,
    MalformedResponseError,
    RateGateError,
    CircuitOpenError,
)


def log_failure(call: Call, exc: ETradeError) -> None:
    """One line per failed call: WARNING for a failure of the path to E*TRADE;
    INFO for the rest (a refusal such as "no match", a login to do, a setting to
    fix), which the caller is told by the exception and may well expect."""
    level = logging.WARNING if isinstance(exc, _TRANSPORT_FAILURES) else logging.INFO
    log.log(level, "%s failed: %s", call.name, exc)


def too_large(call: Call, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the answer to {call.method} {redact_path(call.path)} is larger than "
        f"{limit:,} bytes (ETRADE_MAX_BODY_BYTES); it was not read",
        limit=limit,
    )


def network_failure(call: Call, exc: BaseException, cut_after: float | None) -> NetworkError:
    where = f"{call.method} {redact_path(call.path)}"
    never = isinstance(exc, requests.RequestException) and _never_sent(exc)
    if cut_after is not None:
        return NetworkError(
            f"no complete answer to {where} within {cut_after:.1f} s (the attempt's limit: "
            f"connect_timeout + read_timeout, or what was left of the call deadline)",
            sent=not never,
        )
    if never:
        return NetworkError(f"could not connect for {where}: {_describe(exc)}", sent=False)
    return NetworkError(f"no answer to {where}: {_describe(exc)}", sent=True)


def redirect_error(call: Call, response: requests.Response) -> RedirectError:
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
    """The root reason, readable: ``NewConnectionError: Failed to establish a new
    connection: [Errno 111] Connection refused`` rather than urllib3's nested
    pool and retry wrapper text."""
    reason: BaseException = exc
    inner = exc.args[0] if isinstance(exc, requests.RequestException) and exc.args else None
    if isinstance(inner, MaxRetryError) and inner.reason is not None:
        reason = inner.reason
    elif isinstance(inner, BaseException):
        reason = inner
    text = str(reason)
    if isinstance(reason, NewConnectionError | NameResolutionError):
        text = text.split("): ", 1)[-1]  # drop the connection object's repr
    text = redact_path(redact_text(text))
    return f"{type(reason).__name__}: {text[:300]}"

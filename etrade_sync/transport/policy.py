"""
etrade_sync.transport.policy
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`decide`, the whole retry policy as one pure
function: from the call, what one attempt produced (a success or a typed
error) and where the call stands (attempt number, time used, renewed yet), to
what happens next::

    Done()                the answer is good: return it
    RetryAfter(d)         wait d seconds, then a new attempt (new permit, new signature)
    Renew(retry)          renew the access token, then retry (or raise, for unsafe calls)
    Raise(error)          give up with ``error``

It reads no clock and draws no random number (the caller passes ``jitter``), so
every rule is a row of a table test. The rules:

- a redirect is never retried (it is not an answer from E*TRADE's API);
- a call that never left this machine (``NetworkError.sent`` is False) may be
  repeated whatever it is; one that may have reached E*TRADE only if it is safe;
- 429, 5xx and E*TRADE's throttle page are retried for safe calls, waiting for
  ``Retry-After`` (capped) when given, else exponential backoff (at least
  ``throttle_pause`` after a throttle);
- one renew after ``token_rejected``/``token_expired`` on a signed call;
- no retry past ``max_retries``, and no wait that would end past the call's
  deadline: then the call ends in :class:`~etrade_sync.errors.NetworkError`
  (``sent`` as for the last attempt) naming the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..errors import (
    AuthenticationError,
    ETradeError,
    NetworkError,
    RateLimitError,
    RedirectError,
    ServerError,
)
from .decode import RENEWABLE_PROBLEMS

__all__ = [
    "RENEWABLE_PROBLEMS",
    "RETRY_STATUSES",
    "AttemptState",
    "Done",
    "Outcome",
    "Raise",
    "Renew",
    "RetryAfter",
    "RetryPolicy",
    "decide",
]

#: Statuses worth another attempt for a safe call.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """The numbers the decision uses (from :class:`~etrade_sync.config.Settings`)."""

    max_retries: int = 4
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.5
    backoff_max: float = 16.0
    retry_after_max: float = 60.0
    throttle_pause: float = 1.0
    call_timeout: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_retries=settings.max_retries,
            backoff_factor=settings.backoff_factor,
            backoff_jitter=settings.backoff_jitter,
            backoff_max=settings.backoff_max,
            retry_after_max=settings.retry_after_max,
            throttle_pause=settings.throttle_pause,
            call_timeout=settings.call_timeout,
        )

    def backoff(self, attempt: int, jitter: float) -> float:
        """Seconds before attempt ``attempt + 1``; ``jitter`` is a draw in [0, 1)."""
        base = 0.0 if attempt < 1 else self.backoff_factor * (2 ** (attempt - 1))
        return min(self.backoff_max, base + jitter * self.backoff_jitter)


@dataclass(frozen=True)
class AttemptState:
    """Where the call stands after an attempt."""

    attempt: int  # 1 for the first attempt
    elapsed: float  # seconds since the call started
    renewed: bool = False  # a renew was already done for this call
    can_renew: bool = False  # signed call with a token manager


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class RetryAfter:
    delay: float
    why: str


@dataclass(frozen=True)
class Renew:
    retry: bool  # False: renew, then raise ``error`` (an unsafe call is not repeated)
    error: AuthenticationError


@dataclass(frozen=True)
class Raise:
    error: ETradeError


Outcome = Done | RetryAfter | Renew | Raise


def decide(
    safe: bool,
    result: ETradeError | None,
    state: AttemptState,
    policy: RetryPolicy,
    *,
    jitter: float = 0.0,
    retry_after: float | None = None,
) -> Outcome:
    """What to do after one attempt of a call (``safe``: may be repeated).

    ``result`` is ``None`` for a good answer, else the attempt's typed error;
    ``retry_after`` is the answer's ``Retry-After`` in seconds, if any.
    """
    if result is None:
        return Done()
    error = result
    if isinstance(error, RedirectError):
        return Raise(error)
    if isinstance(error, AuthenticationError):
        if error.oauth_problem in RENEWABLE_PROBLEMS and state.can_renew and not state.renewed:
            return Renew(retry=safe, error=error)
        return Raise(error)
    retries = state.attempt - 1 - int(state.renewed)  # a renew does not use a retry
    if isinstance(error, NetworkError):
        if not (safe or not error.sent):
            return Raise(error)
        why = "a network error"
        delay = policy.backoff(retries + 1, jitter)
    elif isinstance(error, RateLimitError | ServerError) and (
        isinstance(error, RateLimitError) or error.status in RETRY_STATUSES
    ):
        if not safe:
            return Raise(error)
        why = f"HTTP {error.status}"
        delay = policy.backoff(retries + 1, jitter)
        if retry_after is not None:
            delay = min(max(0.0, retry_after), policy.retry_after_max)
        elif isinstance(error, RateLimitError):
            delay = max(delay, policy.throttle_pause)
    else:
        return Raise(error)
    if retries >= policy.max_retries:
        return Raise(error)
    if state.elapsed + delay >= policy.call_timeout:
        return Raise(_deadline(error, policy.call_timeout, state.attempt))
    return RetryAfter(delay, why)


def _deadline(last: ETradeError, limit: float, attempts: int) -> NetworkError:
    sent = last.sent if isinstance(last, NetworkError) else True
    error = NetworkError(
        f"no usable answer within the call deadline of {limit:g} s "
        f"(ETRADE_CALL_TIMEOUT) after {attempts} attempt(s); last: {last}",
        sent=sent,
    )
    error.__cause__ = last
    return error

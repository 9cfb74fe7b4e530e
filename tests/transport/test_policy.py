"""The retry decision as a table: (call, what the attempt produced, where the call
stands) -> done, retry after d, renew then retry, or raise."""

from __future__ import annotations

import pytest

from etrade_sync.errors import (
    APIError,
    AuthenticationError,
    ETradeError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    ServerError,
)
from etrade_sync.transport.policy import (
    AttemptState,
    Done,
    Outcome,
    Raise,
    Renew,
    RetryAfter,
    RetryPolicy,
    decide,
)

POLICY = RetryPolicy(
    max_retries=2, backoff_factor=0.5, backoff_jitter=0.0, backoff_max=16.0,
    retry_after_max=30.0, throttle_pause=1.0, call_timeout=60.0,
)  # fmt: skip

S503 = ServerError("busy", status=503)
S501 = ServerError("nope", status=501)
THROTTLE = RateLimitError("slow down", status=400)
E429 = RateLimitError("too many", status=429)
NOT_FOUND = NotFoundError("none", status=404)
REFUSED = APIError("bad request", status=400)
SENT = NetworkError("reset", sent=True)
UNSENT = NetworkError("refused", sent=False)
REDIRECT = RedirectError("moved", status=302)
REJECTED = AuthenticationError("rejected", status=401, oauth_problem="token_rejected")
BAD_KEY = AuthenticationError("bad key", status=401, oauth_problem="consumer_key_rejected")


def first(**kw: object) -> AttemptState:
    values: dict[str, object] = {"attempt": 1, "elapsed": 0.0, "renewed": False, "can_renew": True}
    values.update(kw)
    return AttemptState(**values)  # type: ignore[arg-type]


ROWS: list[tuple[str, bool, ETradeError | None, AttemptState, float | None, Outcome]] = [
    ("good answer", True, None, first(), None, Done()),
    ("good answer, unsafe", False, None, first(), None, Done()),
    ("503 safe", True, S503, first(), None, RetryAfter(0.5, "HTTP 503")),
    ("503 safe, 2nd", True, S503, first(attempt=2), None, RetryAfter(1.0, "HTTP 503")),
    ("503 safe, retries used", True, S503, first(attempt=3), None, Raise(S503)),
    ("503 unsafe", False, S503, first(), None, Raise(S503)),
    ("501 not retryable", True, S501, first(), None, Raise(S501)),
    ("503 Retry-After", True, S503, first(), 7.0, RetryAfter(7.0, "HTTP 503")),
    ("Retry-After capped", True, E429, first(), 300.0, RetryAfter(30.0, "HTTP 429")),
    ("throttle page: pause", True, THROTTLE, first(), None, RetryAfter(1.0, "HTTP 400")),
    ("404", True, NOT_FOUND, first(), None, Raise(NOT_FOUND)),
    ("400", True, REFUSED, first(), None, Raise(REFUSED)),
    ("redirect", True, REDIRECT, first(), None, Raise(REDIRECT)),
    ("reset, safe", True, SENT, first(), None, RetryAfter(0.5, "a network error")),
    ("reset, unsafe: may have arrived", False, SENT, first(), None, Raise(SENT)),
    ("refused, unsafe: never sent", False, UNSENT, first(), None,
     RetryAfter(0.5, "a network error")),
    ("token rejected, safe", True, REJECTED, first(), None, Renew(retry=True, error=REJECTED)),
    ("token rejected, unsafe", False, REJECTED, first(), None,
     Renew(retry=False, error=REJECTED)),
    ("token rejected again", True, REJECTED, first(renewed=True), None, Raise(REJECTED)),
    ("token rejected, no token manager", True, REJECTED, first(can_renew=False), None,
     Raise(REJECTED)),
    ("other oauth problem", True, BAD_KEY, first(), None, Raise(BAD_KEY)),
    ("renew does not use a retry", True, S503, first(attempt=3, renewed=True), None,
     RetryAfter(1.0, "HTTP 503")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("safe", "result", "state", "retry_after", "expected"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_decision_table(
    safe: bool,
    result: ETradeError | None,
    state: AttemptState,
    retry_after: float | None,
    expected: Outcome,
) -> None:
    assert decide(safe, result, state, POLICY, retry_after=retry_after) == expected


def test_a_wait_that_would_end_past_the_deadline_is_a_network_error() -> None:
    outcome = decide(True, S503, first(elapsed=59.0), POLICY, retry_after=5.0)
    assert isinstance(outcome, Raise)
    assert isinstance(outcome.error, NetworkError)
    assert "call deadline of 60 s" in str(outcome.error)
    assert outcome.error.__cause__ is S503


def test_jitter_is_added_and_backoff_capped() -> None:
    policy = RetryPolicy(backoff_factor=1.0, backoff_jitter=0.5, backoff_max=3.0, max_retries=9)
    assert decide(True, S503, first(), policy, jitter=0.5) == RetryAfter(1.25, "HTTP 503")
    assert decide(True, S503, first(attempt=5), policy, jitter=0.9) == RetryAfter(3.0, "HTTP 503")

"""Error answers in E*TRADE's three shapes become typed exceptions."""

from __future__ import annotations

import pytest

from etrade_sync.errors import (
    APIError,
    AuthenticationError,
    ClockSkewError,
    DuplicateOrderError,
    NotFoundError,
    OrderError,
    RateLimitError,
    ServerError,
)
from etrade_sync.transport.decode import error_from_parts


def test_json_error_keeps_code_and_message() -> None:
    error = error_from_parts(
        400, '{"Error":{"code":102,"message":"Invalid account key"}}', "GET", "/v1/accounts/x"
    )
    assert type(error) is APIError
    assert (error.status, error.code, error.message) == (400, 102, "Invalid account key")
    assert "code 102" in str(error) and "Invalid account key" in str(error)


def test_xml_error() -> None:
    error = error_from_parts(
        400, "<Error><code>1019</code><message>Invalid symbol</message></Error>", "GET", "/q"
    )
    assert (error.code, error.message) == (1019, "Invalid symbol")


def test_tomcat_html_oauth_problem() -> None:
    page = "<html><body><h1>HTTP Status 401</h1><p>oauth_problem=token_rejected</p></body></html>"
    error = error_from_parts(401, page, "GET", "/v1/accounts/list")
    assert isinstance(error, AuthenticationError)
    assert error.oauth_problem == "token_rejected"


def test_timestamp_refused_says_the_clock_is_off() -> None:
    import time

    now = int(time.time())
    page = f"oauth_problem=timestamp_refused&oauth_acceptable_timestamps={now - 900}-{now - 300}"
    error = error_from_parts(401, page)
    assert isinstance(error, ClockSkewError)
    assert error.skew_seconds is not None and 500 < error.skew_seconds < 700
    assert "clock is off" in str(error)


def test_throttle_page_is_a_rate_limit_error() -> None:
    page = "<html><body>Number of requests exceeded the rate limit set</body></html>"
    assert isinstance(error_from_parts(400, page), RateLimitError)
    limited = error_from_parts(429, "", retry_after="3")
    assert isinstance(limited, RateLimitError) and limited.retry_after == 3.0


@pytest.mark.parametrize(
    ("status", "body", "path", "kind"),
    [
        (404, "", "/v1/x", NotFoundError),
        (503, "<html>Service Unavailable</html>", "/v1/x", ServerError),
        (400, '{"Error":{"code":101,"message":"stale"}}', "/v1/accounts/k/orders/place", OrderError),
        # 1079 is the simulator's own code, not E*TRADE's: the client goes by the message.
        (400, '{"Error":{"code":1079,"message":"dup"}}', "/v1/accounts/k/orders/place",
         OrderError),
        (400, '{"Error":{"code":1079,"message":"The client order id A1 has already been used"}}',
         "/v1/accounts/k/orders/place", DuplicateOrderError),
    ],
)  # fmt: skip
def test_status_picks_the_type(status: int, body: str, path: str, kind: type) -> None:
    assert type(error_from_parts(status, body, "POST", path)) is kind


def test_garbage_body_still_gives_a_readable_error() -> None:
    error = error_from_parts(500, "\x00\x01 <<<not html", "GET", "/v1/x")
    assert isinstance(error, ServerError)
    assert error.message

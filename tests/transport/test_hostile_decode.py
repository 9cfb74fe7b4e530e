"""Whatever bytes come back, the caller sees data or an ETradeError (over real sockets)."""

from __future__ import annotations

import json
import logging

import pytest

from etrade_sync.errors import APIError, ETradeError
from tests.transport.hostile import HostileServer, answer, client_for


def quotes_with(body: bytes | str, status: int = 200, content_type: str = "application/json"):
    with HostileServer(answer(status, body, content_type)) as server:
        client = client_for(server.url, max_retries=0)
        try:
            with pytest.raises(ETradeError) as info:
                client.market.quotes("AAPL")
        finally:
            client.close()
    assert server.count == 1
    return info.value


def test_json_nested_100000_deep_is_a_typed_error() -> None:
    error = quotes_with("[" * 100_000 + "]" * 100_000)
    assert isinstance(error, APIError) and error.status == 200


def test_quote_response_as_a_list_is_a_typed_error() -> None:
    error = quotes_with(json.dumps({"QuoteResponse": [1, 2, 3]}))
    assert isinstance(error, APIError) and error.status == 200


def test_invalid_utf8_is_a_typed_error() -> None:
    error = quotes_with(b'{"QuoteResponse": "\xff\xfe"}')
    assert isinstance(error, APIError) and error.status == 200


def test_html_on_200_is_a_typed_error() -> None:
    error = quotes_with("<html><body>Maintenance</body></html>", content_type="text/html")
    assert isinstance(error, APIError) and error.status == 200


def test_200_with_an_error_body_keeps_status_200() -> None:
    body = json.dumps({"Error": {"code": 10033, "message": "nothing here"}})
    error = quotes_with(body)
    assert isinstance(error, APIError)
    assert error.status == 200 and error.code == 10033
    assert "HTTP 200" in str(error)


def test_an_unreadable_200_is_logged_once_as_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    quotes_with("[" * 100_000 + "]" * 100_000)
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(loud) == 1 and "market.quote failed" in loud[0].getMessage()

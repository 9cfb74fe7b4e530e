"""Bad input anywhere gives an ETradeError subclass, never KeyError/TypeError/None errors."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from etrade_sync import Settings
from etrade_sync.api.market import normalize_symbols
from etrade_sync.errors import APIError, ETradeError
from etrade_sync.models import Account, Quote, QuoteMessage
from etrade_sync.transport.decode import error_from_parts, json_body

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
shaped = st.dictionaries(
    st.sampled_from(
        ["accountId", "accountIdKey", "closedDate", "Product", "All", "dateTimeUTC", "dateTime",
         "quoteStatus", "ahFlag", "code", "description", "type", "Error", "QuoteResponse"]
    ),
    json_values,
    max_size=8,
)  # fmt: skip
bodies = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.builds(lambda c, m: f"<Error><code>{c}</code><message>{m}</message></Error>",
              st.text(max_size=8), st.text(max_size=20)),
    st.builds(lambda p: f"<html><body>oauth_problem={p}</body></html>", st.text(max_size=20)),
    st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
)  # fmt: skip


class FakeResponse:
    """The two attributes json_body reads, for driving the decoder directly."""

    def __init__(self, status: int, body: str) -> None:
        self.status_code = status
        self.content = body.encode("utf-8", "surrogatepass")
        self.headers: dict[str, str] = {"Content-Type": "application/json"}


@FUZZ
@given(status=st.integers(100, 599), body=bodies, retry_after=st.none() | st.text(max_size=8))
def test_error_decoder_always_returns_an_api_error(
    status: int, body: str, retry_after: str | None
) -> None:
    error = error_from_parts(status, body, "GET", "/v1/x", retry_after=retry_after)
    assert isinstance(error, APIError)
    assert str(error)


@FUZZ
@given(status=st.sampled_from([200, 201, 204]), body=bodies)
def test_success_decoder_returns_data_or_raises_etrade_error(status: int, body: str) -> None:
    with contextlib.suppress(ETradeError):
        json_body(FakeResponse(status, body), "GET", "/v1/x")  # type: ignore[arg-type]


@FUZZ
@given(data=shaped)
def test_models_never_crash_on_odd_payloads(data: dict[str, Any]) -> None:
    for model in (Account, Quote, QuoteMessage):
        parsed = model.from_api(data)  # type: ignore[attr-defined]
        assert parsed.raw is data


@FUZZ
@given(values=st.dictionaries(
    st.sampled_from(["ETRADE_ENV", "ETRADE_QUOTE_TTL", "ETRADE_RATE_LIMITS", "ETRADE_BASE_URL",
                     "ETRADE_RATE_LIMIT_BACKEND", "ETRADE_MAX_RETRIES", "ETRADE_READ_TIMEOUT",
                     "ETRADE_CIRCUIT_FAILURES", "ETRADE_RENEW_MARGIN"]),
    st.text(max_size=30), max_size=4))  # fmt: skip
def test_settings_from_any_environment(values: dict[str, str]) -> None:
    with contextlib.suppress(ETradeError):
        Settings.from_env(environ=values)


@FUZZ
@given(symbols=st.lists(st.text(max_size=12), max_size=5) | st.text(max_size=12))
def test_symbols_are_validated(symbols: Any) -> None:
    try:
        out = normalize_symbols(symbols)
    except ETradeError:
        return
    assert out
    assert all(s == s.upper() and "," not in s for s in out)

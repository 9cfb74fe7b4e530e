"""OAuth 1.0a as the simulator serves it: the login dance, signatures, nonces, lifetimes."""

from __future__ import annotations

import email.utils
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from requests_oauthlib import OAuth1, OAuth1Session

from etrade_sync.simulator import Fault, SimClock, Simulator
from etrade_sync.simulator.testing import oauth_problem
from tests.clock import IDLE_LIMIT, at_ny, next_ny_midnight


def problem(response: requests.Response) -> str | None:
    assert response.headers["Content-Type"].startswith("text/html"), response.headers
    return oauth_problem(response.text)


def _request_token(sim: Simulator) -> dict[str, str]:
    auth = OAuth1(sim.consumer_key, sim.consumer_secret, callback_uri="oob")
    response = requests.get(f"{sim.url}/oauth/request_token", auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    return dict(parse_qsl(response.text))


def _verifier_from_page(sim: Simulator, token: str) -> str:
    page = requests.get(
        sim.authorize_url, params={"key": sim.consumer_key, "token": token}, timeout=10
    )
    assert page.status_code == 200, page.text
    match = re.search(r'<code id="verifier">([A-Z0-9]{5})</code>', page.text)
    assert match, page.text
    return match.group(1)


def _access_token(sim: Simulator, rt: dict[str, str], verifier: str | None) -> requests.Response:
    auth = OAuth1(
        sim.consumer_key,
        sim.consumer_secret,
        rt["oauth_token"],
        rt["oauth_token_secret"],
        verifier=verifier,
    )
    return requests.get(f"{sim.url}/oauth/access_token", auth=auth, timeout=10)


def test_full_login_dance_through_the_authorize_page(sim: Simulator, make_api: Any) -> None:
    rt = _request_token(sim)
    assert rt["oauth_callback_confirmed"] == "true"
    verifier = _verifier_from_page(sim, rt["oauth_token"])
    response = _access_token(sim, rt, verifier)
    assert response.status_code == 200, response.text
    at = dict(parse_qsl(response.text))
    assert sim.token_state(at["oauth_token"]) == "ACTIVE"
    api = make_api(sim, at["oauth_token"], at["oauth_token_secret"])
    accounts = api.ok("/v1/accounts/list.json")["AccountListResponse"]["Accounts"]["Account"]
    assert len(accounts) == len(sim.accounts)


def test_requests_oauthlib_session_helpers_post_and_work(sim: Simulator) -> None:
    oauth = OAuth1Session(sim.consumer_key, client_secret=sim.consumer_secret, callback_uri="oob")
    rt = oauth.fetch_request_token(f"{sim.url}/oauth/request_token")
    verifier = sim.approve(rt["oauth_token"])
    at = oauth.fetch_access_token(f"{sim.url}/oauth/access_token", verifier=verifier)
    assert sim.token_state(at["oauth_token"]) == "ACTIVE"
    assert [r.method for r in sim.log.records(category="oauth")] == ["POST", "POST"]


def test_tokens_carry_characters_that_need_encoding(sim: Simulator) -> None:
    rt = _request_token(sim)
    token, secret = sim.issue_access_token()
    for value in (rt["oauth_token"], rt["oauth_token_secret"], token, secret):
        assert "+" in value and "/" in value and value.endswith("=")


def test_request_token_requires_oob_callback(sim: Simulator) -> None:
    auth = OAuth1(sim.consumer_key, sim.consumer_secret, callback_uri="https://example.com/cb")
    response = requests.get(f"{sim.url}/oauth/request_token", auth=auth, timeout=10)
    assert response.status_code == 400
    assert problem(response) == "parameter_rejected"
    bare = requests.get(
        f"{sim.url}/oauth/request_token",
        auth=OAuth1(sim.consumer_key, sim.consumer_secret),
        timeout=10,
    )
    assert bare.status_code == 400
    assert "oauth_callback" in bare.text


def test_authorize_page_refuses_unknown_token_and_wrong_key(sim: Simulator) -> None:
    rt = _request_token(sim)
    wrong_key = requests.get(
        sim.authorize_url, params={"key": "x" * 32, "token": rt["oauth_token"]}
    )
    assert wrong_key.status_code == 400
    unknown = requests.get(sim.authorize_url, params={"key": sim.consumer_key, "token": "nope"})
    assert unknown.status_code == 400
    assert "unknown" in unknown.text
    with pytest.raises(LookupError):
        sim.approve("nope")


def test_access_token_verifier_rules(sim: Simulator) -> None:
    rt = _request_token(sim)
    sim.approve(rt["oauth_token"])
    wrong = _access_token(sim, rt, "ZZZZ9")
    assert (wrong.status_code, problem(wrong)) == (401, "verifier_invalid")
    missing = _access_token(sim, rt, None)
    assert (missing.status_code, problem(missing)) == (401, "parameter_absent")
    assert "oauth_verifier" in missing.text
    verifier = sim.approve(rt["oauth_token"])
    assert _access_token(sim, rt, verifier).status_code == 200
    again = _access_token(sim, rt, verifier)
    assert (again.status_code, problem(again)) == (401, "token_rejected")


def test_unapproved_request_token_has_no_valid_verifier(sim: Simulator) -> None:
    rt = _request_token(sim)
    response = _access_token(sim, rt, "ABCDE")
    assert problem(response) == "verifier_invalid"


def test_request_token_expires_after_five_minutes() -> None:
    clock = SimClock(datetime(2024, 6, 3, 15, 0, tzinfo=UTC))
    with Simulator(clock=clock) as sim:
        rt = _request_token(sim)
        verifier = sim.approve(rt["oauth_token"])
        clock.advance(301)
        response = _access_token(sim, rt, verifier)
        assert (response.status_code, problem(response)) == (401, "token_expired")
        page = requests.get(
            sim.authorize_url, params={"key": sim.consumer_key, "token": rt["oauth_token"]}
        )
        assert page.status_code == 400
        assert "expired" in page.text


def test_replayed_nonce_is_refused(api: Any) -> None:
    prepared = api.session.prepare_request(
        requests.Request("GET", api.url("/v1/accounts/list.json"))
    )
    first = api.session.send(prepared)
    second = api.session.send(prepared)
    assert first.status_code == 200
    assert (second.status_code, problem(second)) == (401, "nonce_used")
    assert api.sim.log.duplicate_nonces() == 1
    assert api.sim.log.records()[-1].oauth_problem == "nonce_used"


def test_nonce_is_used_up_even_when_a_fault_answers(api: Any) -> None:
    api.sim.faults.script("/v1/accounts/list", Fault.status(503))
    prepared = api.session.prepare_request(requests.Request("GET", api.url("/v1/accounts/list")))
    assert api.session.send(prepared).status_code == 503
    again = api.session.send(prepared)
    assert (again.status_code, problem(again)) == (401, "nonce_used")
    assert api.get("/v1/accounts/list").status_code == 200


def test_bad_signature_unknown_consumer_and_unknown_token(sim: Simulator, api: Any) -> None:
    url = f"{sim.url}/v1/accounts/list"
    bad_secret = requests.get(url, auth=OAuth1(sim.consumer_key, "wrong", api.token, api.secret))
    assert (bad_secret.status_code, problem(bad_secret)) == (401, "signature_invalid")
    bad_token_secret = requests.get(
        url, auth=OAuth1(sim.consumer_key, sim.consumer_secret, api.token, "x")
    )
    assert problem(bad_token_secret) == "signature_invalid"
    stranger = requests.get(url, auth=OAuth1("k" * 32, sim.consumer_secret, api.token, api.secret))
    assert problem(stranger) == "consumer_key_rejected"
    unknown = requests.get(url, auth=OAuth1(sim.consumer_key, sim.consumer_secret, "abc", "def"))
    assert problem(unknown) == "token_rejected"
    rt = _request_token(sim)
    as_api_token = requests.get(
        url,
        auth=OAuth1(
            sim.consumer_key, sim.consumer_secret, rt["oauth_token"], rt["oauth_token_secret"]
        ),
    )
    assert problem(as_api_token) == "token_rejected"


def test_missing_oauth_parameters_are_listed(sim: Simulator) -> None:
    response = requests.get(f"{sim.url}/v1/accounts/list", timeout=10)
    assert (response.status_code, problem(response)) == (401, "parameter_absent")
    assert "oauth_parameters_absent=" in response.text
    assert "oauth_nonce" in response.text and "oauth_token" in response.text


def test_timestamp_outside_five_minutes_of_server_time_is_refused() -> None:
    with Simulator(server_time_offset=1000) as sim:
        token, secret = sim.issue_access_token()
        url = f"{sim.url}/v1/accounts/list"
        response = requests.get(
            url, auth=OAuth1(sim.consumer_key, sim.consumer_secret, token, secret)
        )
        assert (response.status_code, problem(response)) == (401, "timestamp_refused")
        low, high = map(
            int, re.search(r"oauth_acceptable_timestamps=(\d+)-(\d+)", response.text).groups()
        )
        server_now = time.time() + 1000
        assert high - low == 600
        assert abs((low + high) / 2 - server_now) < 5
        served_date = email.utils.parsedate_to_datetime(response.headers["Date"]).timestamp()
        assert abs(served_date - server_now) < 5
        shifted = OAuth1(
            sim.consumer_key, sim.consumer_secret, token, secret, timestamp=str(int(server_now))
        )
        assert requests.get(url, auth=shifted).status_code == 200


def test_symbol_lists_verify_with_literal_or_encoded_commas(api: Any) -> None:
    literal = api.get("/v1/market/quote/AAPL,MSFT.json")
    encoded = api.get("/v1/market/quote/AAPL%2CMSFT.json")
    for response in (literal, encoded):
        assert response.status_code == 200, response.text
        symbols = [q["Product"]["symbol"] for q in response.json()["QuoteResponse"]["QuoteData"]]
        assert symbols == ["AAPL", "MSFT"]
    assert "%2C" in api.sim.log.records()[-1].raw_path


def test_oauth_parameters_in_the_query_string_are_accepted(api: Any) -> None:
    auth = OAuth1(
        api.sim.consumer_key, api.sim.consumer_secret, api.token, api.secret, signature_type="query"
    )
    response = requests.get(api.url("/v1/accounts/list.json"), auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    assert api.sim.log.records()[-1].query["oauth_consumer_key"] == api.sim.consumer_key


def test_idle_token_turns_inactive_and_renew_reactivates_it(api: Any) -> None:
    sim = api.sim
    sim.clock.advance(2 * 3600 - 1)
    assert sim.token_state(api.token) == "ACTIVE"
    assert api.get("/v1/accounts/list").status_code == 200  # restarts the idle timer
    sim.clock.advance(2 * 3600 - 1)
    assert sim.token_state(api.token) == "ACTIVE"
    sim.clock.advance(2)
    assert sim.token_state(api.token) == "INACTIVE"
    refused = api.get("/v1/accounts/list")
    assert (refused.status_code, problem(refused)) == (401, "token_rejected")
    assert sim.token_state(api.token) == "INACTIVE"
    renewed = api.get("/oauth/renew_access_token")
    assert renewed.status_code == 200
    assert renewed.headers["Content-Type"].startswith("text/plain")
    assert renewed.text == "Access Token has been renewed"
    assert sim.renew_count == 1
    assert sim.token_state(api.token) == "ACTIVE"
    assert api.get("/v1/accounts/list").status_code == 200  # same token and secret


@pytest.mark.parametrize(
    "sim_start",
    [
        pytest.param(at_ny(2026, 3, 10, 21, 30), id="idle-ends-23:29-before-midnight"),
        pytest.param(at_ny(2026, 3, 10, 22, 30), id="idle-crosses-midnight"),
        pytest.param(at_ny(2026, 3, 10, 23, 59), id="one-minute-to-midnight"),
        pytest.param(at_ny(2026, 3, 11, 0, 0), id="just-after-midnight"),
        pytest.param(at_ny(2026, 3, 7, 23, 0), id="night-before-spring-forward"),
        pytest.param(at_ny(2026, 3, 8, 0, 30), id="spring-forward-day"),
        pytest.param(at_ny(2026, 10, 31, 23, 0), id="night-before-fall-back"),
        pytest.param(at_ny(2026, 11, 1, 0, 30), id="fall-back-day"),
        pytest.param(at_ny(2026, 3, 14, 12, 0), id="saturday"),
    ],
)
def test_idle_and_midnight_rules_at_named_instants(api: Any, sim_start: datetime) -> None:
    """At any instant: idle 2 h -> INACTIVE, unless midnight in New York came first."""
    sim = api.sim
    start = sim_start.astimezone(UTC)  # absolute arithmetic: wall-clock hours skip or repeat
    midnight = next_ny_midnight(sim_start).astimezone(UTC)
    assert sim.token_expires_at(api.token) == midnight

    def expected(at: datetime, idle_since: datetime) -> str:
        if at >= midnight:
            return "EXPIRED"
        return "INACTIVE" if at - idle_since >= IDLE_LIMIT else "ACTIVE"

    just_before_idle = start + IDLE_LIMIT - timedelta(seconds=1)
    sim.clock.set(just_before_idle)
    assert sim.token_state(api.token) == expected(just_before_idle, start)
    sim.clock.set(start + IDLE_LIMIT)
    assert sim.token_state(api.token) == expected(start + IDLE_LIMIT, start)
    sim.clock.set(midnight - timedelta(seconds=1))
    assert sim.token_state(api.token) == expected(midnight - timedelta(seconds=1), start)
    sim.clock.set(midnight)
    assert sim.token_state(api.token) == "EXPIRED"
    refused = api.get("/v1/accounts/list")
    assert refused.status_code == 401
    # a renew never undoes the midnight
    assert api.get("/oauth/renew_access_token").status_code == 401
    assert sim.token_state(api.token) == "EXPIRED"


def test_renew_of_an_active_token_counts_too(api: Any) -> None:
    assert api.request("POST", "/oauth/renew_access_token").status_code == 200
    assert api.get("/oauth/renew_access_token").status_code == 200
    assert api.sim.renew_count == 2


@pytest.mark.parametrize(
    ("issued", "expiry"),
    [
        # spring forward: the New York day of 2024-03-10 has 23 hours
        (datetime(2024, 3, 10, 5, 30, tzinfo=UTC), datetime(2024, 3, 11, 4, 0, tzinfo=UTC)),
        # fall back: the New York day of 2024-11-03 has 25 hours
        (datetime(2024, 11, 3, 4, 30, tzinfo=UTC), datetime(2024, 11, 4, 5, 0, tzinfo=UTC)),
        # an ordinary winter evening: 23:59 EST is 04:59 UTC the next day
        (datetime(2024, 1, 16, 4, 59, tzinfo=UTC), datetime(2024, 1, 16, 5, 0, tzinfo=UTC)),
    ],
)
def test_access_token_expires_at_midnight_new_york(
    issued: datetime, expiry: datetime, make_api: Any
) -> None:
    clock = SimClock(issued)
    with Simulator(clock=clock) as sim:
        token, secret = sim.issue_access_token()
        api = make_api(sim, token, secret)
        assert sim.token_expires_at(token) == expiry
        clock.set(expiry - timedelta(seconds=1))
        assert sim.token_state(token) in {"ACTIVE", "INACTIVE"}
        assert api.get("/oauth/renew_access_token").status_code == 200
        assert api.get("/v1/accounts/list").status_code == 200
        clock.set(expiry)
        assert sim.token_state(token) == "EXPIRED"
        for path in ("/v1/accounts/list", "/oauth/renew_access_token"):
            response = api.get(path)
            assert (response.status_code, problem(response)) == (401, "token_expired")


def test_revoked_token_is_rejected_everywhere(api: Any) -> None:
    revoked = api.get("/oauth/revoke_access_token")
    assert (revoked.status_code, revoked.text) == (200, "Revoked Access Token")
    assert api.sim.token_state(api.token) == "REVOKED"
    for path in ("/v1/accounts/list", "/oauth/renew_access_token", "/oauth/revoke_access_token"):
        response = api.get(path)
        assert (response.status_code, problem(response)) == (401, "token_rejected")
    assert api.sim.renew_count == 0


def test_unknown_token_state(sim: Simulator) -> None:
    assert sim.token_state("never-issued") == "UNKNOWN"


def test_injected_oauth_fault_answers_like_tomcat(api: Any) -> None:
    api.sim.faults.script("/v1/accounts/list", Fault.oauth("token_expired"))
    response = api.get("/v1/accounts/list")
    assert (response.status_code, problem(response)) == (401, "token_expired")
    assert response.text.startswith("<html>")


class _RealmAuth(OAuth1):  # type: ignore[misc]
    """Adds ``realm=""`` after signing, as E*TRADE's documentation shows it."""

    def __call__(self, request: Any) -> Any:
        request = super().__call__(request)
        header = request.headers["Authorization"]
        header = header.decode() if isinstance(header, bytes) else header
        request.headers["Authorization"] = header.replace("OAuth ", 'OAuth realm="", ', 1)
        return request


def test_empty_realm_in_the_header_is_accepted(api: Any) -> None:
    auth = _RealmAuth(api.sim.consumer_key, api.sim.consumer_secret, api.token, api.secret)
    response = requests.get(api.url("/v1/accounts/list.json"), auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    assert 'realm=""' in api.sim.log.last().headers["Authorization"]

"""Per-request signing: every attempt carries its own signer; nothing writes
``session.auth``; the OAuth calls go through a transport without a token guard."""

from __future__ import annotations

from collections.abc import Callable

from etrade_sync.auth.signer import Signer
from etrade_sync.client import Client
from etrade_sync.simulator import Fault, Simulator


def test_requests_are_signed_per_attempt_and_session_auth_stays_empty(
    sim: Simulator, client: Client
) -> None:
    assert client.accounts.list()
    assert client.session.auth is None
    signer = client.auth.before_request()
    assert isinstance(signer, Signer) and signer.token is not None
    assert not hasattr(client.auth, "bind")
    assert all(r.nonce for r in sim.log.records(path_glob="/v1/*"))


def test_a_rejected_token_is_renewed_once_and_the_read_repeated_with_a_new_signature(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(accounts_ttl=0)
    sim.faults.script("/v1/accounts/list", Fault.oauth("token_rejected"))
    assert client.accounts.list()
    attempts = sim.log.records(path_glob="/v1/accounts/list")
    assert [r.status for r in attempts] == [401, 200]
    assert len({r.nonce for r in attempts}) == 2
    assert sim.log.hits(path_glob="/oauth/renew_access_token") == 1
    assert client.session.auth is None

"""The token lifecycle as a user notices it: a renew E*TRADE refuses for good means
"log in" (and no more requests), a renew done elsewhere is not repeated, and the
``open_browser`` choice is obeyed."""

from __future__ import annotations

import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest

from etrade_sync.auth import TokenStatus
from etrade_sync.errors import AuthenticationError, LoginRequiredError
from etrade_sync.simulator import Fault, Simulator
from tests.auth.helpers import approve_in_browser, auth_client, auth_settings, login

HOUR = 3600.0
MINUTE = 60.0


@pytest.mark.parametrize(
    "problem", ["token_rejected", "token_expired", "token_revoked", "signature_invalid"]
)
def test_a_renew_refused_for_good_means_log_in(
    held_sim: Simulator, token_path: Path, key: str, problem: str
) -> None:
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    login(client)
    held_sim.clock.advance(2 * HOUR + MINUTE)  # idle: the next request renews first
    held_sim.faults.script("/oauth/renew_access_token", Fault.oauth(problem))
    with pytest.raises(LoginRequiredError) as info:
        client.accounts.list()
    assert "log in" in str(info.value)
    assert client.auth.status().status is TokenStatus.REFUSED
    with pytest.raises(LoginRequiredError):  # no second renew, no request sent
        client.accounts.list()
    assert held_sim.log.hits(path_glob="/oauth/renew_access_token") == 1
    assert held_sim.log.hits(path_glob="/v1/*") == 0
    client.close()


def test_another_renew_refusal_is_not_mistaken_for_a_dead_token(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    login(client)
    held_sim.clock.advance(2 * HOUR + MINUTE)
    held_sim.faults.script("/oauth/renew_access_token", Fault.oauth("nonce_used"))
    with pytest.raises(AuthenticationError) as info:
        client.accounts.list()
    assert not isinstance(info.value, LoginRequiredError)
    client.close()


def test_a_renew_made_by_another_client_is_not_repeated(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    """Two programs share the token file. The first is refused (``token_rejected``) and
    renews; the second, holding the token as it was before that renew, is refused too:
    it finds the token renewed since it signed and repeats its request without renewing
    again."""
    settings = auth_settings(held_sim, token_path, key)
    first = auth_client(held_sim, settings)
    login(first)
    second = auth_client(held_sim, settings)
    assert second.market.quote("IBM")  # the second program has the token too
    held_sim.clock.advance(10 * MINUTE)
    held_sim.faults.script("/v1/accounts/list", Fault.oauth("token_rejected"))
    held_sim.faults.script("/v1/market/quote/*", Fault.oauth("token_rejected"))
    assert first.accounts.list()
    assert held_sim.renew_count == 1
    assert second.market.quote("IBM")
    assert held_sim.renew_count == 1, "the second program renewed a token renewed since"
    assert [r.status for r in held_sim.log.records(path_glob="/v1/market/quote/*")] == [
        200,
        401,
        200,
    ]
    first.close()
    second.close()


def test_a_token_refused_again_after_its_renew_is_renewed_once_more(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    """The other side of that guard: a request signed *after* the renew and refused
    again gets one renew of its own (the renew is per signing, not once for ever)."""
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    login(client)
    held_sim.faults.script("/v1/accounts/list", Fault.oauth("token_rejected"))
    assert client.accounts.list()
    held_sim.clock.advance(10 * MINUTE)
    held_sim.faults.script("/v1/accounts/list", Fault.oauth("token_rejected"))
    assert client.accounts.list()
    assert held_sim.renew_count == 2
    client.close()


class _UserAtBrowser(webbrowser.BaseBrowser):
    """A browser: opens the page over HTTP, like a person would, and keeps the code."""

    def __init__(self) -> None:
        super().__init__("test-user")
        self.codes: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.codes.append(approve_in_browser(url))
        return True


@pytest.fixture
def browser() -> Iterator[_UserAtBrowser]:
    user = _UserAtBrowser()
    webbrowser.register("etrade-sync-test", None, user, preferred=True)
    try:
        yield user
    finally:
        tryorder = getattr(webbrowser, "_tryorder", None) or []
        if "etrade-sync-test" in tryorder:
            tryorder.remove("etrade-sync-test")
        getattr(webbrowser, "_browsers", {}).pop("etrade-sync-test", None)


@pytest.mark.parametrize("open_browser", [True, False])
def test_open_browser_is_obeyed(
    held_sim: Simulator,
    token_path: Path,
    key: str,
    browser: _UserAtBrowser,
    monkeypatch: pytest.MonkeyPatch,
    open_browser: bool,
) -> None:
    # a desktop session: left to itself, login would open a browser
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    shown: list[str] = []

    def read_code(prompt: str) -> str:
        if browser.codes:
            return browser.codes[-1]
        url = next(line.strip() for line in shown if line.strip().startswith("http"))
        return approve_in_browser(url)  # the user copies the link by hand

    status = client.auth.login(read_code=read_code, open_browser=open_browser, write=shown.append)
    assert status.status is TokenStatus.ACTIVE
    assert len(browser.codes) == (1 if open_browser else 0)
    assert any("opened in your browser" in line for line in shown) is open_browser
    client.close()


def test_without_a_display_no_browser_is_tried(
    held_sim: Simulator,
    token_path: Path,
    key: str,
    browser: _UserAtBrowser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 2222 10.0.0.2 22")
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    shown: list[str] = []

    def read_code(prompt: str) -> str:
        url = next(line.strip() for line in shown if line.strip().startswith("http"))
        return approve_in_browser(url)

    client.auth.login(read_code=read_code, write=shown.append)
    assert browser.codes == []
    client.close()


def test_renew_on_request_renews_at_etrade(held_sim: Simulator, token_path: Path, key: str) -> None:
    client = auth_client(held_sim, auth_settings(held_sim, token_path, key))
    login(client)
    held_sim.clock.advance(2 * HOUR + MINUTE)  # inactive at E*TRADE
    status = client.auth.renew()
    assert held_sim.renew_count == 1
    assert status.status is TokenStatus.ACTIVE
    assert client.accounts.list()
    assert held_sim.renew_count == 1
    client.close()


def test_a_use_by_one_program_keeps_the_token_fresh_for_another(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    """The last use is written to the shared token file, so a second program does not
    take a token used an hour ago for one idle since the login, and renews nothing."""
    settings = auth_settings(held_sim, token_path, key)
    first = auth_client(held_sim, settings)
    login(first)
    held_sim.clock.advance(61 * MINUTE)
    assert first.accounts.list()  # used: written to the file (more than a minute since)
    held_sim.clock.advance(61 * MINUTE)  # 2 h 2 min after the login, 61 min after the use
    second = auth_client(held_sim, settings)
    assert second.accounts.list()
    assert held_sim.renew_count == 0
    first.close()
    second.close()


def test_a_new_login_by_another_program_is_taken_up(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    """A program whose token E*TRADE calls expired finds the login another program made
    meanwhile in the shared token file, and repeats its request with it."""
    settings = auth_settings(held_sim, token_path, key)
    old = auth_client(held_sim, settings)
    login(old)
    fresh = auth_client(held_sim, settings)
    login(fresh)  # a new token in the file
    held_sim.faults.script("/v1/accounts/list", Fault.oauth("token_expired"))
    assert old.accounts.list()
    tokens = [r.token for r in held_sim.log.records(path_glob="/v1/accounts/list")]
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert tokens[1] == fresh.auth.store.load().token  # type: ignore[union-attr]
    old.close()
    fresh.close()


def test_a_renew_waits_for_another_program_holding_the_token_file(
    held_sim: Simulator, token_path: Path, key: str
) -> None:
    """Another program holds the token file's lock for a moment (its own renew): this
    one waits for it (up to twice its connect + read timeouts, plus 30 s) and renews."""
    import threading
    import time

    settings = auth_settings(held_sim, token_path, key, connect_timeout=1.0, read_timeout=20.0)
    client = auth_client(held_sim, settings)
    login(client)
    other = auth_client(held_sim, settings)
    held_sim.clock.advance(2 * HOUR + MINUTE)  # the next request renews first
    holding = threading.Event()

    def hold() -> None:
        with other.auth.store.locked(5.0):
            holding.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5)
    assert client.accounts.list()
    holder.join(5)
    assert held_sim.renew_count == 1
    client.close()
    other.close()

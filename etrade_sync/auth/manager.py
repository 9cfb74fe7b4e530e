"""
etrade_sync.auth.manager
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`AuthManager`, ``client.auth``: the daily login,
the token store shared by every process, and the lifetime rules the transport
applies around each request (it is the transport's ``TokenGuard``):

- a token idle for nearly 2 hours (``renew_margin`` before) is renewed first;
- a ``401 token_rejected`` is answered by one renew, then the request is repeated
  if it is safe;
- past midnight US Eastern, or once a renew was refused,
  :class:`~etrade_sync.errors.LoginRequiredError` names the command to run.

For each attempt :meth:`AuthManager.before_request` hands the transport an
immutable :class:`~etrade_sync.auth.signer.Signer` (the OAuth1 signer and the
token it signs with); a rejection comes back with that signer, so no per-thread
state is kept and ``session.auth`` is never written. The OAuth calls (request
and access token, renew, revoke) go through a transport of their own, given at
construction (``sender``): renewing is a step, never a re-entry into the
guarded request path.

Renewing is a locked read-modify-write on the store: the process that gets the
lock re-reads the token, renews only if the stored last use still says idle,
and saves, so the others find it fresh and renew nothing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .. import _tz
from ..errors import AuthenticationError, ClockSkewError, ConfigurationError, LoginRequiredError
from ..observe.logs import protect
from ..transport.session import make_oauth1
from .flow import AuthorizationRequest, OAuthFlow
from .prompt import (
    ReadCode,
    browser_available,
    clean_verifier,
    default_reader,
    open_in_browser,
    where_is_the_code,
)
from .signer import Signer
from .stores import TokenStore, TokenStoreError, login_command, token_store_for
from .token import AccessToken, AuthStatus, TokenStatus

if TYPE_CHECKING:
    import requests

    from ..config import Settings
    from ..transport import Transport

__all__ = ["PERSIST_EVERY", "AuthManager"]

log = logging.getLogger("etrade_sync")

#: A token's last use is written to the store at most this often (other processes
#: read it to know the token is active).
PERSIST_EVERY = timedelta(minutes=1)
#: States in which the token is of no use any more: a new login is needed.
_DEAD_STATES = (TokenStatus.EXPIRED, TokenStatus.REFUSED)

#: Renew refusals after which only a new login helps.
_LOGIN_PROBLEMS = frozenset(
    {"token_rejected", "token_expired", "token_revoked", "signature_invalid"}
)


class AuthManager:
    """The login and the token's life, as ``client.auth``."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session,
        *,
        store: TokenStore | None = None,
        now: Callable[[], datetime] | None = None,
        sender: Transport | None = None,
    ) -> None:
        self._settings = settings
        self._session = session
        self._oauth: Any = None
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._token: AccessToken | None = None
        self._store: TokenStore = store if store is not None else token_store_for(settings)
        # The OAuth calls (request token, access token, renew, revoke) go through
        # ``sender``, a transport without a token guard: renewing is a step of its
        # own, never a re-entry into the guarded request path.
        self._flow: OAuthFlow | None = OAuthFlow(settings, sender) if sender else None
        self._pending: AuthorizationRequest | None = None
        self._persisted: datetime | None = None
        self._dead: str | None = None
        self._lock_timeout = 2 * (settings.connect_timeout + settings.read_timeout) + 30.0
        protect(settings.consumer_secret)
        if settings.consumer_key and settings.consumer_secret:
            try:
                self._adopt(self._store.load())
            except (ConfigurationError, TokenStoreError) as exc:
                # raised again, as the error, by the first call that needs the token
                log.debug("saved login not loaded: %s", exc)

    @property
    def store(self) -> TokenStore:
        """Where the access token is kept."""
        return self._store

    # -- login -----------------------------------------------------------------------

    def request_authorization(self) -> AuthorizationRequest:
        """Start a login: get a request token; open the returned ``.url`` to approve."""
        self._require_writable_store()
        request = self._require_flow().request_authorization(self._now())
        self._pending = request
        return request

    def complete(self, verifier: str, request: AuthorizationRequest | None = None) -> AuthStatus:
        """Finish the login with the code shown after approval; the token is saved."""
        pending = request or self._pending
        if pending is None:
            raise LoginRequiredError(
                "no login in progress: call client.auth.request_authorization() first",
                command=self.login_command(),
            )
        code = clean_verifier(verifier)
        token, secret = self._require_flow().access_token(pending, code)
        now = self._now()
        fresh = AccessToken(token, secret, issued_at=now, last_used=now)
        self._take(fresh)
        self._pending = None
        log.info("logged in to E*TRADE %s; the token lasts until midnight US Eastern",
                 self._settings.environment)  # fmt: skip
        return self.status()

    def login(
        self,
        *,
        read_code: ReadCode | None = None,
        open_browser: bool | None = None,
        write: Callable[[str], None] | None = None,
    ) -> AuthStatus:
        """Interactive login: show (and open) the page, read the code, save the token.

        ``read_code(prompt)`` defaults to a hidden prompt on a terminal and to
        :func:`input` elsewhere; ``open_browser=None`` opens one when available.
        """
        say = write or print
        request = self.request_authorization()
        say("Log in to E*TRADE and approve access on this page (good for 5 minutes):")
        say(f"  {request.url}")
        wanted = browser_available() if open_browser is None else open_browser
        if wanted and open_in_browser(request.url):
            say("(opened in your browser)")
        say(where_is_the_code(request.url))
        reader = read_code or default_reader()
        status = self.complete(reader("Verification code: "), request)
        say(f"Logged in. {status}")
        return status

    def use_token(
        self, token: str, token_secret: str, *, issued_at: datetime | None = None
    ) -> None:
        """Adopt an access token obtained elsewhere (issued now unless ``issued_at``)."""
        if not token or not token_secret:
            raise ValueError("token and token_secret must be non-empty strings")
        now = self._now()
        self._take(AccessToken(token, token_secret, issued_at=issued_at or now, last_used=now))

    # -- explicit lifecycle calls ----------------------------------------------------

    def status(self) -> AuthStatus:
        """ACTIVE / INACTIVE / EXPIRED / MISSING with ``expires_at`` and ``idle_at``."""
        with self._lock:
            now = self._now()
            self._refresh()
            return AuthStatus.of(self._token, now, self._settings.environment,
                                 self._store.describe())  # fmt: skip

    def renew(self) -> AuthStatus:
        """Renew the access token now (revives an inactive token; not past midnight)."""
        with self._lock:
            self._refresh()
            self._renew(force=True, seen=None, reason="requested")
        return self.status()

    def revoke(self) -> AuthStatus:
        """Revoke the token at E*TRADE, then forget it here (kept if E*TRADE fails)."""
        with self._lock:
            self._refresh()
            token = self._token
            if token is not None and token.status(self._now()) not in _DEAD_STATES:
                self._require_flow().revoke(token)
                log.info("access token revoked at E*TRADE")
            self.forget()
            return self.status()

    def forget(self) -> None:
        """Drop the token here and in the store, without telling E*TRADE."""
        with self._lock:
            self._token = None
            self._dead = None
            self._persisted = None
            self._oauth = None
            self._store.clear()

    def login_command(self) -> str:
        """The exact command that logs in again for these settings."""
        return login_command(self._settings, self._store)

    # -- TokenGuard ------------------------------------------------------------------

    def before_request(self) -> Signer:
        """The signer for one attempt; renews first when idle nears 2 h; raises
        LoginRequiredError when a login is needed."""
        token = self._token
        if token is not None and token.token != self._dead and self._fresh(token, self._now()):
            return Signer(self._oauth, token)
        with self._lock:
            self._refresh()
            token = self._usable()
            if not self._fresh(token, self._now()):
                self._renew(force=False, seen=None, reason="idle")
            return Signer(self._oauth, self._token)

    def signer(self) -> Signer | None:
        """A signer for the current access token (None without one)."""
        with self._lock:
            return Signer(self._oauth, self._token) if self._oauth is not None else None

    def after_success(self) -> None:
        """Record the use; write it to the store at most once a minute."""
        now = self._now()
        with self._lock:
            if self._token is None:
                return
            self._token = self._token.used(now)
            due = self._store.writable and (
                self._persisted is None or now - self._persisted >= PERSIST_EVERY
            )
            snapshot = self._token
        if due:
            self._persist(snapshot)

    def on_rejected(self, error: AuthenticationError, signer: Signer | None = None) -> bool:
        """One renew after ``token_rejected`` of the token ``signer`` signed with;
        True when the request may be repeated."""
        seen = signer.token if signer is not None and signer.token is not None else self._token
        with self._lock:
            if error.oauth_problem == "token_expired":
                self._refresh()
                current = self._token
                if (
                    current is not None
                    and not current.same_token(seen)
                    and (current.status(self._now()) not in _DEAD_STATES)
                ):
                    return True  # someone logged in again meanwhile
                if seen is not None:
                    self._mark_refused(seen, error.oauth_problem, locked=False)
                raise LoginRequiredError(
                    f"E*TRADE says the access token has expired (they end at midnight US "
                    f"Eastern); log in again: {self.login_command()}",
                    command=self.login_command(),
                ) from error
            log.info("E*TRADE rejected the access token (%s); renewing once", error.oauth_problem)
            self._renew(force=True, seen=seen, reason="rejected")
            return True

    # -- internals -------------------------------------------------------------------

    def _require_flow(self) -> OAuthFlow:
        if self._flow is None:
            raise RuntimeError("AuthManager was built without a sender for the OAuth calls")
        return self._flow

    def _require_writable_store(self) -> None:
        if not self._store.writable:
            from ..crypto.keys import missing_key_error  # cryptography loads on first use

            raise missing_key_error(str(self._settings.token_path))

    def _fresh(self, token: AccessToken, now: datetime) -> bool:
        """ACTIVE and not within ``renew_margin`` of going idle."""
        margin = timedelta(seconds=self._settings.renew_margin)
        return token.status(now) is TokenStatus.ACTIVE and now < token.idle_at - margin

    def _install(self, token: AccessToken) -> None:
        key, secret = self._settings.consumer_key, self._settings.consumer_secret
        if not key or not secret:
            raise ConfigurationError(
                "no consumer key/secret: set ETRADE_CONSUMER_KEY and ETRADE_CONSUMER_SECRET",
                name="consumer_key",
            )
        protect(token.token, token.token_secret)
        with self._lock:
            if not token.same_token(self._token):
                self._oauth = make_oauth1(key, secret, token.token, token.token_secret)
            self._token = token

    def _take(self, token: AccessToken) -> None:
        """Adopt a brand-new token (login or use_token) and save it."""
        with self._lock:
            self._install(token)
            self._dead = None
            if self._store.writable:
                self._store.save(token)
                self._persisted = token.last_used

    def _adopt(self, stored: AccessToken | None) -> None:
        """Take what the store knows: a newer login, or later use/renew times."""
        if stored is None:
            return
        with self._lock:
            current = self._token
            if current is None or not stored.same_token(current):
                if current is None or stored.issued_at >= current.issued_at:
                    self._install(stored)
                    self._persisted = stored.last_used
                return
            self._token = current.merged(stored)
            self._persisted = max(self._persisted or stored.last_used, stored.last_used)

    def _refresh(self) -> None:
        """Re-read the store (no lock: writes are atomic)."""
        try:
            stored = self._store.load()
        except (ConfigurationError, TokenStoreError):
            if self._token is None:
                raise
            log.warning("could not re-read the token store; keeping the token in memory")
            return
        self._adopt(stored)

    def _usable(self) -> AccessToken:
        token = self._token
        command = self.login_command()
        if token is None:
            raise LoginRequiredError(
                f"no E*TRADE access token for {self._settings.environment}; log in: {command}",
                command=command,
            )
        if token.status(self._now()) is TokenStatus.EXPIRED:
            when = token.expires_at.astimezone(_tz.EASTERN).strftime("%Y-%m-%d %H:%M %Z")
            raise LoginRequiredError(
                f"the E*TRADE access token expired at {when} (midnight US Eastern); "
                f"log in again: {command}",
                command=command,
            )
        if token.token == self._dead or token.refused_at is not None:
            raise LoginRequiredError(
                f"E*TRADE no longer accepts the access token; log in again: {command}",
                command=command,
            )
        return token

    def _mark_refused(self, token: AccessToken, problem: str | None, *, locked: bool) -> None:
        """Remember that E*TRADE refused ``token``, here and in the store, so that
        ``status()`` in any process says REFUSED until the next login."""
        self._dead = token.token
        refused = token.refused(self._now(), problem)
        if self._token is not None and self._token.same_token(token):
            self._token = self._token.merged(refused)
        if not self._store.writable:
            return
        section = contextlib.nullcontext() if locked else self._store.locked(self._lock_timeout)
        try:
            with section:
                stored = self._store.load()
                if stored is not None and stored.same_token(token):
                    self._store.save(stored.merged(refused))
        except (ConfigurationError, OSError, TokenStoreError) as exc:
            log.debug("could not record the refusal in %s: %s", self._store.describe(), exc)

    def _renew(self, *, force: bool, seen: AccessToken | None, reason: str) -> None:
        """Renew under the store lock unless someone else already did (call with _lock)."""
        flow = self._require_flow()
        shared = self._store.writable
        section = self._store.locked(self._lock_timeout) if shared else contextlib.nullcontext()
        with section:
            if shared:
                self._adopt(self._store.load())
            token = self._usable()
            now = self._now()
            if not force and self._fresh(token, now):
                log.debug("access token already renewed or used elsewhere; no renew needed")
                return
            if seen is not None and (
                not token.same_token(seen) or token.renewed_at != seen.renewed_at
            ):
                return  # renewed (or replaced) since that request was signed
            try:
                flow.renew(token)
            except AuthenticationError as exc:
                if isinstance(exc, ClockSkewError) or exc.oauth_problem not in _LOGIN_PROBLEMS:
                    raise
                self._mark_refused(token, exc.oauth_problem, locked=shared)
                command = self.login_command()
                raise LoginRequiredError(
                    f"E*TRADE refused to renew the access token "
                    f"(oauth_problem={exc.oauth_problem}); log in again: {command}",
                    command=command,
                ) from exc
            renewed = token.renewed(self._now())
            self._token = renewed
            log.info("access token renewed (%s)", reason)
            if shared:
                try:
                    self._store.save(renewed)
                    self._persisted = renewed.last_used
                except (OSError, TokenStoreError) as exc:  # the renew itself worked
                    log.warning("renewed, but could not save to %s: %s",
                                self._store.describe(), exc)  # fmt: skip

    def _persist(self, snapshot: AccessToken) -> None:
        """Write the last use without waiting: skipped when the store is busy."""
        try:
            with self._store.locked(0.0):
                stored = self._store.load()
                if stored is None or not stored.same_token(snapshot):
                    return  # revoked or replaced meanwhile: never write an old token back
                if stored.last_used >= snapshot.last_used:
                    merged = stored
                else:
                    merged = snapshot.merged(stored)
                    self._store.save(merged)
        except TokenStoreError:
            return  # busy (a renew or another writer): next time
        except (ConfigurationError, OSError) as exc:
            log.warning("could not record the token's last use: %s", exc)
            merged = snapshot
        with self._lock:
            self._persisted = max(self._persisted or merged.last_used, merged.last_used)

    def __repr__(self) -> str:
        token = self._token
        state = token.status(self._now()).value if token else TokenStatus.MISSING.value
        return f"AuthManager(environment={self._settings.environment!r}, status={state})"

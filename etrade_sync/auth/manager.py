"""
etrade_sync.auth.manager
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`AuthManager`, ``client.auth``: it holds the access
token, installs the OAuth1 signer on the session and applies the token's
lifetime rules before and after each request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..errors import AuthenticationError, ConfigurationError, LoginRequiredError
from ..session import make_oauth1
from .token import AccessToken

if TYPE_CHECKING:
    import requests

    from ..config import Settings

__all__ = ["AuthManager"]

log = logging.getLogger("etrade_sync")


class AuthManager:
    """The login and the token's life, as ``client.auth``."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._settings = settings
        self._session = session
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._token: AccessToken | None = None

    def _require_consumer(self) -> tuple[str, str]:
        key, secret = self._settings.consumer_key, self._settings.consumer_secret
        if not key or not secret:
            raise ConfigurationError(
                "no consumer key/secret: set ETRADE_CONSUMER_KEY and ETRADE_CONSUMER_SECRET",
                name="consumer_key",
            )
        return key, secret

    def use_token(self, token: str, token_secret: str) -> None:
        """Adopt an access token obtained elsewhere (treated as issued now)."""
        if not token or not token_secret:
            raise ValueError("token and token_secret must be non-empty strings")
        now = self._now()
        self._install(AccessToken(token, token_secret, issued_at=now, last_used=now))

    def _install(self, token: AccessToken) -> None:
        key, secret = self._require_consumer()
        with self._lock:
            self._token = token
            self._session.auth = make_oauth1(key, secret, token.token, token.token_secret)

    # -- TokenGuard ------------------------------------------------------------------

    def before_request(self) -> None:
        if self._token is None:
            raise LoginRequiredError(
                "no E*TRADE access token: run `etrade-sync login` (or client.auth.login())"
            )

    def after_success(self) -> None:
        with self._lock:
            if self._token is not None:
                self._token = self._token.used(self._now())

    def on_rejected(self, error: AuthenticationError) -> bool:
        return False

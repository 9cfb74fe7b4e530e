"""
etrade_sync.auth.flow
~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`OAuthFlow`, E*TRADE's four OAuth 1.0a calls (request
token, access token, renew, revoke) sent through the
:class:`~etrade_sync.transport.Transport`, so they share its timeouts, error
decoding (``oauth_problem`` pages) and metrics, and
:class:`AuthorizationRequest`, the pending login that ``request_authorization()``
returns.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from ..errors import APIError, AuthenticationError
from ..observe.logs import protect
from ..observe.redact import short_key
from ..transport import Call
from ..transport.session import make_oauth1
from .token import AccessToken

if TYPE_CHECKING:
    import requests

    from ..config import Settings
    from ..transport import Transport

__all__ = ["REQUEST_TOKEN_LIFETIME", "AuthorizationRequest", "OAuthFlow", "authorize_url"]

#: E*TRADE request tokens (and so the login page) are good for five minutes.
REQUEST_TOKEN_LIFETIME = timedelta(minutes=5)


def authorize_url(settings: Settings, request_token: str) -> str:
    """E*TRADE's login page for ``request_token`` (``?key=<consumer key>&token=...``)."""
    query = urlencode({"key": settings.consumer_key or "", "token": request_token})
    base = settings.authorize_base
    return f"{base}{'&' if '?' in base else '?'}{query}"


@dataclasses.dataclass(frozen=True, repr=False)
class AuthorizationRequest:
    """A login in progress: open :attr:`url`, approve, and pass the code to ``complete``.

    The request token is good for five minutes (:attr:`expires_at`). ``repr()``
    shows neither the token nor its secret.
    """

    url: str
    token: str
    token_secret: str
    created_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.created_at + REQUEST_TOKEN_LIFETIME

    def __repr__(self) -> str:
        shown = self.url.split("?", 1)[0] + "?key=…&token=***"
        return f"AuthorizationRequest(url={shown!r}, expires_at={self.expires_at.isoformat()})"


class OAuthFlow:
    """The OAuth calls, each explicitly signed (the token guard is not involved)."""

    def __init__(self, settings: Settings, transport: Transport) -> None:
        self._settings = settings
        self._transport = transport

    def _consumer(self) -> tuple[str, str]:
        key, secret = self._settings.consumer_key, self._settings.consumer_secret
        if not key or not secret:
            from ..errors import ConfigurationError

            raise ConfigurationError(
                "no consumer key/secret: set ETRADE_CONSUMER_KEY and ETRADE_CONSUMER_SECRET",
                name="consumer_key",
            )
        return key, secret

    def _send(self, path: str, name: str, auth: object, *, safe: bool) -> requests.Response:
        call = Call("GET", path, name=name, category="oauth", safe=safe, base="oauth", signed=True)
        return self._transport.request(call, auth=auth)

    @staticmethod
    def _form(response: requests.Response, call: str) -> dict[str, str]:
        fields = dict(parse_qsl(response.text, keep_blank_values=True))
        if not fields.get("oauth_token") or not fields.get("oauth_token_secret"):
            raise APIError(
                f"{call}: E*TRADE's answer carries no token (content type "
                f"{response.headers.get('Content-Type', 'none')})",
                status=response.status_code,
                method="GET",
                path=response.request.path_url.split("?")[0] if response.request else None,
            )
        protect(fields["oauth_token"], fields["oauth_token_secret"])
        return fields

    def request_authorization(self, now: datetime) -> AuthorizationRequest:
        """Get a request token (``oauth_callback=oob``) and build the login page URL."""
        key, secret = self._consumer()
        auth = make_oauth1(key, secret, callback_uri="oob")
        response = self._send("/oauth/request_token", "oauth.request_token", auth, safe=True)
        fields = self._form(response, "request_token")
        token = fields["oauth_token"]
        return AuthorizationRequest(
            url=authorize_url(self._settings, token),
            token=token,
            token_secret=fields["oauth_token_secret"],
            created_at=now,
        )

    def access_token(self, request: AuthorizationRequest, verifier: str) -> tuple[str, str]:
        """Exchange the approved request token and ``verifier`` for an access token."""
        key, secret = self._consumer()
        protect(verifier)
        auth = make_oauth1(key, secret, request.token, request.token_secret, verifier=verifier)
        try:
            response = self._send("/oauth/access_token", "oauth.access_token", auth, safe=False)
        except AuthenticationError as exc:
            hint = {
                "token_expired": "the login took longer than 5 minutes (the page and its code "
                "expire); start the login again",
                "verifier_invalid": "the verification code was not accepted; check it "
                "(it is shown on the page after you approve) and try again",
                "token_rejected": "this login request was already used or is unknown; start "
                "the login again",
            }.get(exc.oauth_problem or "")
            if hint:
                exc.message = f"{hint} (oauth_problem={exc.oauth_problem})"
                exc.args = (exc._describe(),)
            raise
        fields = self._form(response, "access_token")
        return fields["oauth_token"], fields["oauth_token_secret"]

    def _token_auth(self, token: AccessToken) -> object:
        key, secret = self._consumer()
        return make_oauth1(key, secret, token.token, token.token_secret)

    def renew(self, token: AccessToken) -> None:
        """Reactivate ``token`` after inactivity (it stays the same token)."""
        self._send("/oauth/renew_access_token", "oauth.renew", self._token_auth(token), safe=True)

    def revoke(self, token: AccessToken) -> None:
        """Tell E*TRADE to invalidate ``token``."""
        self._send("/oauth/revoke_access_token", "oauth.revoke", self._token_auth(token), safe=True)

    def __repr__(self) -> str:
        return f"OAuthFlow(consumer_key={short_key(self._settings.consumer_key)!r})"

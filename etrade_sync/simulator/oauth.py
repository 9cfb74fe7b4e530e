"""Server side of OAuth 1.0a as E*TRADE runs it: signature checks and the token endpoints."""

from __future__ import annotations

import contextlib
import html
import string
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header, unescape

from .clock import SimClock
from .tokens import ACTIVE, EXPIRED, INACTIVE, AccessToken, TokenStore
from .wire import OAuthProblem, Reply, SimRequest, form_reply, html_reply, text_reply

__all__ = ["TIMESTAMP_WINDOW", "OAuthService", "Verified", "oauth_params"]

TIMESTAMP_WINDOW = 300
_BASE_PARAMS = (
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
)
_SAFE = set(string.printable) - set(string.whitespace)


def oauth_params(call: SimRequest) -> dict[str, str]:
    """The ``oauth_*`` parameters from the Authorization header and the query string."""
    found: dict[str, str] = {}
    header = call.header("Authorization")
    if header:
        with contextlib.suppress(ValueError):
            found.update(
                (unescape(k), unescape(v))
                for k, v in parse_authorization_header(header)
                if k.startswith("oauth_")
            )
    query = urlsplit(call.raw_path).query
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.startswith("oauth_"):
            found.setdefault(key, value)
    return found


@dataclass(frozen=True)
class Verified:
    consumer_key: str
    token: str | None
    params: dict[str, str]


class _Validator(RequestValidator):  # type: ignore[misc]
    """Relaxed oauthlib validator: plain HTTP, E*TRADE token characters, our own clock."""

    enforce_ssl = False
    safe_characters = _SAFE
    client_key_length = (1, 256)
    request_token_length = (1, 256)
    access_token_length = (1, 256)
    nonce_length = (1, 256)
    verifier_length = (1, 64)
    timestamp_lifetime = 10**12  # the timestamp window is checked before oauthlib runs
    allowed_signature_methods = ("HMAC-SHA1",)
    dummy_client = "dummy-consumer-key"
    dummy_request_token = "dummy-request-token"
    dummy_access_token = "dummy-access-token"

    def __init__(self, service: OAuthService) -> None:
        super().__init__()
        self.service = service
        self.nonce_checked = False
        self.nonce_fresh = True

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        return client_key == self.service.consumer_key

    def get_client_secret(self, client_key: str, request: Any) -> str:
        if client_key == self.service.consumer_key:
            return self.service.consumer_secret
        return "dummy-secret"

    def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
        return self.service.tokens.secret_for(token) or "dummy-secret"

    def get_request_token_secret(self, client_key: str, token: str, request: Any) -> str:
        return self.service.tokens.secret_for(token) or "dummy-secret"

    def validate_timestamp_and_nonce(
        self,
        client_key: str,
        timestamp: str,
        nonce: str,
        request: Any,
        request_token: str | None = None,
        access_token: str | None = None,
    ) -> bool:
        self.nonce_checked = True
        self.nonce_fresh = self.service.remember_nonce(client_key, timestamp, nonce)
        return self.nonce_fresh


class OAuthService:
    """Consumer credentials, tokens and nonces, and the ``/oauth/*`` endpoints."""

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        clock: SimClock,
        lock: threading.RLock,
        server_time_offset: float = 0.0,
    ) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.clock = clock
        self.lock = lock
        self.server_time_offset = server_time_offset
        self.tokens = TokenStore()
        self._nonces: dict[tuple[str, str, str], int] = {}

    # -- helpers -------------------------------------------------------------------------

    def server_now(self) -> float:
        """Real time as the server believes it (used for timestamps and ``Date``)."""
        return time.time() + self.server_time_offset

    def remember_nonce(self, consumer_key: str, timestamp: str, nonce: str) -> bool:
        """Record a nonce; False when (consumer key, timestamp, nonce) was seen before."""
        key = (consumer_key, timestamp, nonce)
        if key in self._nonces:
            return False
        if len(self._nonces) > 20000:
            horizon = int(self.server_now()) - 2 * TIMESTAMP_WINDOW
            self._nonces = {k: ts for k, ts in self._nonces.items() if ts >= horizon}
        try:
            self._nonces[key] = int(timestamp)
        except ValueError:
            self._nonces[key] = 0
        return True

    def touch(self, token: str | None) -> None:
        """Mark a successful API request: the token's idle timer restarts."""
        with self.lock:
            at = self.tokens.access_tokens.get(token or "")
            if at is not None and at.state(self.clock.now()) == ACTIVE:
                at.last_use = self.clock.now()

    # -- verification --------------------------------------------------------------------

    def verify(self, call: SimRequest, token_kind: str, allow_inactive: bool = False) -> Verified:
        """Check a signed request; ``token_kind`` is "none", "request" or "access"."""
        params = oauth_params(call)
        required = list(_BASE_PARAMS) + ([] if token_kind == "none" else ["oauth_token"])
        absent = [name for name in required if not params.get(name)]
        if absent:
            raise OAuthProblem(
                "parameter_absent", {"oauth_parameters_absent": ",".join(sorted(absent))}
            )
        if params["oauth_signature_method"] != "HMAC-SHA1":
            raise OAuthProblem("signature_method_rejected")
        if params.get("oauth_version", "1.0") != "1.0":
            raise OAuthProblem("version_rejected", {"oauth_acceptable_versions": "1.0-1.0"})
        if params["oauth_consumer_key"] != self.consumer_key:
            raise OAuthProblem("consumer_key_rejected")
        self._check_timestamp(params["oauth_timestamp"])
        with self.lock:
            token = params.get("oauth_token")
            if token_kind != "none":
                self._check_token_known(token or "", token_kind)
            validator = _Validator(self)
            endpoint = SignatureOnlyEndpoint(validator)
            uri = f"http://{call.header('Host') or 'localhost'}{call.raw_path}"
            body = call.body if call.method in {"POST", "PUT"} else None
            try:
                valid, _request = endpoint.validate_request(uri, call.method, body, call.headers)
            except (ValueError, TypeError, UnicodeError):
                raise OAuthProblem("parameter_rejected") from None
            if not valid:
                if validator.nonce_checked and not validator.nonce_fresh:
                    raise OAuthProblem("nonce_used")
                if not validator.nonce_checked:
                    raise OAuthProblem("parameter_rejected")
                raise OAuthProblem("signature_invalid")
            if token_kind == "access":
                self._check_access_state(token or "", allow_inactive)
            return Verified(params["oauth_consumer_key"], token, params)

    def _check_timestamp(self, raw: str) -> None:
        now = int(self.server_now())
        low, high = now - TIMESTAMP_WINDOW, now + TIMESTAMP_WINDOW
        try:
            stamp = int(raw)
        except ValueError:
            stamp = -1
        if not low <= stamp <= high:
            raise OAuthProblem(
                "timestamp_refused", {"oauth_acceptable_timestamps": f"{low}-{high}"}
            )

    def _check_token_known(self, token: str, token_kind: str) -> None:
        if token_kind == "access" and token not in self.tokens.access_tokens:
            raise OAuthProblem("token_rejected")
        if token_kind == "request" and token not in self.tokens.request_tokens:
            raise OAuthProblem("token_rejected")

    def _check_access_state(self, token: str, allow_inactive: bool) -> AccessToken:
        at = self.tokens.access_tokens[token]
        state = at.state(self.clock.now())
        if state == EXPIRED:
            raise OAuthProblem("token_expired")
        if state == ACTIVE or (state == INACTIVE and allow_inactive):
            return at
        raise OAuthProblem("token_rejected")

    # -- endpoints -----------------------------------------------------------------------

    def request_token(self, call: SimRequest) -> Reply:
        callback = call.oauth.get("oauth_callback")
        if not callback:
            raise OAuthProblem(
                "parameter_absent", {"oauth_parameters_absent": "oauth_callback"}, status=400
            )
        if callback != "oob":
            raise OAuthProblem(
                "parameter_rejected", {"oauth_parameters_rejected": "oauth_callback"}, status=400
            )
        with self.lock:
            rt = self.tokens.new_request_token(call.consumer_key or "", self.clock.now())
        return form_reply(
            {
                "oauth_token": rt.token,
                "oauth_token_secret": rt.secret,
                "oauth_callback_confirmed": "true",
            }
        )

    def approve(self, request_token: str, consumer_key: str | None = None) -> str:
        with self.lock:
            return self.tokens.approve(request_token, self.clock.now(), consumer_key)

    def authorize_page(self, call: SimRequest) -> Reply:
        key = call.query.get("key", "")
        # E*TRADE's own sample (and pyetrade) put the raw token in this URL, so a "+" in
        # it arrives as a space; tokens never contain spaces, so read it back as "+".
        token = call.query.get("token", "").replace(" ", "+")
        if not key or not token:
            return html_reply(400, "Authorization failed", "<p>Missing key or token.</p>")
        if key != self.consumer_key:
            return html_reply(400, "Authorization failed", "<p>The consumer key is not valid.</p>")
        try:
            verifier = self.approve(token, key)
        except LookupError as exc:
            return html_reply(400, "Authorization failed", f"<p>{html.escape(str(exc))}</p>")
        inner = (
            "<h1>E*TRADE API Authorization (local simulator)</h1>"
            "<p>Access granted. Enter this verification code in your application:</p>"
            f'<p><code id="verifier">{verifier}</code></p>'
        )
        return html_reply(200, "Authorization", inner)

    def access_token(self, call: SimRequest) -> Reply:
        with self.lock:
            rt = self.tokens.request_tokens[call.token or ""]
            if rt.exchanged:
                raise OAuthProblem("token_rejected")
            if rt.expired(self.clock.now()):
                raise OAuthProblem("token_expired")
            verifier = call.oauth.get("oauth_verifier")
            if not verifier:
                raise OAuthProblem(
                    "parameter_absent", {"oauth_parameters_absent": "oauth_verifier"}
                )
            if rt.verifier is None or verifier != rt.verifier:
                raise OAuthProblem("verifier_invalid")
            rt.exchanged = True
            at = self.tokens.new_access_token(call.consumer_key or "", self.clock.now())
        return form_reply({"oauth_token": at.token, "oauth_token_secret": at.secret})

    def renew(self, call: SimRequest) -> Reply:
        with self.lock:
            at = self.tokens.access_tokens[call.token or ""]
            at.last_use = self.clock.now()
            self.tokens.renew_count += 1
        return text_reply("Access Token has been renewed")

    def revoke(self, call: SimRequest) -> Reply:
        with self.lock:
            self.tokens.access_tokens[call.token or ""].revoked = True
        return text_reply("Revoked Access Token")

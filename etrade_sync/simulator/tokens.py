"""OAuth token records and E*TRADE's token lifetime rules.

* A request token lives five minutes and can be exchanged once, after approval.
* An access token expires at the first midnight America/New_York after it was issued.
* It turns INACTIVE after two hours without a successful API request; renewing makes it
  ACTIVE again without changing the token or its secret.
"""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "IDLE_LIMIT",
    "NEW_YORK",
    "REQUEST_TOKEN_TTL",
    "AccessToken",
    "RequestToken",
    "TokenStore",
    "next_midnight_new_york",
]

NEW_YORK = ZoneInfo("America/New_York")
IDLE_LIMIT = 2 * 3600.0
REQUEST_TOKEN_TTL = 300.0

ACTIVE = "ACTIVE"
INACTIVE = "INACTIVE"
EXPIRED = "EXPIRED"
REVOKED = "REVOKED"
UNKNOWN = "UNKNOWN"


def next_midnight_new_york(epoch: float) -> float:
    """Epoch seconds of the first midnight in New York strictly after ``epoch``."""
    local = datetime.fromtimestamp(epoch, NEW_YORK)
    midnight = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=NEW_YORK)
    return midnight.timestamp()


def random_token() -> str:
    """A base64-like token that always contains ``+``, ``/`` and a trailing ``=``."""
    chars = list(base64.b64encode(secrets.token_bytes(23)).decode()[:-1])
    plus, slash = secrets.SystemRandom().sample(range(len(chars)), 2)
    chars[plus] = "+"
    chars[slash] = "/"
    return "".join(chars) + "="


def random_verifier() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(5))


def random_consumer_key() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def random_consumer_secret() -> str:
    return secrets.token_hex(32)


@dataclass
class RequestToken:
    token: str
    secret: str
    consumer_key: str
    created_at: float
    verifier: str | None = None
    exchanged: bool = False

    def expired(self, now: float) -> bool:
        return now - self.created_at >= REQUEST_TOKEN_TTL


@dataclass
class AccessToken:
    token: str
    secret: str
    consumer_key: str
    issued_at: float
    expires_at: float
    last_use: float
    revoked: bool = False

    def state(self, now: float) -> str:
        if self.revoked:
            return REVOKED
        if now >= self.expires_at:
            return EXPIRED
        if now - self.last_use >= IDLE_LIMIT:
            return INACTIVE
        return ACTIVE


class TokenStore:
    """Request and access tokens. Not locked itself: the simulator's lock guards it."""

    def __init__(self) -> None:
        self.request_tokens: dict[str, RequestToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.renew_count = 0

    def secret_for(self, token: str) -> str | None:
        """The secret of a request or access token (for signature checks)."""
        if token in self.access_tokens:
            return self.access_tokens[token].secret
        if token in self.request_tokens:
            return self.request_tokens[token].secret
        return None

    def new_request_token(self, consumer_key: str, now: float) -> RequestToken:
        rt = RequestToken(random_token(), random_token(), consumer_key, now)
        self.request_tokens[rt.token] = rt
        return rt

    def approve(self, token: str, now: float, consumer_key: str | None = None) -> str:
        """Approve a pending request token; return its verifier. Raises ``LookupError``."""
        rt = self.request_tokens.get(token)
        if rt is None or rt.exchanged:
            raise LookupError("The request token is unknown or was already used.")
        if consumer_key is not None and consumer_key != rt.consumer_key:
            raise LookupError("The consumer key does not match the request token.")
        if rt.expired(now):
            raise LookupError("The request token has expired. Please start the login again.")
        if rt.verifier is None:
            rt.verifier = random_verifier()
        return rt.verifier

    def new_access_token(self, consumer_key: str, now: float) -> AccessToken:
        at = AccessToken(
            token=random_token(),
            secret=random_token(),
            consumer_key=consumer_key,
            issued_at=now,
            expires_at=next_midnight_new_york(now),
            last_use=now,
        )
        self.access_tokens[at.token] = at
        return at

    def state(self, token: str, now: float) -> str:
        at = self.access_tokens.get(token)
        return UNKNOWN if at is None else at.state(now)

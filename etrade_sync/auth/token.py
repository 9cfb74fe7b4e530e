"""
etrade_sync.auth.token
~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`AccessToken` (an access token with the times that
decide its life), :class:`TokenStatus` and :class:`AuthStatus`, the answer of
``client.auth.status()``.

E*TRADE's rules: an access token expires at the first midnight US Eastern after
it was issued, and goes inactive after two hours without a request (a renew
revives it, but never past midnight).
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from .. import _tz

if TYPE_CHECKING:
    from .._tz import EASTERN

__all__ = [
    "EASTERN",
    "IDLE_LIMIT",
    "AccessToken",
    "AuthStatus",
    "TokenStatus",
    "next_midnight_eastern",
]


#: E*TRADE deactivates an access token after this long without a request.
IDLE_LIMIT = timedelta(hours=2)


def next_midnight_eastern(moment: datetime) -> datetime:
    """The first midnight America/New_York strictly after ``moment`` (aware, UTC)."""
    eastern = _tz.EASTERN
    local = moment.astimezone(eastern)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=eastern)
    return midnight.astimezone(UTC)


class TokenStatus(enum.StrEnum):
    """Where an access token stands."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    EXPIRED = "EXPIRED"
    #: E*TRADE refused the token (revoked elsewhere, or a renew was refused): log in.
    REFUSED = "REFUSED"
    MISSING = "MISSING"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


@dataclasses.dataclass(frozen=True, repr=False)
class AccessToken:
    """An access token and secret with the times that decide its life.

    ``issued_at`` decides expiry (next midnight US Eastern); ``last_used`` decides
    inactivity (2 hours); ``renewed_at`` is the last successful renew, which lets
    processes sharing a store tell whether someone else already renewed.
    ``refused_at`` and ``refused_by`` record that E*TRADE refused the token (its
    ``oauth_problem``), so every process, and ``etrade-sync status``, knows a login
    is needed. ``repr()`` never shows the token or secret.
    """

    token: str
    token_secret: str
    issued_at: datetime
    last_used: datetime
    renewed_at: datetime | None = None
    refused_at: datetime | None = None
    refused_by: str | None = None

    def __post_init__(self) -> None:
        for name in ("issued_at", "last_used", "renewed_at", "refused_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")

    @property
    def expires_at(self) -> datetime:
        """The first midnight US Eastern after issue (UTC); computed once per token."""
        known: datetime | None = self.__dict__.get("_expires_at")
        if known is None:
            known = next_midnight_eastern(self.issued_at)
            self.__dict__["_expires_at"] = known  # not a field: eq, repr, to_dict ignore it
        return known

    @property
    def idle_at(self) -> datetime:
        """When the token goes inactive unless it is used again: last use + 2 h."""
        return self.last_used + IDLE_LIMIT

    def status(self, now: datetime) -> TokenStatus:
        """ACTIVE, INACTIVE (idle 2 h, renewable), EXPIRED (past midnight) or REFUSED
        (E*TRADE said no) at ``now``."""
        if now >= self.expires_at:
            return TokenStatus.EXPIRED
        if self.refused_at is not None:
            return TokenStatus.REFUSED
        if now >= self.idle_at:
            return TokenStatus.INACTIVE
        return TokenStatus.ACTIVE

    def used(self, when: datetime) -> AccessToken:
        """A copy whose last use is ``when`` (never moves backwards).

        Called after every successful request, so it copies the fields (and the
        computed expiry) directly instead of going through ``dataclasses.replace``;
        the times were validated when this token was built.
        """
        if when <= self.last_used:
            return self
        copy = object.__new__(AccessToken)
        copy.__dict__.update(self.__dict__)
        copy.__dict__["last_used"] = when
        return copy

    def renewed(self, when: datetime) -> AccessToken:
        """A copy recording a successful renew at ``when``."""
        return dataclasses.replace(self, last_used=max(self.last_used, when), renewed_at=when)

    def refused(self, when: datetime, problem: str | None) -> AccessToken:
        """A copy recording that E*TRADE refused the token at ``when``."""
        return dataclasses.replace(self, refused_at=when, refused_by=problem)

    def same_token(self, other: AccessToken | None) -> bool:
        """True when ``other`` holds the same token string."""
        return other is not None and other.token == self.token

    def merged(self, other: AccessToken) -> AccessToken:
        """This token with the latest use and renew times known to either copy."""
        return dataclasses.replace(
            self,
            last_used=max(self.last_used, other.last_used),
            renewed_at=_later(self.renewed_at, other.renewed_at),
            refused_at=_later(self.refused_at, other.refused_at),
            refused_by=self.refused_by or other.refused_by,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "token_secret": self.token_secret,
            "issued_at": self.issued_at.isoformat(),
            "last_used": self.last_used.isoformat(),
            "renewed_at": _iso(self.renewed_at),
            "refused_at": _iso(self.refused_at),
            "refused_by": self.refused_by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccessToken:
        renewed = data.get("renewed_at")
        refused = data.get("refused_at")
        return cls(
            token=str(data["token"]),
            token_secret=str(data["token_secret"]),
            issued_at=datetime.fromisoformat(data["issued_at"]),
            last_used=datetime.fromisoformat(data["last_used"]),
            renewed_at=datetime.fromisoformat(renewed) if renewed else None,
            refused_at=datetime.fromisoformat(refused) if refused else None,
            refused_by=str(data["refused_by"]) if data.get("refused_by") else None,
        )

    def __repr__(self) -> str:
        return (
            f"AccessToken(token='***', issued_at={self.issued_at.isoformat()}, "
            f"expires_at={self.expires_at.isoformat()}, last_used={self.last_used.isoformat()})"
        )


@dataclasses.dataclass(frozen=True)
class AuthStatus:
    """The login as ``client.auth.status()`` sees it, computed locally (no request).

    ``expires_at`` is the next midnight US Eastern after issue, ``idle_at`` the last
    use plus 2 hours; both are ``None`` when no token is stored.
    """

    status: TokenStatus
    environment: str
    checked_at: datetime
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    idle_at: datetime | None = None
    last_used: datetime | None = None
    store: str = ""
    refused_at: datetime | None = None
    refused_by: str | None = None

    @classmethod
    def of(
        cls, token: AccessToken | None, now: datetime, environment: str, store: str
    ) -> AuthStatus:
        if token is None:
            return cls(TokenStatus.MISSING, environment, now, store=store)
        return cls(
            status=token.status(now),
            environment=environment,
            checked_at=now,
            issued_at=token.issued_at,
            expires_at=token.expires_at,
            idle_at=token.idle_at,
            last_used=token.last_used,
            store=store,
            refused_at=token.refused_at,
            refused_by=token.refused_by,
        )

    @property
    def usable(self) -> bool:
        """True for ACTIVE and INACTIVE (an inactive token is renewed automatically)."""
        return self.status in (TokenStatus.ACTIVE, TokenStatus.INACTIVE)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (ISO 8601 times)."""
        return {
            "status": self.status.value,
            "environment": self.environment,
            "checked_at": self.checked_at.isoformat(),
            "issued_at": _iso(self.issued_at),
            "expires_at": _iso(self.expires_at),
            "idle_at": _iso(self.idle_at),
            "last_used": _iso(self.last_used),
            "store": self.store,
            "refused_at": _iso(self.refused_at),
            "refused_by": self.refused_by,
        }

    def __str__(self) -> str:
        if self.expires_at is None or self.idle_at is None:
            return f"{self.status} ({self.environment}): no access token stored"
        expires = self.expires_at.astimezone(_tz.EASTERN).strftime("%Y-%m-%d %H:%M %Z")
        if self.status is TokenStatus.REFUSED and self.refused_at is not None:
            when = self.refused_at.astimezone(_tz.EASTERN).strftime("%Y-%m-%d %H:%M %Z")
            why = f" ({self.refused_by})" if self.refused_by else ""
            return f"{self.status} ({self.environment}): E*TRADE refused the token at {when}{why}"
        idle = self.idle_at.astimezone(_tz.EASTERN).strftime("%Y-%m-%d %H:%M %Z")
        return (
            f"{self.status} ({self.environment}): expires {expires}; "
            f"goes inactive {idle} unless used"
        )


def __getattr__(name: str) -> Any:
    if name == "EASTERN":  # re-exported; the zone loads on first use
        return _tz.EASTERN
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

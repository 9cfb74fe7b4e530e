"""
etrade_sync.auth.token
~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`AccessToken` (an access token with the times that
decide its life) and :class:`TokenStatus`.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, datetime, time, timedelta
from typing import Any

from .._tz import EASTERN

__all__ = ["EASTERN", "IDLE_LIMIT", "AccessToken", "TokenStatus", "next_midnight_eastern"]


#: E*TRADE deactivates an access token after this long without a request.
IDLE_LIMIT = timedelta(hours=2)


def next_midnight_eastern(moment: datetime) -> datetime:
    """The first midnight America/New_York strictly after ``moment`` (aware, UTC)."""
    local = moment.astimezone(EASTERN)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=EASTERN)
    return midnight.astimezone(UTC)


class TokenStatus(enum.StrEnum):
    """Where an access token stands."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    EXPIRED = "EXPIRED"
    MISSING = "MISSING"


@dataclasses.dataclass(frozen=True, repr=False)
class AccessToken:
    """An access token and secret with the times that decide its life.

    ``issued_at`` decides expiry (next midnight US Eastern); ``last_used`` decides
    inactivity (2 hours). ``repr()`` never shows the token or secret.
    """

    token: str
    token_secret: str
    issued_at: datetime
    last_used: datetime

    def __post_init__(self) -> None:
        for name in ("issued_at", "last_used"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")

    @property
    def expires_at(self) -> datetime:
        return next_midnight_eastern(self.issued_at)

    @property
    def idle_at(self) -> datetime:
        return self.last_used + IDLE_LIMIT

    def status(self, now: datetime) -> TokenStatus:
        if now >= self.expires_at:
            return TokenStatus.EXPIRED
        if now >= self.idle_at:
            return TokenStatus.INACTIVE
        return TokenStatus.ACTIVE

    def used(self, when: datetime) -> AccessToken:
        return dataclasses.replace(self, last_used=when)

    def to_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "token_secret": self.token_secret,
            "issued_at": self.issued_at.isoformat(),
            "last_used": self.last_used.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccessToken:
        return cls(
            token=str(data["token"]),
            token_secret=str(data["token_secret"]),
            issued_at=datetime.fromisoformat(data["issued_at"]),
            last_used=datetime.fromisoformat(data["last_used"]),
        )

    def __repr__(self) -> str:
        return (
            f"AccessToken(token='***', issued_at={self.issued_at.isoformat()}, "
            f"expires_at={self.expires_at.isoformat()}, last_used={self.last_used.isoformat()})"
        )

"""
etrade_sync.auth.signer
~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`Signer`, what the token manager hands the
transport for one attempt: an immutable pairing of the OAuth 1.0a auth object
and the access token it signs with. The transport passes it to requests as the
request's ``auth`` (it signs when the request is sent: fresh nonce and
timestamp), and hands it back when E*TRADE rejects the token, so the manager
knows which token was refused without any per-thread state. Nothing is ever
written to ``session.auth``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .token import AccessToken

__all__ = ["Signer"]


@dataclass(frozen=True)
class Signer:
    """Signs requests with one access token (``auth`` is requests' OAuth1)."""

    auth: Any = field(repr=False)
    token: AccessToken | None = field(default=None, repr=False)

    def __call__(self, request: Any) -> Any:
        return self.auth(request)

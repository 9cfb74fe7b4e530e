"""
etrade_sync.auth
~~~~~~~~~~~~~~~~

This package provides the OAuth 1.0a login flow, the access token's lifetime
rules (inactive after 2 hours idle, expired at midnight US Eastern) and the token
stores that let every process on a machine share one daily login.
"""

from __future__ import annotations

from .manager import AuthManager
from .token import AccessToken, TokenStatus

__all__ = ["AccessToken", "AuthManager", "TokenStatus"]

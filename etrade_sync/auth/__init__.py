"""
etrade_sync.auth
~~~~~~~~~~~~~~~~

This package provides the OAuth 1.0a login flow, the access token's lifetime
rules (inactive after 2 hours idle, expired at midnight US Eastern) and the token
stores that let every process on a machine share one daily login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .flow import AuthorizationRequest
from .manager import AuthManager
from .stores import MemoryTokenStore, TokenStore, TokenStoreError, token_store_for
from .token import AccessToken, AuthStatus, TokenStatus

if TYPE_CHECKING:
    from ..crypto.keys import generate_key
    from .filestore import EncryptedFileStore
    from .keyring_store import KeyringTokenStore

__all__ = [
    "AccessToken",
    "AuthManager",
    "AuthStatus",
    "AuthorizationRequest",
    "EncryptedFileStore",
    "KeyringTokenStore",
    "MemoryTokenStore",
    "TokenStatus",
    "TokenStore",
    "TokenStoreError",
    "generate_key",
    "token_store_for",
]


def __getattr__(name: str) -> Any:
    if name == "generate_key":  # cryptography loads on first use
        from ..crypto.keys import generate_key

        return generate_key
    if name == "EncryptedFileStore":
        from .filestore import EncryptedFileStore

        return EncryptedFileStore
    if name == "KeyringTokenStore":
        from .keyring_store import KeyringTokenStore

        return KeyringTokenStore
    raise AttributeError(f"module 'etrade_sync.auth' has no attribute {name!r}")

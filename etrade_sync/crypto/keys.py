"""
etrade_sync.crypto.keys
~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`TokenCipher`, the encryption of the token file:
Fernet (AES-128-CBC + HMAC-SHA256) under one or more keys, newest first, with
:class:`~cryptography.fernet.MultiFernet` so keys can be rotated.

``ETRADE_TOKEN_KEY`` holds a comma-separated list. Each item is either a Fernet
key (44 url-safe base64 characters, from ``etrade-sync key``) or a passphrase,
stretched with scrypt (n=2**17, r=8, p=1) over the file's random salt. Reading
tries every key; writing uses the first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import ConfigurationError

__all__ = [
    "KEY_VARIABLE",
    "KdfParams",
    "TokenCipher",
    "generate_key",
    "missing_key_error",
    "parse_keys",
]

#: The environment variable users set; named in every key error.
KEY_VARIABLE = "ETRADE_TOKEN_KEY"

#: Shortest passphrase accepted (a Fernet key is always 44 characters).
MIN_PASSPHRASE = 12

_KEY_HELP = (
    'create a key with `etrade-sync key` (or python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())") and put it in ETRADE_TOKEN_KEY '
    "(environment or .env); a passphrase of 12 or more characters also works"
)


def generate_key() -> str:
    """A new random Fernet key, as text."""
    return Fernet.generate_key().decode("ascii")


def missing_key_error(where: str) -> ConfigurationError:
    """The error for "no key configured", telling how to create one."""
    return ConfigurationError(
        f"no token key: the access token is kept encrypted in {where}, and "
        f"{KEY_VARIABLE} is not set. To fix it, {_KEY_HELP}. Or pass "
        f"token_store=MemoryTokenStore() to keep the login in this process only.",
        name="token_key",
    )


def parse_keys(
    value: str | None, *, variable: str = KEY_VARIABLE, name: str = "token_key"
) -> list[str]:
    """The keys in ``value`` (comma-separated, newest first); empty items dropped. Each
    must be a Fernet key or a passphrase of :data:`MIN_PASSPHRASE` or more characters;
    errors name ``variable`` (and the settings field ``name``)."""
    if not value:
        return []
    keys = [item.strip() for item in value.split(",") if item.strip()]
    for item in keys:
        if not is_fernet_key(item) and len(item) < MIN_PASSPHRASE:
            raise ConfigurationError(
                f"{variable}: an item is neither a Fernet key (44 characters from "
                f"`etrade-sync key`) nor a passphrase of at least {MIN_PASSPHRASE} characters",
                name=name,
            )
    return keys


def is_fernet_key(item: str) -> bool:
    if len(item) != 44:
        return False
    try:
        return len(base64.urlsafe_b64decode(item.encode("ascii"))) == 32
    except (binascii.Error, ValueError):
        return False


@dataclass(frozen=True)
class KdfParams:
    """The passphrase stretch, stored in the token file's header with its salt."""

    salt: bytes
    name: str = "scrypt"
    n: int = 2**17
    r: int = 8
    p: int = 1

    @classmethod
    def fresh(cls) -> KdfParams:
        """New parameters with a random 16-byte salt."""
        return cls(salt=os.urandom(16))

    def to_dict(self) -> dict[str, Any]:
        salt = base64.b64encode(self.salt).decode("ascii")
        return {"name": self.name, "salt": salt, "n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_dict(cls, data: Any) -> KdfParams:
        if not isinstance(data, dict) or data.get("name") != "scrypt":
            raise ValueError("unknown key derivation")
        n, r, p = int(data["n"]), int(data["r"]), int(data["p"])
        if not (2**14 <= n <= 2**22 and 1 <= r <= 32 and 1 <= p <= 16):
            raise ValueError("key derivation parameters out of range")
        return cls(salt=base64.b64decode(data["salt"], validate=True), n=n, r=r, p=p)


_derived: dict[tuple[bytes, KdfParams], bytes] = {}
_derive_lock = threading.Lock()


def _derive(passphrase: str, params: KdfParams) -> bytes:
    """A Fernet key stretched from ``passphrase`` (cached per process: scrypt is slow)."""
    tag = hashlib.sha256(passphrase.encode("utf-8")).digest()
    with _derive_lock:
        cached = _derived.get((tag, params))
        if cached is None:
            kdf = Scrypt(salt=params.salt, length=32, n=params.n, r=params.r, p=params.p)
            cached = base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8")))
            _derived[(tag, params)] = cached
        return cached


class TokenCipher:
    """Encrypts under the first key, decrypts under any of them."""

    def __init__(self, keys: list[str], params: KdfParams) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._keys = keys
        self._params = params
        self._fernet: MultiFernet | None = None

    def _multi(self) -> MultiFernet:
        if self._fernet is None:
            fernets = [
                Fernet(k.encode("ascii") if is_fernet_key(k) else _derive(k, self._params))
                for k in self._keys
            ]
            self._fernet = MultiFernet(fernets)
        return self._fernet

    def encrypt(self, plaintext: bytes) -> str:
        return self._multi().encrypt(plaintext).decode("ascii")

    def decrypt(self, token: str) -> bytes:
        """The plaintext; raises :class:`~cryptography.fernet.InvalidToken` on a wrong key."""
        return self._multi().decrypt(token.encode("ascii"))

    def rotate(self, token: str) -> str | None:
        """``token`` re-encrypted under the newest key; ``None`` if no key opens it."""
        try:
            return self._multi().rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            return None

    def __repr__(self) -> str:
        return f"TokenCipher(keys={len(self._keys)})"

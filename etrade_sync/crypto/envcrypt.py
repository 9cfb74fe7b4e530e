"""
etrade_sync.crypto.envcrypt
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides encrypted configuration values: any ``ETRADE_*`` variable
(``ETRADE_CONSUMER_SECRET`` first of all, but also a Redis or PostgreSQL URL with
a password in it) may hold ``enc:<salt>:<fernet token>`` instead of the plain
value, so a ``.env`` file that is synced, backed up or shown on screen does not
give the secret away.

The key comes from ``ETRADE_CONFIG_KEY``, or, when that is unset, from
``ETRADE_TOKEN_KEY`` (the key of the token file), and is read from the process
environment only, never from the ``.env`` file that holds the encrypted values:
a key next to the lock opens nothing. Like the token key it is a Fernet key
(``etrade-sync key``) or a passphrase of 12 or more characters (stretched with
scrypt over the value's own salt), and may be a comma-separated list, newest
first, so keys can be rotated.

``etrade-sync encrypt`` prints the value to paste (:func:`encrypt_value`);
:meth:`~etrade_sync.Settings.from_env` decrypts (:func:`decrypt_environ`).
Plain values keep working unchanged.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
from collections.abc import Mapping, MutableMapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import ConfigurationError
from .keys import is_fernet_key, parse_keys

__all__ = [
    "CONFIG_KEY_VARIABLE",
    "PREFIX",
    "decrypt_environ",
    "decrypt_value",
    "encrypt_value",
    "is_encrypted",
    "key_from_environ",
]

#: What marks an encrypted value.
PREFIX = "enc:"

#: The key's own variable; ``ETRADE_TOKEN_KEY`` is used when it is unset.
CONFIG_KEY_VARIABLE = "ETRADE_CONFIG_KEY"
_FALLBACK_VARIABLE = "ETRADE_TOKEN_KEY"
_KEY_VARIABLES = (CONFIG_KEY_VARIABLE, _FALLBACK_VARIABLE)


def is_encrypted(value: str | None) -> bool:
    """True for a value written by :func:`encrypt_value` (``enc:...``)."""
    return bool(value) and str(value).strip().startswith(PREFIX)


def key_from_environ(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(variable, key)`` from ``ETRADE_CONFIG_KEY`` or ``ETRADE_TOKEN_KEY``; None if unset."""
    env = os.environ if environ is None else environ
    for variable in _KEY_VARIABLES:
        value = (env.get(variable) or "").strip()
        if value:
            return variable, value
    return None


def _parse_keys(key: str, variable: str) -> list[str]:
    keys = parse_keys(key, variable=variable, name=variable)
    if not keys:
        raise ConfigurationError(f"{variable} is empty", name=variable)
    return keys


@functools.lru_cache(maxsize=32)
def _derive(passphrase: str, salt: bytes) -> bytes:
    """A Fernet key stretched from ``passphrase`` (scrypt is slow: cached per process)."""
    kdf = Scrypt(salt=salt, length=32, n=2**17, r=8, p=1)
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8")))


def _cipher(key: str, salt: bytes, variable: str) -> MultiFernet:
    return MultiFernet(
        [
            Fernet(item.encode("ascii") if is_fernet_key(item) else _derive(item, salt))
            for item in _parse_keys(key, variable)
        ]
    )


def encrypt_value(plaintext: str, key: str, *, key_variable: str = CONFIG_KEY_VARIABLE) -> str:
    """``plaintext`` encrypted under the first of ``key``'s keys, as ``enc:<salt>:<token>``."""
    if not plaintext:
        raise ValueError("nothing to encrypt")
    if is_encrypted(plaintext):
        raise ValueError("the value is already encrypted")
    salt = os.urandom(16)
    token = _cipher(key, salt, key_variable).encrypt(plaintext.encode("utf-8")).decode("ascii")
    return f"{PREFIX}{base64.urlsafe_b64encode(salt).decode('ascii').rstrip('=')}:{token}"


def decrypt_value(
    value: str, key: str, *, name: str = "value", key_variable: str = CONFIG_KEY_VARIABLE
) -> str:
    """The plaintext of an ``enc:`` value; ``value`` itself when it is not encrypted.

    A wrong key or a damaged value raises
    :class:`~etrade_sync.errors.ConfigurationError` naming ``name``.
    """
    if not is_encrypted(value):
        return value
    body = value.strip()[len(PREFIX) :]
    salt_text, sep, token = body.partition(":")
    try:
        if not sep or not token:
            raise ValueError("no salt")
        salt = base64.urlsafe_b64decode(salt_text + "=" * (-len(salt_text) % 4))
        plaintext = _cipher(key, salt, key_variable).decrypt(token.encode("ascii"))
        return plaintext.decode("utf-8")
    except InvalidToken:
        raise ConfigurationError(
            f"{name}: the encrypted value does not open with the key in {key_variable} "
            f"(a different key, or the value was changed); encrypt it again with "
            f"`etrade-sync encrypt` under the current key",
            name=name,
        ) from None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ConfigurationError(
            f"{name}: the value starts with {PREFIX!r} but is not one written by "
            f"`etrade-sync encrypt`; paste the whole printed value",
            name=name,
        ) from None


def decrypt_environ(
    values: MutableMapping[str, str],
    environ: Mapping[str, str],
    *,
    file_values: Mapping[str, str | None] | None = None,
) -> None:
    """Decrypt, in place, every ``ETRADE_*`` entry of ``values`` that holds ``enc:``.

    ``environ`` is the process environment: the only place the key is taken
    from. ``file_values`` (the ``.env`` file) is consulted only to say that the
    key was found there, which is refused.
    """
    encrypted = [
        name
        for name, value in values.items()
        if name.startswith("ETRADE_") and name not in _KEY_VARIABLES and is_encrypted(value)
    ]
    if not encrypted:
        return
    found = key_from_environ(environ)
    if found is None:
        in_file = [v for v in _KEY_VARIABLES if file_values and file_values.get(v)]
        where = (
            f"; {in_file[0]} is in the .env file, but the key must be kept apart from the "
            f"file it opens: set it in the environment instead (service manager, secret "
            f"store, shell profile)"
            if in_file
            else ""
        )
        raise ConfigurationError(
            f"{encrypted[0]} is encrypted ({PREFIX}...) and no key is set: put the key in "
            f"{CONFIG_KEY_VARIABLE} (or {_FALLBACK_VARIABLE}) in the environment{where}",
            name=encrypted[0],
        )
    variable, key = found
    for name in encrypted:
        values[name] = decrypt_value(values[name], key, name=name, key_variable=variable)

"""
etrade_sync.crypto
~~~~~~~~~~~~~~~~~~

This package holds the secret keys and what they lock: :mod:`.keys` (Fernet keys
and passphrases, their rotation lists and the cipher used by the token stores) and
:mod:`.envcrypt` (``enc:`` values in the environment and ``.env``). It sits below
the configuration and the token stores, which both use it.
"""

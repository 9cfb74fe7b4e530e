"""
etrade_sync.cli.secrets
~~~~~~~~~~~~~~~~~~~~~~~

This module provides ``etrade-sync encrypt``: it reads a secret (from a prompt
that does not echo, or from standard input when that is not a terminal; never
from the command line, where it would land in the shell history and the process
list) and prints the ``enc:`` value to paste into ``.env``, encrypted under
``ETRADE_CONFIG_KEY`` (or ``ETRADE_TOKEN_KEY``) from the environment. See
:mod:`etrade_sync.crypto.envcrypt`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from ..errors import ConfigurationError

__all__ = ["add_secret_commands"]


def _read_secret() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Value to encrypt (not shown): ")
        if getpass.getpass("Again: ") != first:
            raise ConfigurationError("the two entries differ; nothing was encrypted")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _cmd_encrypt(args: argparse.Namespace) -> int:
    from ..crypto.envcrypt import CONFIG_KEY_VARIABLE, encrypt_value, key_from_environ
    from ..observe.logs import protect

    found = key_from_environ()
    if found is None:
        raise ConfigurationError(
            f"no key: create one with `etrade-sync key` and set it as {CONFIG_KEY_VARIABLE} "
            f"in the environment (not in the .env file the value goes to)",
            name=CONFIG_KEY_VARIABLE,
        )
    variable, key = found
    secret = _read_secret()
    if not secret:
        raise ConfigurationError("nothing to encrypt: the value is empty")
    protect(secret)
    value = encrypt_value(secret, key, key_variable=variable)
    print(f"{args.name}={value}" if args.name else value)
    print(
        f"Paste it into .env in place of the plain value. It opens with {variable}, which "
        f"must stay in the environment, apart from that file.",
        file=sys.stderr,
    )
    return 0


def add_secret_commands(sub: Any) -> None:
    """Register ``encrypt`` on ``sub``."""
    encrypt = sub.add_parser(
        "encrypt",
        help="encrypt a secret for .env (read from a hidden prompt or stdin, never argv)",
    )
    encrypt.add_argument(
        "--name", metavar="VARIABLE", help="print VARIABLE=enc:... instead of the bare value"
    )
    encrypt.set_defaults(handler=_cmd_encrypt)

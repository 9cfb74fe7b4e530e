"""
etrade_sync.auth.prompt
~~~~~~~~~~~~~~~~~~~~~~~

This module provides the interactive half of ``client.auth.login()``: showing
the login page, opening a browser when the machine has one, and reading the
verification code, hidden on a terminal (:func:`getpass.getpass`) and with
:func:`input` in a notebook or when standard input is not a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from ..errors import ValidationError

__all__ = [
    "ReadCode",
    "browser_available",
    "clean_verifier",
    "default_reader",
    "open_in_browser",
    "where_is_the_code",
]

#: Reads the code: called with a prompt, returns what the user typed.
ReadCode = Callable[[str], str]


def default_reader() -> ReadCode:
    """:func:`getpass.getpass` on a terminal, else :func:`input` (notebooks, pipes)."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        import getpass

        return getpass.getpass
    return input


def browser_available() -> bool:
    """True when a graphical browser can plausibly be opened on this machine."""
    if sys.platform in ("darwin", "win32"):
        return True
    if os.environ.get("SSH_CONNECTION") and not os.environ.get("DISPLAY"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_in_browser(url: str) -> bool:
    """Try to open ``url``; False when no browser could be started."""
    import webbrowser

    try:
        return bool(webbrowser.open(url, new=2))
    except webbrowser.Error:
        return False


def where_is_the_code(url: str) -> str:
    """One line telling where the verification code appears after approval."""
    host = urlsplit(url).hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        return (
            "This is the local simulator: its page approves at once and shows the "
            "verification code. Copy the code from that page and paste it here."
        )
    return (
        "After you log in and accept, E*TRADE shows a verification code (about 5 letters "
        "and digits). Copy it and paste it here."
    )


def clean_verifier(text: str) -> str:
    """The code from what the user typed or pasted (also a redirect URL with ``oauth_verifier``)."""
    value = (text or "").strip()
    if "oauth_verifier=" in value:
        found = parse_qs(urlsplit(value).query or value.split("?", 1)[-1]).get("oauth_verifier")
        value = found[0].strip() if found else ""
    if not value or any(ch.isspace() for ch in value) or len(value) > 64:
        raise ValidationError(
            "that does not look like a verification code: copy the code shown after you "
            "approve access (about 5 letters and digits)",
            field="verifier",
        )
    return value

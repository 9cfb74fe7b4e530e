"""
etrade_sync.observe.redact
~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the helpers that keep secrets out of logs, reprs and
exception messages: the Authorization header, OAuth parameters, and
``accountIdKey`` path segments (shortened, so log lines stay useful).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["redact_path", "redact_text", "redact_url", "short_key"]

_ACCOUNT_RE = re.compile(r"(/v1/accounts/)(?!list\b)([^/?.\s\"'&]+)")
_ENCODED_ACCOUNT_RE = re.compile(r"(%2Fv1%2Faccounts%2F)(?!list\b)([^%.\s\"'&]+)", re.I)
_OAUTH_PARAM_RE = re.compile(
    r"(oauth_(?:token|token_secret|signature|verifier|nonce|consumer_key|callback)"
    r"\s*[=:]\s*\"?)([^\"&,\s]+)",
    re.I,
)
#: oauthlib's DEBUG line "Signature: <base64>" (for users who lower its logger again).
_SIGNATURE_LINE_RE = re.compile(r"(\bSignature:\s*)(\S+)")


def short_key(value: str | None) -> str:
    """``dBZOKt9xDrtRSAOl4MSiiA`` -> ``dBZO…``: enough to tell accounts apart."""
    if not value:
        return "<none>"
    return value[:4] + "…"


def redact_path(path: str) -> str:
    """Shorten every accountIdKey in a path, URL or log line (``/v1/accounts/dBZO…/balance``)."""
    path = _ACCOUNT_RE.sub(lambda m: m.group(1) + short_key(m.group(2)), path)
    return _ENCODED_ACCOUNT_RE.sub(lambda m: m.group(1) + short_key(m.group(2)), path)


def redact_text(text: str, secrets: tuple[str | None, ...] = ()) -> str:
    """Replace OAuth parameter values and the given secret strings with ``***``."""
    out = _OAUTH_PARAM_RE.sub(lambda m: m.group(1) + "***", text)
    out = _SIGNATURE_LINE_RE.sub(lambda m: m.group(1) + "***", out)
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, "***")
    return out


def redact_url(value: str) -> str:
    """A URL with its password masked (``redis://:***@host:6379/0``), for messages."""
    parts = urlsplit(value)
    if parts.password:
        return value.replace(f":{parts.password}@", ":***@")
    return value

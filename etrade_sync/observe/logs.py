"""
etrade_sync.observe.logs
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`protect`, which keeps secrets out of log lines.

oauthlib and requests-oauthlib log the collected OAuth parameters, the signature
base string and the Authorization header at DEBUG, and urllib3 logs request
lines with the accountIdKey in them. etrade_sync therefore

- caps oauthlib's and requests-oauthlib's loggers at INFO (a user who lowers them
  again still gets masked lines), and
- registers every secret it handles (consumer secret, request and access tokens
  and secrets, verifiers) with a :class:`logging.Filter` on those loggers, on
  urllib3's and on its own, which replaces them, raw or percent-encoded, and
  every OAuth parameter value with ``***``, and shortens account keys.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from urllib.parse import quote

from .redact import redact_path, redact_text

__all__ = ["SecretFilter", "protect"]

#: Loggers that may see OAuth parameters. A logger filter only sees records made on
#: that very logger, hence the module-level names.
GUARDED_LOGGERS = (
    "etrade_sync",
    "urllib3.connectionpool",
    "requests_oauthlib",
    "requests_oauthlib.oauth1_auth",
    "requests_oauthlib.oauth1_session",
    "oauthlib",
    "oauthlib.oauth1",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
    "oauthlib.oauth1.rfc5849.utils",
)

#: Loggers that print OAuth secrets at DEBUG: capped at INFO.
SECRET_BEARING_LOGGERS = ("oauthlib", "requests_oauthlib")

_MAX_SECRETS = 256


class SecretFilter(logging.Filter):
    """Rewrites records so that no registered secret appears in their message."""

    def __init__(self) -> None:
        super().__init__("etrade_sync.secrets")
        self._lock = threading.Lock()
        self._forms: OrderedDict[str, None] = OrderedDict()

    def add(self, secret: str | None) -> None:
        """Register ``secret`` (and its percent-encoded forms) for redaction."""
        if not secret or len(secret) < 4:
            return
        once = quote(secret, safe="")
        twice = quote(once, safe="")
        with self._lock:
            for form in (secret, once, twice, quote(secret, safe="~")):
                self._forms[form] = None
                self._forms.move_to_end(form)
            while len(self._forms) > _MAX_SECRETS:
                self._forms.popitem(last=False)

    def scrub(self, text: str) -> str:
        """``text`` with every registered secret and OAuth parameter value masked."""
        with self._lock:
            forms = sorted(self._forms, key=len, reverse=True)
        for form in forms:
            if form in text:
                text = text.replace(form, "***")
        return redact_path(redact_text(text))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the caller's bug; let logging report it
            return True
        clean = self.scrub(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True


_FILTER = SecretFilter()
_installed = False
_install_lock = threading.Lock()


def protect(*secrets: str | None) -> None:
    """Register ``secrets`` for redaction and make sure the filter is installed."""
    global _installed
    if not _installed:
        with _install_lock:
            if not _installed:
                for name in GUARDED_LOGGERS:
                    logging.getLogger(name).addFilter(_FILTER)
                for name in SECRET_BEARING_LOGGERS:
                    logger = logging.getLogger(name)
                    if logger.level < logging.INFO:
                        logger.setLevel(logging.INFO)
                _installed = True
    for secret in secrets:
        _FILTER.add(secret)

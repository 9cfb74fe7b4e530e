"""
etrade_sync._logging
~~~~~~~~~~~~~~~~~~~~

This module provides :func:`protect_third_party_logs`. At DEBUG, oauthlib and
requests-oauthlib log the signed parameters and the Authorization header, which
carry the access token and the verifier. etrade_sync caps those two loggers at
INFO, and shortens accountIdKey path segments in urllib3's request lines. Call
sites stay the libraries' own; only their records are filtered.
"""

from __future__ import annotations

import logging
import threading

from .redact import redact_path

__all__ = ["protect_third_party_logs"]

_done = False
_lock = threading.Lock()

#: Loggers that print OAuth secrets at DEBUG.
SECRET_BEARING_LOGGERS = ("oauthlib", "requests_oauthlib")


class _AccountKeyFilter(logging.Filter):
    """Shorten ``/v1/accounts/<accountIdKey>`` in urllib3's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(arg) if isinstance(arg, str) and "/v1/accounts/" in arg else arg
                for arg in record.args
            )
        return True


def protect_third_party_logs() -> None:
    """Cap the secret-bearing loggers at INFO and filter urllib3's paths (idempotent)."""
    global _done
    with _lock:
        if _done:
            return
        for name in SECRET_BEARING_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET or logger.level < logging.INFO:
                logger.setLevel(logging.INFO)
        logging.getLogger("urllib3.connectionpool").addFilter(_AccountKeyFilter())
        _done = True

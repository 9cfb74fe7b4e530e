"""
etrade_sync.observe.jsonlog
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides structured logs: :class:`JsonFormatter` writes each
:mod:`logging` record as one JSON object on one line, and :func:`setup_logging`
installs it (``format="json"``, or ``ETRADE_LOG_FORMAT=json``) or the usual
text lines on the root logger.

Every line goes through the same redaction as the text logs (registered
secrets, raw or percent-encoded, OAuth parameter values, shortened account
keys), applied to the message, the exception text and every string field. The
client's records carry fields a collector can index::

    endpoint      the call's name, e.g. "market.quotes"
    method, path  the HTTP method and the path (account keys shortened)
    category      the rate-gate category ("market", "accounts", ...)
    status        the HTTP status of the attempt (or of the call's last attempt)
    attempt       which attempt this is (1 = first); ``attempts`` on a call's summary
    latency_ms    the attempt's (or the whole call's) time
    gate_wait_ms  time spent waiting for a rate-gate permit
    error         the exception's type name, when the call failed
    cache         "hit", "miss" or "partial" (quotes: some cached, some fetched)
    cache_name    which cache ("quotes", "balances", "accounts", "expirations")
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import IO, Any

from .logs import _FILTER, protect
from .redact import redact_path

__all__ = [
    "CALL_FIELDS",
    "LOG_FORMAT_VARIABLE",
    "JsonFormatter",
    "TextFormatter",
    "call_fields",
    "log_call",
    "log_format_from_env",
    "setup_logging",
]

#: The environment variable that picks the format: ``text`` (default) or ``json``.
LOG_FORMAT_VARIABLE = "ETRADE_LOG_FORMAT"

#: Record attributes copied into the JSON object when present.
CALL_FIELDS = (
    "endpoint",
    "method",
    "path",
    "category",
    "status",
    "attempt",
    "attempts",
    "latency_ms",
    "gate_wait_ms",
    "error",
    "cache",
    "cache_name",
    "keys",
    "hits",
    "misses",
)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def call_fields(call: Any, **more: Any) -> dict[str, Any]:
    """The structured fields of a transport call's records (``call`` is a ``Call``)."""
    fields: dict[str, Any] = {
        "endpoint": call.name,
        "method": call.method,
        "path": redact_path(call.path),
        "category": call.category,
    }
    fields.update(more)
    return fields


def log_call(
    logger: logging.Logger,
    call: Any,
    status: int | None,
    attempts: int,
    latency: float,
    gate_wait: float,
    error: str | None,
) -> None:
    """One DEBUG record per call, after its last attempt."""
    fields = call_fields(call, status=status, attempts=attempts, error=error)
    fields.update(latency_ms=round(latency * 1000, 3), gate_wait_ms=round(gate_wait * 1000, 3))
    logger.debug(
        "%s %s: %s after %d attempt(s) in %.0f ms",
        call.method,
        fields["path"],
        error or status,
        attempts,
        latency * 1000,
        extra=fields,
    )


class TextFormatter(logging.Formatter):
    """The usual text line, with the same redaction as the JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        return _FILTER.scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``ts``, ``level``, ``logger``, ``message``, fields."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: keep what there is
            message = str(record.msg)
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _FILTER.scrub(message),
        }
        for name in CALL_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                doc[name] = _FILTER.scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            doc["exc"] = _FILTER.scrub(self.formatException(record.exc_info))
        if record.stack_info:
            doc["stack"] = _FILTER.scrub(self.formatStack(record.stack_info))
        return json.dumps(doc, default=str, ensure_ascii=False)


def log_format_from_env() -> str:
    """``ETRADE_LOG_FORMAT`` from the environment, else from the ``.env`` file that
    :meth:`~etrade_sync.Settings.from_env` would read; ``"text"`` when unset."""
    value = os.environ.get(LOG_FORMAT_VARIABLE)
    if not value and os.environ.get("PYTHON_DOTENV_DISABLED", "").lower() not in {
        "1",
        "true",
        "yes",
    }:
        from dotenv import dotenv_values, find_dotenv

        found = find_dotenv(usecwd=True)
        value = dotenv_values(found, interpolate=False).get(LOG_FORMAT_VARIABLE) if found else None
    return (value or "text").strip().lower()


def setup_logging(
    level: int | str = logging.INFO,
    *,
    format: str | None = None,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send log records to ``stream`` (standard error) as text or JSON lines.

    ``format`` is ``"text"`` or ``"json"``; ``None`` reads ``ETRADE_LOG_FORMAT``
    (environment, then ``.env``; text when unset). The handler goes on the root
    logger, replacing one this function installed before; the secret filters are
    installed at once, so even records logged before the first client is built
    are masked. Returns the handler.
    """
    chosen = (format or log_format_from_env()).strip().lower()
    if chosen not in {"text", "json"}:
        raise ValueError(f"{LOG_FORMAT_VARIABLE}={chosen!r}: use 'text' or 'json'")
    protect()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter(TEXT_FORMAT))
    handler.set_name("etrade_sync")
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == "etrade_sync":
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler

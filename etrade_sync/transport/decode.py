"""
etrade_sync.transport.decode
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the decoding of E*TRADE answers: JSON bodies (204 or an
empty body mean "nothing"), and the three error shapes E*TRADE uses, turned into
typed exceptions:

- JSON ``{"Error": {"code": 100, "message": "..."}}``
- XML ``<Error><code>100</code><message>...</message></Error>``
- HTML (Tomcat) pages whose text carries ``oauth_problem=...``, and the HTTP 400
  page "Number of requests exceeded the rate limit set".
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from ..errors import (
    APIError,
    AuthenticationError,
    ClockSkewError,
    DuplicateOrderError,
    MalformedResponseError,
    NotFoundError,
    OrderError,
    RateLimitError,
    ServerError,
)

__all__ = [
    "DUPLICATE_CLIENT_ORDER_ID_CODES",
    "RENEWABLE_PROBLEMS",
    "error_from_parts",
    "error_from_response",
    "is_throttle_text",
    "json_body",
]

#: oauth_problem values after which one renew may help.
RENEWABLE_PROBLEMS = frozenset({"token_rejected", "token_expired"})

#: E*TRADE codes that mean "this clientOrderId was already used". E*TRADE publishes
#: none (the simulator's 1079 is its own), so a duplicate is recognised by its message.
DUPLICATE_CLIENT_ORDER_ID_CODES: frozenset[int] = frozenset()

_THROTTLE = "number of requests exceeded the rate limit"
_OAUTH_RE = re.compile(r"oauth_problem=([A-Za-z_]+)")
_ACCEPTABLE_RE = re.compile(r"oauth_acceptable_timestamps=(\d+)\s*-\s*(\d+)")
_TAG_RE = re.compile(r"<[^>]+>")
_DUP_RE = re.compile(r"client\s*order\s*id.*(already|duplicate|in use)", re.I | re.S)


def is_throttle_text(text: str) -> bool:
    """True for E*TRADE's "Number of requests exceeded the rate limit set" answer."""
    return _THROTTLE in text.lower()


def json_body(response: requests.Response, method: str, path: str) -> Any:
    """The decoded JSON of a 2xx answer; ``None`` for 204 or an empty body.

    Anything else (not JSON, invalid UTF-8, nesting too deep to decode, an error
    document) raises an :class:`~etrade_sync.errors.APIError` carrying the status.
    """
    content = response.content
    status = response.status_code
    if status == 204 or not content or not content.strip():
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedResponseError(
            f"the answer is not valid UTF-8 (byte {exc.start})",
            status=status,
            method=method,
            path=path,
        ) from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise MalformedResponseError(
            "the JSON answer is nested too deeply to decode", status=status, method=method,
            path=path,
        ) from None  # fmt: skip
    except ValueError:
        error = _error_from_xml(text, status, method, path)
        if error is not None:
            raise error from None
        raise MalformedResponseError(
            f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}: "
            f"{_snippet(_TAG_RE.sub(' ', text))}",
            status=status,
            method=method,
            path=path,
        ) from None
    if isinstance(data, dict) and isinstance(data.get("Error"), dict | str):
        raise _from_json_error(data["Error"], status, method, path)
    return data


def error_from_response(response: requests.Response, method: str, path: str) -> APIError:
    """The typed exception for a non-2xx answer."""
    text = response.content.decode("utf-8", "replace") if response.content else ""
    retry_after = response.headers.get("Retry-After")
    return error_from_parts(response.status_code, text, method, path, retry_after=retry_after)


def error_from_parts(
    status: int,
    text: str,
    method: str | None = None,
    path: str | None = None,
    *,
    retry_after: str | None = None,
) -> APIError:
    """Classify an error answer from its status and body text."""
    where: dict[str, Any] = {"status": status, "method": method, "path": path}
    problem = _OAUTH_RE.search(text)
    if problem is not None:
        return _oauth_error(problem.group(1), text, where)
    if status == 429 or is_throttle_text(text):
        seconds = _retry_after_seconds(retry_after)
        message = "rate limit exceeded (Number of requests exceeded the rate limit set)"
        if status == 429 and not is_throttle_text(text):
            message = f"too many requests (HTTP 429){_body_suffix(text)}"
        return RateLimitError(message, retry_after=seconds, **where)
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict) and "Error" in data:
            return _from_json_error(data["Error"], status, method, path)
        if isinstance(data, dict) and "error" in data:
            return _from_json_error(data["error"], status, method, path)
    xml_error = _error_from_xml(stripped, status, method, path)
    if xml_error is not None:
        return xml_error
    import html  # error pages only: not loaded for the usual JSON answers

    message = _snippet(_TAG_RE.sub(" ", html.unescape(stripped))) or _reason(status)
    return _typed(status, None, message, path, where)


def _oauth_error(problem: str, text: str, where: dict[str, Any]) -> AuthenticationError:
    if problem == "timestamp_refused":
        bounds = _ACCEPTABLE_RE.search(text)
        skew = None
        detail = ""
        if bounds is not None:
            import time

            middle = (int(bounds.group(1)) + int(bounds.group(2))) / 2
            skew = time.time() - middle
            detail = f" by about {skew:+.0f} s"
        return ClockSkewError(
            f"E*TRADE refused the request timestamp (oauth_problem=timestamp_refused): this "
            f"machine's clock is off{detail}; sync it with NTP and try again",
            oauth_problem=problem,
            skew_seconds=skew,
            **where,
        )
    hints = {
        "token_rejected": "the access token was rejected (inactive, revoked or unknown)",
        "token_expired": "the access token has expired (they end at midnight US Eastern)",
        "consumer_key_rejected": "the consumer key was rejected (wrong environment, or "
        "expired: keys last about two years)",
        "signature_invalid": "the OAuth signature did not verify (wrong consumer secret or "
        "token secret?)",
        "nonce_used": "the OAuth nonce was already used (a request was replayed)",
    }
    message = hints.get(problem, "authentication failed")
    return AuthenticationError(f"{message} (oauth_problem={problem})", oauth_problem=problem,
                               **where)  # fmt: skip


def _from_json_error(body: Any, status: int, method: str | None, path: str | None) -> APIError:
    code: int | None = None
    message = ""
    if isinstance(body, dict):
        raw_code = body.get("code")
        try:
            code = int(raw_code) if raw_code is not None and raw_code != "" else None
        except (TypeError, ValueError):
            code = None
        message = str(body.get("message") or body.get("description") or "")
    elif body is not None:
        message = str(body)
    where: dict[str, Any] = {"status": status, "method": method, "path": path}
    problem = _OAUTH_RE.search(message)
    if problem is not None:
        return _oauth_error(problem.group(1), message, where)
    if is_throttle_text(message):
        return RateLimitError(message, code=code, **where)
    details = body if isinstance(body, dict) else None
    return _typed(status, code, message or _reason(status), path, where, details=details)


def _error_from_xml(
    text: str, status: int, method: str | None, path: str | None
) -> APIError | None:
    if "<Error" not in text:
        return None
    from xml.etree import ElementTree  # XML error bodies only

    try:
        root = ElementTree.fromstring(text)  # noqa: S314
        node = root if root.tag == "Error" else root.find(".//Error")
    except (ElementTree.ParseError, ValueError, RecursionError):
        return None
    if node is None:
        return None
    body = {child.tag: (child.text or "").strip() for child in node}
    return _from_json_error(body, status, method, path)


def _typed(
    status: int,
    code: int | None,
    message: str,
    path: str | None,
    where: dict[str, Any],
    *,
    details: dict[str, Any] | None = None,
) -> APIError:
    kw = dict(where, code=code, details=details)
    if status == 404:
        return NotFoundError(message, **kw)
    if status >= 500:
        return ServerError(message, **kw)
    if path and "/orders" in path:
        if (code in DUPLICATE_CLIENT_ORDER_ID_CODES) or _DUP_RE.search(message):
            return DuplicateOrderError(message, **kw)
        return OrderError(message, **kw)
    return APIError(message, **kw)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _snippet(text: str, limit: int = 300) -> str:
    collapsed = " ".join(text.split())
    return collapsed[:limit] + ("…" if len(collapsed) > limit else "")


def _body_suffix(text: str) -> str:
    snippet = _snippet(_TAG_RE.sub(" ", text))
    return f": {snippet}" if snippet else ""


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unexpected answer"

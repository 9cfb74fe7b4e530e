"""
etrade_sync.errors
~~~~~~~~~~~~~~~~~~

This module provides the exception tree. Every error etrade_sync raises is an
:class:`ETradeError`; catch that to catch them all.

::

    ETradeError
    ├── ConfigurationError        (also ValueError) bad settings or environment
    ├── ValidationError           (also ValueError) bad input, caught before any request
    ├── NetworkError              the request never got an answer (connect, read, TLS,
    │   │                         time limit); .sent says whether it may have arrived
    │   └── ResponseTooLargeError the answer was over Settings.max_body_bytes
    ├── RedirectError             E*TRADE answered 3xx; redirects are never followed
    ├── JournalError              the order journal cannot be written: order not sent
    ├── RateGateError             the rate gate's backend is unreachable or a permit timed out
    ├── CircuitOpenError          the client is failing fast after a run of server failures
    ├── OrderOutcomeUnknownError  an order mutation may or may not have happened
    ├── OrderIntentExistsError    the journal already holds this order: refused, not sent
    └── APIError                  E*TRADE answered with an error (status, code, message)
        ├── AuthenticationError   401 / oauth_problem=...
        │   ├── LoginRequiredError    the daily login is needed; the message says how
        │   └── ClockSkewError        timestamp_refused: the local clock is off
        ├── RateLimitError        429 or E*TRADE's "Number of requests exceeded" page
        ├── NotFoundError         404
        ├── MalformedResponseError  the answer could not be read (not JSON, bad UTF-8,
        │                         nested too deep, or an unexpected shape)
        ├── ServerError           5xx
        └── OrderError            an order call was refused (code 101 stale preview, ...)
            ├── DuplicateOrderError   the clientOrderId was already used in the account
            └── PaperOrderRefusedError  the local paper broker refused it (paper mode)

    IncompleteResultWarning       (a UserWarning, not an error) a list ended with fewer
                                  rows than E*TRADE announced
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "CircuitOpenError",
    "ClockSkewError",
    "ConfigurationError",
    "DuplicateOrderError",
    "ETradeError",
    "IncompleteResultWarning",
    "JournalError",
    "LoginRequiredError",
    "MalformedResponseError",
    "NetworkError",
    "NotFoundError",
    "OrderError",
    "OrderIntentExistsError",
    "OrderOutcomeUnknownError",
    "PaperOrderRefusedError",
    "RateGateError",
    "RateLimitError",
    "RedirectError",
    "ResponseTooLargeError",
    "ServerError",
    "ValidationError",
]


class ETradeError(Exception):
    """Root of every exception raised by etrade_sync."""


class ConfigurationError(ETradeError, ValueError):
    """A setting or environment variable has a value etrade_sync cannot use.

    :attr:`name` is the setting or variable that is wrong.
    """

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


class ValidationError(ETradeError, ValueError):
    """Input was refused before any request was sent.

    :attr:`field` names the offending field (for example ``"limit_price"``).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NetworkError(ETradeError):
    """No usable answer arrived: the connection failed, timed out or was reset.

    :attr:`sent` is ``False`` only when the request certainly never reached the
    server (connection refused, name not resolved, TLS set-up failed); ``True``
    means it may have been received and acted upon.
    """

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.sent = sent


class ResponseTooLargeError(NetworkError):
    """The answer was larger than ``Settings.max_body_bytes``; it was not read.

    :attr:`limit` is that cap in bytes.
    """

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message, sent=True)
        self.limit = limit


class RedirectError(ETradeError):
    """E*TRADE answered with a redirect (3xx). Redirects are never followed.

    :attr:`status` and :attr:`location` are the answer's; :attr:`sent` is always
    ``True``: the request reached a server, which may have acted on it.
    """

    sent = True

    def __init__(
        self,
        message: str,
        *,
        status: int,
        location: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.location = location
        self.method = method
        self.path = path


class JournalError(ETradeError):
    """The order journal could not be written, so the order was not sent."""


class RateGateError(ETradeError):
    """The rate gate could not hand out a permit (backend down, or waited too long)."""


class CircuitOpenError(ETradeError):
    """Requests are refused locally for a cool-down after a run of server failures."""

    def __init__(self, message: str, *, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


class OrderOutcomeUnknownError(ETradeError):
    """An order mutation was sent but no definite answer came back.

    The order may or may not exist at E*TRADE. Do **not** simply send it again:
    call ``client.orders.resolve(account_id_key, client_order_id)`` first.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        account_id_key: str | None = None,
        client_order_id: str | None = None,
        order_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.account_id_key = account_id_key
        self.client_order_id = client_order_id
        self.order_id = order_id


class OrderIntentExistsError(ETradeError):
    """The order journal already holds this order intent, so nothing was sent.

    :attr:`status` is the intent's journal status (``pending``, ``unknown`` or
    ``done``), :attr:`command` the command that shows or settles it.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        status: str,
        account_id_key: str,
        client_order_id: str | None = None,
        order_id: int | None = None,
        command: str = "",
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.status = status
        self.account_id_key = account_id_key
        self.client_order_id = client_order_id
        self.order_id = order_id
        self.command = command


class APIError(ETradeError):
    """E*TRADE answered with an error.

    :attr:`status` is the HTTP status, :attr:`code` E*TRADE's error code (or
    ``None``), :attr:`message` E*TRADE's message, :attr:`method` and :attr:`path`
    the request (path only: no query string, no host).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | None = None,
        method: str | None = None,
        path: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.details = details or {}
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f" on {self.method} {self.path}" if self.method and self.path else ""
        code = f" code {self.code}" if self.code is not None else ""
        return f"E*TRADE answered HTTP {self.status}{code}{where}: {self.message}"


class AuthenticationError(APIError):
    """The request was refused for an OAuth reason (``oauth_problem=...``)."""

    def __init__(self, message: str, *, oauth_problem: str | None = None, **kw: Any) -> None:
        self.oauth_problem = oauth_problem
        super().__init__(message, **kw)


class LoginRequiredError(AuthenticationError):
    """The access token is gone for the day; the message names the command to run."""

    def __init__(self, message: str, *, command: str = "etrade-sync login", **kw: Any) -> None:
        self.command = command
        kw.setdefault("status", 401)
        super().__init__(message, **kw)

    def _describe(self) -> str:
        return self.message


class ClockSkewError(AuthenticationError):
    """E*TRADE refused the request timestamp: this machine's clock is off."""

    def __init__(self, message: str, *, skew_seconds: float | None = None, **kw: Any) -> None:
        self.skew_seconds = skew_seconds
        super().__init__(message, **kw)


class RateLimitError(APIError):
    """E*TRADE throttled the request (429, or its HTTP 400 rate-limit page)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class NotFoundError(APIError):
    """HTTP 404 from E*TRADE."""


class MalformedResponseError(APIError):
    """E*TRADE's answer could not be read: not JSON, invalid UTF-8, nested too
    deeply, or a shape the parser does not know (a list where an object belongs).

    :attr:`status` is the HTTP status of that answer (usually 200).
    """


class ServerError(APIError):
    """HTTP 5xx from E*TRADE."""


class OrderError(APIError):
    """An order call was refused by E*TRADE (bad preview id, rejected order, ...)."""


class DuplicateOrderError(OrderError):
    """E*TRADE refused the order because its clientOrderId was already used."""


class IncompleteResultWarning(UserWarning):
    """A paged list ended with fewer rows than the total E*TRADE announced.

    Issued by ``client.accounts.transactions`` (and logged as a WARNING). Make it an
    error with ``warnings.simplefilter("error", IncompleteResultWarning)``.
    """


class PaperOrderRefusedError(OrderError):
    """The local paper broker refused the order: something it does not fill (options,
    multi-leg orders, all-or-none, short sales, extended hours) or cannot afford."""

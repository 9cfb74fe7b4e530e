"""
etrade_sync.api.base
~~~~~~~~~~~~~~~~~~~~

This module provides :class:`Resource`, the base of the endpoint groups
(``client.accounts``, ``client.market``, ``client.orders``, ``client.alerts``):
each method builds a :class:`~etrade_sync.transport.Call`, states whether it is
safe to repeat, and turns the answer into models.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from types import GeneratorType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import quote

from ..errors import ETradeError, MalformedResponseError, ValidationError
from ..transport import Call

if TYPE_CHECKING:
    from ..cache import CacheSet
    from ..config import Settings
    from ..orders import JournalStore

__all__ = ["ClientParts", "Requestor", "Resource", "check_account_key", "segment", "typed_answers"]

log = logging.getLogger("etrade_sync")

F = TypeVar("F", bound=Callable[..., Any])

#: What a parser meeting an answer of the wrong shape can raise (a list where an
#: object belongs, a string where a number belongs, nesting past the stack).
_SHAPE_ERRORS = (
    AttributeError,
    TypeError,
    KeyError,
    IndexError,
    ValueError,
    ArithmeticError,
    RecursionError,
)


class Requestor(Protocol):
    """Sends one call and returns its decoded answer (the transport)."""

    def call_json(self, call: Call) -> Any: ...


class ClientParts(Protocol):
    """What an endpoint group uses of the client that holds it: the settings, a
    requestor, the response caches and the order journal; nothing else."""

    @property
    def settings(self) -> Settings: ...

    @property
    def transport(self) -> Requestor: ...

    @property
    def cache(self) -> CacheSet: ...

    @property
    def journal(self) -> JournalStore: ...


def segment(value: str, *, field: str, safe: str = ":") -> str:
    """``value`` as exactly one path segment: percent-encoded (``safe`` keeps extra
    characters; never ``/``), with ``.`` and ``..`` (which would move the request to
    another endpoint) refused."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    text = value.strip()
    if text in {".", ".."}:
        raise ValidationError(f"{field} cannot be {text!r}", field=field)
    return quote(text, safe=safe.replace("/", ""))


def check_account_key(account_id_key: str) -> str:
    """Validate an accountIdKey (from ``client.accounts.list()``) for use in a path."""
    key = segment(account_id_key, field="account_id_key", safe="")
    if key != account_id_key.strip() or len(key) > 64:
        raise ValidationError(
            f"account_id_key {account_id_key!r} is not an accountIdKey; use "
            f"Account.account_id_key from client.accounts.list()",
            field="account_id_key",
        )
    return key


def _malformed(name: str, exc: BaseException) -> MalformedResponseError:
    log.debug("%s: unreadable answer", name, exc_info=exc)
    return MalformedResponseError(
        f"unexpected answer shape for {name} ({type(exc).__name__}: {str(exc)[:120]})",
        status=200,
    )


def _guard_iterator(name: str, items: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from items
    except ETradeError:
        raise
    except _SHAPE_ERRORS as exc:
        raise _malformed(name, exc) from None


def typed_answers(name: str, func: F) -> F:
    """``func`` with every error a wrong-shaped answer can cause raised as
    :class:`~etrade_sync.errors.MalformedResponseError` (iterators it returns too)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
        except ETradeError:
            raise
        except _SHAPE_ERRORS as exc:
            raise _malformed(name, exc) from None
        if isinstance(result, GeneratorType):
            return _guard_iterator(name, result)
        return result

    return wrapper  # type: ignore[return-value]


class Resource:
    """One endpoint group bound to a client.

    Every public method of a subclass (except those named in ``unguarded``: order
    mutations, whose failures the order path classifies itself) is wrapped by
    :func:`typed_answers`, so an answer of any shape gives data or an
    :class:`~etrade_sync.errors.ETradeError`, never an ``AttributeError``.
    """

    #: Rate-limit category of this group's calls.
    category = "accounts"
    #: Public methods left unwrapped.
    unguarded: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        prefix = cls.__name__.removesuffix("API").lower()
        for attr, value in list(vars(cls).items()):
            if attr.startswith("_") or attr in cls.unguarded or not inspect.isfunction(value):
                continue
            setattr(cls, attr, typed_answers(f"{prefix}.{attr}", value))

    def __init__(self, client: ClientParts) -> None:
        self._client = client

    def _get(
        self,
        path: str,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        category: str | None = None,
    ) -> Any:
        """A safe (repeatable) GET returning decoded JSON or None."""
        call = Call(
            "GET",
            path,
            name=name,
            category=category or self.category,
            safe=True,
            params=_clean(params),
        )
        return self._client.transport.call_json(call)

    def _send(self, call: Call) -> Any:
        return self._client.transport.call_json(call)


def _clean(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Drop ``None`` values; booleans as ``true``/``false``; everything as text."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out or None

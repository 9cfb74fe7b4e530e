"""
etrade_sync.api.base
~~~~~~~~~~~~~~~~~~~~

This module provides :class:`Resource`, the base of the endpoint groups
(``client.accounts``, ``client.market``, ``client.orders``, ``client.alerts``):
each method builds a :class:`~etrade_sync.transport.Call`, states whether it is
safe to repeat, and turns the answer into models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from ..errors import ValidationError
from ..transport import Call

if TYPE_CHECKING:
    from ..cache import CacheSet
    from ..config import Settings
    from ..orders import JournalStore

__all__ = ["ClientParts", "Requestor", "Resource", "check_account_key", "segment"]


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


def segment(value: str, *, field: str, safe: str = "") -> str:
    """``value`` percent-encoded as one path segment (``safe`` keeps extra characters)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return quote(value.strip(), safe=safe)


def check_account_key(account_id_key: str) -> str:
    """Validate an accountIdKey (from ``client.accounts.list()``) for use in a path."""
    key = segment(account_id_key, field="account_id_key")
    if key != account_id_key.strip() or len(key) > 64:
        raise ValidationError(
            f"account_id_key {account_id_key!r} is not an accountIdKey; use "
            f"Account.account_id_key from client.accounts.list()",
            field="account_id_key",
        )
    return key


class Resource:
    """One endpoint group bound to a client."""

    #: Rate-limit category of this group's calls.
    category = "accounts"

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

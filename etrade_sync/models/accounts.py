"""
etrade_sync.models.accounts
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the account models: :class:`Account`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .base import Model, to_bool, to_datetime, to_str

__all__ = ["Account"]


@dataclasses.dataclass(frozen=True)
class Account(Model):
    """One brokerage account from ``accounts/list``.

    Use :attr:`account_id_key` (not :attr:`account_id`) in every other call.
    """

    account_id: str | None
    account_id_key: str
    mode: str | None = None
    description: str | None = None
    name: str | None = None
    type: str | None = None
    institution_type: str | None = None
    status: str | None = None
    closed_at: datetime | None = None
    share_works: bool | None = None

    @property
    def is_closed(self) -> bool:
        return (self.status or "").upper() == "CLOSED"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Account:
        return cls(
            account_id=to_str(data.get("accountId")),
            account_id_key=to_str(data.get("accountIdKey")) or "",
            mode=to_str(data.get("accountMode")),
            description=to_str(data.get("accountDesc")),
            name=(to_str(data.get("accountName")) or "").strip() or None,
            type=to_str(data.get("accountType")),
            institution_type=to_str(data.get("institutionType")),
            status=to_str(data.get("accountStatus")),
            closed_at=to_datetime(data.get("closedDate")),
            share_works=to_bool(data.get("shareWorksAccount")),
            raw=data,
        )

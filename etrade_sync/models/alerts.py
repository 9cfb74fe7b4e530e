"""
etrade_sync.models.alerts
~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides the alert models: :class:`Alert` (a row of the alert list),
:class:`AlertDetail` (one alert with its text) and :class:`AlertDeleteResult`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .base import Model, as_list, dig, to_datetime, to_int, to_str

__all__ = [
    "ALERT_CATEGORIES",
    "ALERT_STATUSES",
    "Alert",
    "AlertDeleteResult",
    "AlertDetail",
]

#: ``category`` values of the alert list.
ALERT_CATEGORIES = frozenset({"STOCK", "ACCOUNT"})
#: ``status`` values of alerts.
ALERT_STATUSES = frozenset({"READ", "UNREAD", "DELETED"})


@dataclasses.dataclass(frozen=True)
class Alert(Model):
    """One alert in the list (subject only; ``client.alerts.get`` has the text)."""

    alert_id: int
    subject: str | None = None
    status: str | None = None
    created_at: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Alert:
        return cls(
            alert_id=to_int(data.get("id")) or 0,
            subject=to_str(data.get("subject")),
            status=to_str(data.get("status")),
            created_at=to_datetime(data.get("createTime")),
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class AlertDetail(Model):
    """One alert with its message text."""

    alert_id: int
    subject: str | None = None
    text: str | None = None
    symbol: str | None = None
    created_at: datetime | None = None
    read_at: datetime | None = None
    deleted_at: datetime | None = None
    next_url: str | None = None
    previous_url: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AlertDetail:
        body = data.get("AlertDetailsResponse", data)
        body = body if isinstance(body, Mapping) else {}
        return cls(
            alert_id=to_int(body.get("id")) or 0,
            subject=to_str(body.get("subject")),
            text=to_str(body.get("msgText")),
            symbol=to_str(body.get("symbol")) or None,
            created_at=to_datetime(body.get("createTime")),
            read_at=to_datetime(body.get("readTime")),
            deleted_at=to_datetime(body.get("deleteTime")),
            next_url=to_str(body.get("next")) or None,
            previous_url=to_str(body.get("prev")) or None,
            raw=data,
        )


@dataclasses.dataclass(frozen=True)
class AlertDeleteResult(Model):
    """The answer to a delete: :attr:`failed_ids` lists the alerts not deleted."""

    result: str | None
    requested_ids: tuple[int, ...] = ()
    failed_ids: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every requested alert was deleted."""
        return not self.failed_ids and (self.result or "SUCCESS").upper() == "SUCCESS"

    @property
    def deleted_ids(self) -> tuple[int, ...]:
        return tuple(i for i in self.requested_ids if i not in self.failed_ids)

    @classmethod
    def from_api(cls, data: Any, *, requested_ids: tuple[int, ...] = ()) -> AlertDeleteResult:
        body = dig(data, "AlertsResponse")
        body = body if isinstance(body, Mapping) else {}
        failed_block = body.get("failedAlerts")
        failed_rows = dig(failed_block, "alertId") if isinstance(failed_block, Mapping) else None
        failed = (to_int(v) for v in as_list(failed_rows))
        return cls(
            result=to_str(body.get("result")),
            requested_ids=requested_ids,
            failed_ids=tuple(i for i in failed if i is not None),
            raw=data if isinstance(data, Mapping) else {},
        )

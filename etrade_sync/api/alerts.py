"""
etrade_sync.api.alerts
~~~~~~~~~~~~~~~~~~~~~~

This module provides ``client.alerts``: list, read and delete the user's alerts
(E*TRADE's messages about stocks and the account).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from ..errors import NotFoundError, ValidationError
from ..models.alerts import ALERT_CATEGORIES, ALERT_STATUSES, Alert, AlertDeleteResult, AlertDetail
from ..models.base import as_list, dig, to_int
from ..transport import Call
from .base import Resource
from .paging import warn_incomplete
from .params import check_choice, check_count, check_id

__all__ = ["AlertsAPI"]

#: E*TRADE's code for "no alerts" (sent with HTTP 404).
NO_ALERTS_CODE = 53
#: The largest alert page E*TRADE serves.
MAX_ALERT_COUNT = 300


class AlertsAPI(Resource):
    """``client.alerts``."""

    category = "alerts"

    def list(
        self,
        *,
        count: int | None = None,
        category: str | None = None,
        status: str | None = None,
        direction: str | None = None,
        search: str | None = None,
    ) -> builtins.list[Alert]:
        """Alerts, filtered by ``category`` (STOCK, ACCOUNT), ``status`` (READ,
        UNREAD, DELETED) and ``search`` (in the subject); ``direction`` ASC or DESC
        orders by creation time. No alerts is an empty list.

        E*TRADE's alert list has no paging: one answer of at most ``count`` alerts
        (its default is 25). Without ``count`` this asks for its maximum, 300; when a
        full answer says more exist (``totalAlerts``), an
        :class:`~etrade_sync.errors.IncompleteResultWarning` is issued and logged.
        """
        if search is not None and (not isinstance(search, str) or not search.strip()):
            raise ValidationError("search must be non-empty text", field="search")
        asked = check_count(count, high=MAX_ALERT_COUNT) or MAX_ALERT_COUNT
        params = {
            "count": asked,
            "category": check_choice(category, ALERT_CATEGORIES, field="category"),
            "status": check_choice(status, ALERT_STATUSES, field="status"),
            "direction": check_choice(direction, {"ASC", "DESC"}, field="direction"),
            "search": search.strip() if search else None,
        }
        try:
            data = self._get("/v1/user/alerts", "alerts.list", params)
        except NotFoundError as exc:
            if exc.code == NO_ALERTS_CODE:
                return []
            raise
        rows = as_list(dig(data, "AlertsResponse", "Alert"))
        alerts = [Alert.from_api(row) for row in rows if isinstance(row, dict)]
        total = to_int(dig(data, "AlertsResponse", "totalAlerts"))
        if asked == MAX_ALERT_COUNT and total is not None and total > len(alerts) >= asked:
            warn_incomplete("alerts.list", "alerts", total, len(alerts))
        return alerts

    def get(self, alert_id: int, *, html_tags: bool = False) -> AlertDetail:
        """One alert with its text; ``html_tags=True`` keeps E*TRADE's HTML markup."""
        aid = check_id(alert_id, field="alert_id")
        params = {"htmlTags": bool(html_tags)}
        data = self._get(f"/v1/user/alerts/{aid}", "alerts.get", params)
        return AlertDetail.from_api(data if isinstance(data, dict) else {})

    def delete(self, alert_ids: int | Iterable[int]) -> AlertDeleteResult:
        """Delete alerts; the result lists any ids E*TRADE did not delete."""
        items = [alert_ids] if isinstance(alert_ids, int) else builtins.list(alert_ids)
        ids: builtins.list[int] = []
        for item in items:
            aid = check_id(item, field="alert_ids")
            if aid not in ids:
                ids.append(aid)
        if not ids:
            raise ValidationError("no alert ids given", field="alert_ids")
        call = Call(
            "DELETE",
            f"/v1/user/alerts/{','.join(str(i) for i in ids)}",
            name="alerts.delete",
            category=self.category,
            safe=False,
        )
        return AlertDeleteResult.from_api(self._send(call), requested_ids=tuple(ids))

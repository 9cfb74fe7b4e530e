"""Alert endpoints: list, details and delete (``/v1/user/alerts``)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from . import codes
from .clock import SimClock
from .wire import ApiError, Reply, SimRequest, ok, query_bool, query_choice, query_int

__all__ = ["Alert", "AlertsApi"]

JSONDict = dict[str, Any]
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Alert:
    alert_id: int
    create_time: int  # epoch s
    subject: str
    category: str  # STOCK | ACCOUNT
    status: str  # UNREAD | READ | DELETED
    html: str
    symbol: str = ""
    read_time: int = 0
    delete_time: int = 0


def _seed_alerts(seed: int, now: float) -> list[Alert]:
    base = 6000 + (seed % 1000) * 10
    rows = [
        ("STOCK", "AAPL", "AAPL has risen above your target price of $185.00",
         "<p><b>AAPL</b> traded at $190.12, above your alert price of $185.00.</p>"),
        ("ACCOUNT", "", "Your order to buy 10 MSFT was executed",
         "<p>Your order to <b>buy 10 MSFT</b> was executed at $409.87.</p>"),
        ("STOCK", "TSLA", "TSLA has fallen 5% today",
         "<p><b>TSLA</b> is down 5.2% from the previous close.</p>"),
        ("ACCOUNT", "", "A deposit of $2,500.00 has posted",
         "<p>A transfer of <b>$2,500.00</b> from your linked bank account has posted.</p>"),
        ("STOCK", "NVDA", "NVDA 52-week high",
         "<p><b>NVDA</b> reached a new 52-week high.</p>"),
        ("ACCOUNT", "", "Your statement is ready",
         "<p>Your monthly account statement is ready to view.</p>"),
    ]  # fmt: skip
    alerts = []
    for i, (category, symbol, subject, html) in enumerate(rows):
        created = int(now) - (len(rows) - i) * 86_400 - (seed * 37 + i * 911) % 3600
        status = "READ" if i in (1, 3) else "UNREAD"
        alert = Alert(base + i, created, subject, category, status, html, symbol)
        alert.read_time = created + 600 if status == "READ" else 0
        alerts.append(alert)
    return alerts


class AlertsApi:
    """Handlers for ``/v1/user/alerts``; six deterministic alerts to start with."""

    def __init__(self, seed: int, clock: SimClock, lock: threading.RLock) -> None:
        self.clock = clock
        self.lock = lock
        self.alerts = _seed_alerts(seed, clock.now())

    def list_alerts(self, call: SimRequest) -> Reply:
        count = query_int(call, "count", 25, codes.INVALID_PARAMETER, 1, 300)
        category = query_choice(call, "category", ("STOCK", "ACCOUNT"), "", codes.INVALID_PARAMETER)
        status = query_choice(
            call, "status", ("READ", "UNREAD", "DELETED"), "", codes.INVALID_PARAMETER
        )
        direction = query_choice(
            call, "direction", ("ASC", "DESC"), "DESC", codes.INVALID_PARAMETER
        )
        search = (call.query.get("search") or "").strip().lower()
        with self.lock:
            found = [
                a
                for a in self.alerts
                if (not category or a.category == category)
                and (a.status == status if status else a.status != "DELETED")
                and (not search or search in a.subject.lower())
            ]
            found.sort(key=lambda a: (a.create_time, a.alert_id), reverse=direction == "DESC")
            if not found:
                raise ApiError(404, codes.NO_RESULTS, "There are no alerts that match the request.")
            rows = [
                {
                    "id": a.alert_id,
                    "createTime": a.create_time,
                    "subject": a.subject,
                    "status": a.status,
                }
                for a in found[:count]
            ]
        return ok(call, {"AlertsResponse": {"totalAlerts": len(found), "Alert": rows}})

    def _find(self, raw: str) -> Alert:
        try:
            alert_id = int(raw)
        except ValueError:
            raise ApiError(400, codes.ALERT_BAD_ID, f"Invalid alert id {raw!r}.") from None
        if alert_id <= 0:
            raise ApiError(400, codes.ALERT_BAD_ID, "The alert id must be greater than 0.")
        for alert in self.alerts:
            if alert.alert_id == alert_id:
                return alert
        raise ApiError(404, codes.NO_RESULTS, f"Alert {alert_id} was not found.")

    def details(self, call: SimRequest) -> Reply:
        keep_tags = query_bool(call, "htmlTags")
        with self.lock:
            alert = self._find(unquote(call.params[0]))
            if alert.status == "UNREAD":
                alert.status = "READ"
                alert.read_time = int(self.clock.now())
            ordered = sorted(self.alerts, key=lambda a: (a.create_time, a.alert_id))
            index = ordered.index(alert)
            body: JSONDict = {
                "id": alert.alert_id,
                "createTime": alert.create_time,
                "subject": alert.subject,
                "msgText": alert.html if keep_tags else _TAGS.sub("", alert.html),
                "readTime": alert.read_time,
                "deleteTime": alert.delete_time,
                "symbol": alert.symbol,
            }
            if index + 1 < len(ordered):
                body["next"] = call.link(f"/v1/user/alerts/{ordered[index + 1].alert_id}")
            if index > 0:
                body["prev"] = call.link(f"/v1/user/alerts/{ordered[index - 1].alert_id}")
        return ok(call, {"AlertDetailsResponse": body})

    def delete(self, call: SimRequest) -> Reply:
        ids = [part.strip() for part in unquote(call.params[0]).split(",") if part.strip()]
        failed: list[str] = []
        deleted = 0
        with self.lock:
            for raw in ids:
                try:
                    alert = self._find(raw)
                except ApiError:
                    failed.append(raw)
                    continue
                if alert.status == "DELETED":
                    failed.append(raw)
                    continue
                alert.status = "DELETED"
                alert.delete_time = int(self.clock.now())
                deleted += 1
        body: JSONDict = {"result": "SUCCESS" if deleted or not ids else "FAILURE"}
        if failed:
            body["failedAlerts"] = {"alertId": [int(x) if x.isdigit() else x for x in failed]}
        return ok(call, {"AlertsResponse": body})
